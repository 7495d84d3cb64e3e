package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The request head checks before the HTTP codec, through an EmbeddedChannel. */
class RequestHeadGuardTest {

  private static int status(String head) {
    RequestHeadGuard.Refusal r = RequestHeadGuard.check(head);
    return r == null ? 0 : r.status();
  }

  @Test
  void smugglingShapesAreRefusedWithAClearStatus() {
    assertEquals(400, status("POST /tunnel/x/y/ HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"));
    assertEquals(400, status("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"));
    assertEquals(400, status("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n"));
    assertEquals(400, status("POST / HTTP/1.1\r\nContent-Length: 4, 5\r\n\r\n"));
    assertEquals(501, status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"));
    assertEquals(501, status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"));
    assertEquals(400, status("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n"));
    assertEquals(400, status("POST / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
    assertEquals(400, status("GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n"));
    assertEquals(400, status("GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n"));
  }

  @Test
  void ordinaryRequestsPass() {
    assertNull(
        RequestHeadGuard.check("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
    assertNull(RequestHeadGuard.check("GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n"));
    assertNull(RequestHeadGuard.check("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
    assertNull(RequestHeadGuard.check("POST /x HTTP/1.1\r\nContent-Length: 12\r\n\r\n"));
    assertNull(RequestHeadGuard.check("GET /x HTTP/1.1\nHost: a\n\n"));
  }

  @Test
  void aGoodHeadPassesUnchangedInPiecesAndTheGuardLeaves() {
    EmbeddedChannel ch = new EmbeddedChannel(new RequestHeadGuard());
    String req = "GET / HTTP/1.1\r\nHost: a\r\n\r\nextra";
    ch.writeInbound(Unpooled.copiedBuffer(req.substring(0, 10), StandardCharsets.US_ASCII));
    assertNull(ch.readInbound());
    ch.writeInbound(Unpooled.copiedBuffer(req.substring(10), StandardCharsets.US_ASCII));
    ByteBuf out = ch.readInbound();
    assertEquals(req, out.toString(StandardCharsets.US_ASCII));
    out.release();
    assertNull(ch.pipeline().get(RequestHeadGuard.class));
    ch.finishAndReleaseAll();
  }

  @Test
  void aRefusedHeadIsAnsweredAndNothingPasses() {
    EmbeddedChannel ch = new EmbeddedChannel(new RequestHeadGuard());
    ch.writeInbound(Unpooled.copiedBuffer(
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n",
        StandardCharsets.US_ASCII));
    assertNull(ch.readInbound());
    ByteBuf answer = ch.readOutbound();
    String text = answer.toString(StandardCharsets.US_ASCII);
    answer.release();
    assertTrue(text.startsWith("HTTP/1.1 400 Bad Request\r\n"), text);
    assertTrue(text.contains("Connection: close") && text.contains("both Content-Length and Transfer-Encoding"), text);
    ch.finishAndReleaseAll();
  }

  @Test
  void anOversizedHeadIsRefusedWithoutHoldingMore() {
    EmbeddedChannel ch = new EmbeddedChannel(new RequestHeadGuard());
    ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nX: " + "a".repeat(RequestHeadGuard.MAX_HEAD),
        StandardCharsets.US_ASCII));
    ByteBuf answer = ch.readOutbound();
    assertTrue(answer.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 431 "));
    answer.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void aNip98TokenOpensOneRequest() {
    Nip98.Replays r = new Nip98.Replays();
    assertNull(r.use("a", 1000));
    assertTrue(r.use("a", 1010).contains("already used"));
    assertNull(r.use("b", 1010));
    assertNull(r.use("a", 1000 + 2 * 60 + 1), "forgotten once it could no longer pass the time check");
  }
}
