package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import io.warren.testing.Fuzz;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzz targets for the federation wire: the length-prefixed frames of a federation stream, the
 * signed peer records inside them, and bootstrap identities (base64 JSON a user pastes). Bad frames
 * fail the stream's read with a {@link ProtocolException} (or Netty's frame error) and close it;
 * bad records are a {@link ProtocolException}; bad identities an {@link IllegalArgumentException}.
 */
class FederationFuzzTest {

  private static final NodeIdentity ME;
  static {
    try {
      ME = MembershipAndRecordTest.identity();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final String OTHER;
  static {
    try {
      OTHER = MembershipAndRecordTest.identity().peerId();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }
  private static final byte[] KEY = MembershipDialogueTest.key("NetPass");

  /** A valid J-PAKE round 1 of OTHER's, and a round 2 it made in another run with this node. */
  static byte[] rounds() {
    Membership other = new Membership("net", KEY, OTHER, ME.peerId());
    Membership earlier = new Membership("net", KEY, ME.peerId(), OTHER);
    Codec.Writer w = new Codec.Writer();
    other.writeRound1(w);
    Codec.Writer t = new Codec.Writer();
    earlier.writeRound1(t);
    other.readRound1(new Codec.Reader(t.toByteArray()));
    other.writeRound2(w);
    return w.toByteArray();
  }

  static byte[] record() {
    return SignedPeerRecord.sign(ME, "net", "node-a", "1.0", List.of("/ip4/127.0.0.1/tcp/1", "/ip6/::1/tcp/2"), 42)
        .encode();
  }

  static byte[] frame(byte[] body) {
    return new Codec.Writer().bytes(body).toByteArray();
  }

  @Provide
  Arbitrary<byte[]> records() {
    return Fuzz.bytes(64 << 10, List.of(record(), SignedPeerRecord
        .sign(ME, "n", "", "", List.of(), 0).encode(),
        SignedPeerRecord.sign(ME, "net", KEY, "node-a", "1.0",
            List.of("/ip4/127.0.0.1/tcp/1"), java.util.Map.of("ssh.hostkey", "SHA256:x", "a", ""), 42).encode()));
  }

  @Provide
  Arbitrary<byte[]> streams() {
    byte[] r = record();
    byte[] table = new Codec.Writer().u32(1).bytes(r).toByteArray();
    byte[] two = new byte[frame(r).length + frame(table).length];
    System.arraycopy(frame(r), 0, two, 0, frame(r).length);
    System.arraycopy(frame(table), 0, two, frame(r).length, frame(table).length);
    return Fuzz.bytes(64 << 10, List.of(frame(r), frame(table), two, frame(new byte[0])));
  }

  @Provide
  Arbitrary<byte[]> membershipRounds() {
    byte[] r = rounds();
    return Fuzz.bytes(Frames.HANDSHAKE_FRAME, List.of(r, java.util.Arrays.copyOf(r, r.length / 2)));
  }

  @Provide
  Arbitrary<String> identities() {
    String json = "{\"name\":\"node-a\",\"peerId\":\"" + ME.peerId()
        + "\",\"addresses\":[\"/ip4/127.0.0.1/tcp/4001\"]}";
    return Fuzz.text(4096, List.of(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)), json),
        List.of("=", "==", "+", "/", "A", "e30=", "W10=", "\n"));
  }

  @Property(seed = Fuzz.SEED)
  void signedPeerRecords(@ForAll("records") byte[] input) {
    AtomicReference<SignedPeerRecord> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(SignedPeerRecord.decode(input)), ProtocolException.class);
    if (parsed.get() != null) {
      Fuzz.expect(input, () -> parsed.get().verifies());
      // canonical: what decodes encodes to the very bytes the signature covers
      byte[] body = new Codec.Reader(input).bytes(SignedPeerRecord.MAX_ENCODED, "body");
      if (!java.util.Arrays.equals(body, parsed.get().signedBytes())) {
        throw new AssertionError(
            "a record that decodes re-encodes differently: " + java.util.HexFormat.of().formatHex(input));
      }
    }
  }

  /** What a peer sends as its J-PAKE rounds: refused as a protocol error, or a key that confirms nothing. */
  @Property(seed = Fuzz.SEED, tries = 200)
  void membershipRounds(@ForAll("membershipRounds") byte[] input) {
    Membership m = new Membership("net", KEY, ME.peerId(), OTHER);
    m.writeRound1(new Codec.Writer());
    Fuzz.expect(input, () -> {
      Codec.Reader in = new Codec.Reader(input);
      m.readRound1(in);
      m.writeRound2(new Codec.Writer());
      m.readRound2(in);
      assertEquals(false, m.confirms(new byte[32]), "a made-up key confirmation");
    }, ProtocolException.class);
  }

  @Property(seed = Fuzz.SEED)
  void bootstrapIdentities(@ForAll("identities") String input) {
    Fuzz.expect(input, () -> Bootstrap.parse(input), IllegalArgumentException.class);
  }

  @Property(seed = Fuzz.SEED)
  void framesOnAStream(@ForAll("streams") byte[] input, @ForAll @IntRange(min = 1, max = 512) int chunk) {
    EmbeddedChannel ch = new EmbeddedChannel();
    Stream stream = new Stream() {
      @Override
      public Channel channel() {
        return ch;
      }

      @Override
      public PeerRef peer() {
        return new PeerRef(PeerRef.LIBP2P, ME.peerId());
      }

      @Override
      public String protocol() {
        return "/warren/federation/1.0.0";
      }

      @Override
      public boolean relayed() {
        return false;
      }
    };
    Frames frames = new Frames(stream, Duration.ofSeconds(5));
    try {
      for (int at = 0; at < input.length && ch.isOpen(); at += chunk) {
        ch.writeInbound(Unpooled.wrappedBuffer(input, at, Math.min(chunk, input.length - at)));
      }
      ch.close(); // the stream ends: every read after the last frame fails at once
      List<byte[]> read = new ArrayList<>();
      AtomicReference<Throwable> end = new AtomicReference<>();
      for (int i = 0; i <= input.length && end.get() == null; i++) {
        try {
          read.add(frames.read());
        } catch (Throwable t) {
          end.set(t);
        }
      }
      Fuzz.expectOnly(input, end.get(), ProtocolException.class, EOFException.class, DecoderException.class);
      for (byte[] message : read) {
        assertTrue(message.length <= Frames.MAX_FRAME, "a frame over the limit");
        Fuzz.expect(message, () -> SignedPeerRecord.decode(message), ProtocolException.class);
      }
      assertEquals(false, ch.isOpen());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzSignedPeerRecords(byte[] input) {
    signedPeerRecords(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzMembershipRounds(byte[] input) {
    membershipRounds(input);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzBootstrapIdentities(byte[] input) {
    bootstrapIdentities(Fuzz.utf8(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzFrames(byte[] input) {
    framesOnAStream(input, 1 + 8 * Fuzz.chunk(input));
  }
}
