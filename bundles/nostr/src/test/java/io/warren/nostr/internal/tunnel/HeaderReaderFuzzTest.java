package io.warren.nostr.internal.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzz target for the tunnel header reader (4-byte length + JSON at the start of every tunnel
 * stream): whatever a peer sends, its listener is told exactly once (the header, or why it failed)
 * by the time the stream ends, the header it reports is at most {@link TunnelWire#MAX_HEADER} bytes,
 * and nothing else is thrown.
 */
class HeaderReaderFuzzTest {

  static byte[] header(String json, String tail) {
    ByteBuf b = TunnelWire.header(ByteBufAllocator.DEFAULT, json).writeBytes(tail.getBytes(StandardCharsets.UTF_8));
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  @Provide
  Arbitrary<byte[]> streams() {
    return Fuzz.bytes(8192, List.of(header("[\"OK\",true,\"\"]", "hello"), header(TunnelWire.answer(false, "no"), ""),
        header("{\"kind\":25911,\"tags\":[[\"protocol\",\"/warren/service/web\"]]}", "GET / HTTP/1.1\r\n\r\n"),
        new byte[] {0, 0, 0, 2, '{', '}'}, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
  }

  @Property(seed = Fuzz.SEED)
  void theListenerHearsExactlyOnceAndNothingElseIsThrown(@ForAll("streams") byte[] input,
      @ForAll @IntRange(min = 1, max = 64) int chunk) {
    List<String> headers = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(new HeaderReader(new HeaderReader.Listener() {
      @Override
      public void onHeader(Channel stream, String json) {
        headers.add(json);
      }

      @Override
      public void onFailure(Channel stream, String why) {
        failures.add(why);
      }
    }));
    try {
      Fuzz.expect(input, () -> {
        for (int at = 0; at < input.length && ch.isOpen(); at += chunk) {
          ch.writeInbound(Unpooled.copiedBuffer(input, at, Math.min(chunk, input.length - at)));
        }
        ch.close();
        ch.checkException();
      });
      assertEquals(1, headers.size() + failures.size(), "told " + headers + " " + failures + " for "
          + Fuzz.describe(input));
      for (String why : failures) {
        Fuzz.undocumentedNames(input, why, null); // a reason naming an exception is a crash, not a refusal
      }
      for (String h : headers) {
        assertTrue(h.length() <= TunnelWire.MAX_HEADER, "header of " + h.length() + " characters");
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzHeaderReader(byte[] input) {
    theListenerHearsExactlyOnceAndNothingElseIsThrown(input, Fuzz.chunk(input));
  }
}
