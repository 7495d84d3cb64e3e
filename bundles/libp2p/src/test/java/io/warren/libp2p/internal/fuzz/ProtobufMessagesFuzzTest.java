package io.warren.libp2p.internal.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.warren.libp2p.internal.autonat.AutonatMessage;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.dcutr.DcutrMessage;
import io.warren.libp2p.internal.identify.IdentifyMessage;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.noise.NoiseHandshakePayload;
import io.warren.libp2p.internal.record.PeerRecord;
import io.warren.libp2p.internal.record.SignedEnvelope;
import io.warren.libp2p.internal.relay.RelayMessage;
import io.warren.testing.Fuzz;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz targets for the libp2p protobuf readers a stranger's bytes reach: identify, circuit relay
 * (hop and stop), DCUtR, AutoNAT, the Noise handshake payload, signed envelopes and peer records, and
 * public keys. Each refuses bad input with an {@link IllegalArgumentException} (the stream handlers
 * turn it into a reset or a MALFORMED_MESSAGE status) and nothing else.
 */
class ProtobufMessagesFuzzTest {

  private static final int MAX_INPUT = 4096;
  private static final Ed25519Identity ID = Ed25519Identity.generate();
  private static final byte[] ADDR = Multiaddr.fromString("/ip4/127.0.0.1/tcp/4001").toBytes();
  private static final byte[] ADDR6 = Multiaddr.fromString("/ip6/::1/tcp/4001").toBytes();

  /** A length-delimited message without its length prefix. */
  static byte[] body(byte[] delimited) {
    long[] len = Varint.decode(delimited, 0);
    return Arrays.copyOfRange(delimited, (int) len[1], delimited.length);
  }

  static List<byte[]> seeds() {
    byte[] key = ID.publicKey().toProtobuf();
    byte[] peer = ID.peerId().toBytes();
    return List.of(
        new IdentifyMessage("ipfs/0.1.0", "warren/test", key, List.of(ADDR, ADDR6), ADDR,
            List.of("/ipfs/id/1.0.0", "/yamux/1.0.0"), null).encode(),
        body(RelayMessage.hop(RelayMessage.HOP_RESERVE).encodeDelimited()),
        body(RelayMessage.hopConnect(peer).encodeDelimited()),
        body(RelayMessage.hopStatus(RelayMessage.OK, new RelayMessage.Reservation(1_800_000_000L, List.of(ADDR),
            new byte[] {1, 2, 3}), new RelayMessage.Limit(120, 1 << 17)).encodeDelimited()),
        body(RelayMessage.stopConnect(peer, new RelayMessage.Limit(60, 4096)).encodeDelimited()),
        body(RelayMessage.stopStatus(RelayMessage.OK).encodeDelimited()),
        body(DcutrMessage.connect(List.of(ADDR, ADDR6)).encodeDelimited()),
        body(DcutrMessage.sync().encodeDelimited()),
        body(AutonatMessage.dial(peer, List.of(ADDR)).encodeDelimited()),
        body(AutonatMessage.response(0, "OK", ADDR).encodeDelimited()),
        new NoiseHandshakePayload(key, new byte[64], List.of(), List.of("/yamux/1.0.0")).encode(),
        new PeerRecord(ID.peerId(), 7, List.of(Multiaddr.fromBytes(ADDR))).seal(ID), key);
  }

  @Provide
  Arbitrary<byte[]> input() {
    return Fuzz.bytes(MAX_INPUT, seeds());
  }

  @Property(seed = Fuzz.SEED)
  void identify(@ForAll("input") byte[] input) {
    Fuzz.expect(input, () -> IdentifyMessage.decode(input), IllegalArgumentException.class);
    Fuzz.expect(input, () -> IdentifyMessage.decodeStream(input), IllegalArgumentException.class);
  }

  @Property(seed = Fuzz.SEED)
  void circuitRelay(@ForAll("input") byte[] input) {
    Fuzz.expect(input, () -> RelayMessage.decode(true, input), IllegalArgumentException.class);
    Fuzz.expect(input, () -> RelayMessage.decode(false, input), IllegalArgumentException.class);
  }

  @Property(seed = Fuzz.SEED)
  void dcutr(@ForAll("input") byte[] input) {
    Fuzz.expect(input, () -> DcutrMessage.decode(input), IllegalArgumentException.class);
  }

  @Property(seed = Fuzz.SEED)
  void autonat(@ForAll("input") byte[] input) {
    Fuzz.expect(input, () -> AutonatMessage.decode(input), IllegalArgumentException.class);
  }

  @Property(seed = Fuzz.SEED)
  void noiseHandshakePayload(@ForAll("input") byte[] input) {
    Fuzz.expect(input, () -> NoiseHandshakePayload.decode(input), IllegalArgumentException.class);
  }

  @Property(seed = Fuzz.SEED)
  void signedPeerRecordsAndKeys(@ForAll("input") byte[] input) {
    Fuzz.expect(input, () -> SignedEnvelope.decode(input), IllegalArgumentException.class);
    Fuzz.expect(input, () -> PeerRecord.open(input), IllegalArgumentException.class);
    Fuzz.expect(input, () -> Libp2pPublicKey.fromProtobuf(input), IllegalArgumentException.class);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzIdentify(byte[] input) {
    identify(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzCircuitRelay(byte[] input) {
    circuitRelay(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzDcutr(byte[] input) {
    dcutr(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzAutonat(byte[] input) {
    autonat(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzNoiseHandshakePayload(byte[] input) {
    noiseHandshakePayload(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzSignedPeerRecordsAndKeys(byte[] input) {
    signedPeerRecordsAndKeys(input);
  }
}
