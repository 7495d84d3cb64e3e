package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * On a device's stream, before the splice: keeps each cookie a device sets on the host it was set
 * from. A {@code Set-Cookie} with a {@code Domain} attribute would reach every host under that
 * domain, so from {@code <npub>.gw.example.org} a device could set cookies that every other
 * device's host (and the operator's other sites under the same parent) receive; the attribute is
 * removed, which makes the cookie host-only.
 *
 * <p>Only response heads are touched: the bytes of each head (interim 1xx ones too) are held up to
 * {@link #MAX_HEAD}, their {@code Set-Cookie} lines rewritten, and the rest of the response passes
 * unparsed, as before. A head larger than that closes the stream (the client's connection goes with
 * it), so nothing unchecked gets through.
 */
final class GatewayCookies extends ChannelInboundHandlerAdapter {
  static final String NAME = "gateway-cookies";
  /** Largest response head held. */
  static final int MAX_HEAD = 64 * 1024;

  private ByteBuf head;
  private boolean passing;
  private boolean fired;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (passing || !(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (head == null) {
      head = ctx.alloc().buffer(Math.min(MAX_HEAD, Math.max(256, in.readableBytes())));
    }
    head.writeBytes(in);
    in.release();
    while (!passing && head != null) {
      int end = endOfHead(head);
      if (end < 0) {
        if (head.readableBytes() > MAX_HEAD) {
          head.release();
          head = null;
          ctx.close();
        }
        return;
      }
      String text = head.readCharSequence(end - head.readerIndex(), StandardCharsets.ISO_8859_1).toString();
      fired = true;
      ctx.fireChannelRead(Unpooled.copiedBuffer(rewrite(text), StandardCharsets.ISO_8859_1));
      // an interim response (100 Continue, 103 Early Hints) is followed by another head; 101 and finals by the body
      passing = !interim(text);
      if (passing || !head.isReadable()) {
        ByteBuf rest = head;
        head = null;
        if (rest.isReadable()) {
          ctx.fireChannelRead(rest);
        } else {
          rest.release();
        }
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!passing && !fired) {
      // holding part of a head: nothing went on to ask for more, so ask here (auto-read is off)
      ctx.read();
    }
    fired = false;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if ((evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete)
        && head != null) {
      // the device ended inside a head: what it sent goes on as it is (the client sees a broken response)
      passing = true;
      ByteBuf rest = head;
      head = null;
      ctx.fireChannelRead(rest);
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ReferenceCountUtil.release(head);
    head = null;
  }

  /** The index just after the empty line that ends the head in {@code b}, or -1. */
  static int endOfHead(ByteBuf b) {
    int lineStart = b.readerIndex();
    for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
      if (b.getByte(i) == '\n') {
        int length = i - lineStart;
        if (length == 0 || (length == 1 && b.getByte(lineStart) == '\r')) {
          return i + 1;
        }
        lineStart = i + 1;
      }
    }
    return -1;
  }

  private static boolean interim(String head) {
    // "HTTP/1.1 100 ..."
    int sp = head.indexOf(' ');
    return sp > 0 && head.length() > sp + 3 && head.charAt(sp + 1) == '1' && !head.startsWith("101", sp + 1);
  }

  /** {@code head} with the Domain attribute of each Set-Cookie removed; every other byte as it was. */
  static String rewrite(String head) {
    StringBuilder out = new StringBuilder(head.length());
    int start = 0;
    while (start < head.length()) {
      int nl = head.indexOf('\n', start);
      int end = nl < 0 ? head.length() : nl + 1;
      String line = head.substring(start, end);
      out.append(line.regionMatches(true, 0, "set-cookie:", 0, 11) ? hostOnly(line) : line);
      start = end;
    }
    return out.toString();
  }

  private static String hostOnly(String line) {
    int eol = line.length();
    while (eol > 0 && (line.charAt(eol - 1) == '\n' || line.charAt(eol - 1) == '\r')) {
      eol--;
    }
    String[] parts = line.substring(0, eol).split(";", -1);
    StringBuilder sb = new StringBuilder(line.length());
    sb.append(parts[0]);
    for (int i = 1; i < parts.length; i++) {
      String attr = parts[i].trim();
      int eq = attr.indexOf('=');
      String name = (eq < 0 ? attr : attr.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      if (!name.equals("domain")) {
        sb.append(';').append(parts[i]);
      }
    }
    return sb.append(line, eol, line.length()).toString();
  }
}
