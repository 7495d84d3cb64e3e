package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A device's cookies stay on its host: Domain attributes leave response heads, nothing else changes. */
class GatewayCookiesTest {

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  /** What went on to the splice so far, as one string. */
  private static String passed(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    for (Object o; (o = ch.readInbound()) != null;) {
      ByteBuf b = (ByteBuf) o;
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }

  @Test
  void domainAttributesAreRemovedFromAHeadSplitAcrossReads() {
    EmbeddedChannel device = new EmbeddedChannel(new GatewayCookies());
    device.writeInbound(ascii("HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/; DOMAIN=gw.example.org; Secure\r\nset-coo"));
    assertEquals("", passed(device), "a head is held until it is complete");
    device.writeInbound(ascii("kie: b=2;domain=.example.org\r\nX-Note: Domain=kept\r\nContent-Length: 31\r\n\r\n"
        + "Set-Cookie: c=3; Domain=body"));
    device.writeInbound(ascii("\r\n"));
    assertEquals("HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/; Secure\r\nset-cookie: b=2\r\nX-Note: Domain=kept\r\n"
        + "Content-Length: 31\r\n\r\nSet-Cookie: c=3; Domain=body\r\n", passed(device), "the body passes untouched");
    assertFalse(device.finishAndReleaseAll());
  }

  @Test
  void interimHeadsAreCheckedAndSoIsTheFinalOne() {
    EmbeddedChannel device = new EmbeddedChannel(new GatewayCookies());
    device
        .writeInbound(ascii("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: s=1; Domain=x.org\r\n\r\nok"));
    assertEquals("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\n\r\nok", passed(device));
    device.finishAndReleaseAll();

    EmbeddedChannel upgrade = new EmbeddedChannel(new GatewayCookies());
    upgrade.writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: w=1; Domain=x.org\r\n\r\n"
        + "\u0081\u0002Set-Cookie: raw; Domain=x\r\n\r\n"));
    assertEquals("HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: w=1\r\n\r\n\u0081\u0002Set-Cookie: raw; Domain=x"
        + "\r\n\r\n", passed(upgrade), "after 101 the bytes are the upgraded protocol's");
    upgrade.finishAndReleaseAll();
  }

  @Test
  void anOversizedHeadClosesTheStreamAndATruncatedOnePassesAsItIs() {
    EmbeddedChannel device = new EmbeddedChannel(new GatewayCookies());
    device.writeInbound(ascii("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(GatewayCookies.MAX_HEAD)));
    assertFalse(device.isOpen(), "nothing unchecked goes through");
    assertEquals("", passed(device));

    EmbeddedChannel cut = new EmbeddedChannel(new GatewayCookies());
    cut.writeInbound(ascii("HTTP/1.1 200 OK\r\nSet-Coo"));
    cut.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
    assertEquals("HTTP/1.1 200 OK\r\nSet-Coo", passed(cut));
    cut.finishAndReleaseAll();
  }
}
