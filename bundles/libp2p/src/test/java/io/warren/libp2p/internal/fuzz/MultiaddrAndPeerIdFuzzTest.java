package io.warren.libp2p.internal.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.warren.api.Base58;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.testing.Fuzz;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz targets for multiaddrs (binary, as peers send them, and text, as users and peers' records
 * give them), peer IDs and base58: bad input is an {@link IllegalArgumentException} (a
 * {@code MultiaddrException} for multiaddrs); what parses prints and parses back to itself.
 */
class MultiaddrAndPeerIdFuzzTest {

  private static final String PEER = Ed25519Identity.generate().peerId().toString();
  /** Addresses Warren understands (the binary seeds), and two it does not (text seeds only). */
  private static final List<String> ADDRESSES = List.of("/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001",
      "/dns4/example.org/tcp/443", "/ip4/1.2.3.4/tcp/4001/p2p/" + PEER + "/p2p-circuit/p2p/" + PEER,
      "/dns/node.local/tcp/80", "/dns6/fe80.example/tcp/1", "/ip6/fe80::1/tcp/1", "/p2p/" + PEER);
  private static final List<String> FOREIGN = List.of("/ip4/1.2.3.4/udp/4001/quic-v1", "/unix/tmp%2Fsock");

  @Provide
  Arbitrary<byte[]> binary() {
    return Fuzz.bytes(2 * Multiaddr.MAX_BINARY_LENGTH,
        ADDRESSES.stream().map(a -> Multiaddr.fromString(a).toBytes()).toList());
  }

  @Provide
  Arbitrary<String> text() {
    return Fuzz.text(2048, java.util.stream.Stream.concat(ADDRESSES.stream(), FOREIGN.stream()).toList(),
        List.of("/", "//", "/ip4/", "/ip6/", "/tcp/", "/udp/", "/dns/", "/p2p/", "/ws",
            "/quic-v1", "/p2p-circuit", "65536", "-1", "::", "0x", "%", "\u0000", "999.1.1.1", PEER));
  }

  @Provide
  Arbitrary<String> peerIds() {
    return Fuzz.text(512, List.of(PEER, "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
        PeerId.parse(PEER).toCidString()), List.of("1", "Qm", "b", "12D3KooW", "0", "O", "l", "I", "z"));
  }

  @Property(seed = Fuzz.SEED)
  void binaryMultiaddrs(@ForAll("binary") byte[] input) {
    AtomicReference<Multiaddr> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(Multiaddr.fromBytes(input)), IllegalArgumentException.class);
    if (parsed.get() != null) {
      Fuzz.expect(input, () -> assertEquals(parsed.get(), Multiaddr.fromString(parsed.get().toString())));
    }
  }

  @Property(seed = Fuzz.SEED)
  void textMultiaddrs(@ForAll("text") String input) {
    AtomicReference<Multiaddr> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(Multiaddr.fromString(input)), IllegalArgumentException.class);
    if (parsed.get() != null) {
      Fuzz.expect(input, () -> assertEquals(parsed.get(), Multiaddr.fromBytes(parsed.get().toBytes())));
    }
  }

  @Property(seed = Fuzz.SEED)
  void peerIdsAndBase58(@ForAll("peerIds") String input) {
    AtomicReference<PeerId> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(PeerId.parse(input)), IllegalArgumentException.class);
    if (parsed.get() != null) {
      Fuzz.expect(input, () -> assertEquals(parsed.get(), PeerId.fromBytes(parsed.get().toBytes())));
    }
    AtomicReference<byte[]> decoded = new AtomicReference<>();
    Fuzz.expect(input, () -> decoded.set(Base58.decode(input)), IllegalArgumentException.class);
    if (decoded.get() != null) {
      Fuzz.expect(input, () -> assertArrayEquals(decoded.get(), Base58.decode(Base58.encode(decoded.get()))));
    }
  }

  @Property(seed = Fuzz.SEED)
  void binaryPeerIds(@ForAll("binary") byte[] input) {
    Fuzz.expect(input, () -> PeerId.fromBytes(input), IllegalArgumentException.class);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzBinaryMultiaddrs(byte[] input) {
    binaryMultiaddrs(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzTextMultiaddrs(byte[] input) {
    textMultiaddrs(Fuzz.utf8(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzPeerIdsAndBase58(byte[] input) {
    peerIdsAndBase58(Fuzz.utf8(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzBinaryPeerIds(byte[] input) {
    binaryPeerIds(input);
  }
}
