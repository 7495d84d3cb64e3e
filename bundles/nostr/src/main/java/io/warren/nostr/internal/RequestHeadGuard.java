package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on every relay connection, before the HTTP codec: holds the request head (at most
 * {@link #MAX_HEAD} bytes, within {@link #HEAD_TIMEOUT_SECONDS}) and refuses what could make the
 * relay and a device's service read a request differently (request smuggling through the
 * gateway), with a clear status, closing the connection:
 *
 * <ul>
 * <li>both Content-Length and Transfer-Encoding (400), a repeated or list-valued Content-Length
 *     (400), a Transfer-Encoding other than a single {@code chunked} (501);</li>
 * <li>{@code Connection: Upgrade} for anything but a WebSocket handshake (a GET with
 *     {@code Upgrade: websocket}) (400); an {@code h2c} offer, which a server may ignore, is
 *     answered in HTTP/1.1 and the gateway does not pass it on;</li>
 * <li>folded header lines (obs-fold), header names with white space or without a colon (400), and
 *     a head larger than {@link #MAX_HEAD} (431).</li>
 * </ul>
 *
 * <p>Every connection carries one request (the relay's HTTP answers, the gateway's API and tunnels
 * all close after the response; a WebSocket is no longer HTTP), so once the first head passes,
 * the guard hands it on unchanged and leaves the pipeline.
 */
final class RequestHeadGuard extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHeadGuard.class);
  static final String NAME = "head-guard";
  /** Largest request head (request line and headers) held. */
  static final int MAX_HEAD = 16 * 1024;
  /** Seconds a client has to send its request head. */
  static final int HEAD_TIMEOUT_SECONDS = 10;
  /** Seconds a refused client has to read the answer before the connection is closed. */
  static final int CLOSE_GRACE_SECONDS = 5;

  /** Why a head is refused: a status line and a message. */
  record Refusal(int status, String reason, String message) {}

  private ByteBuf head;
  private boolean refused;
  private ScheduledFuture<?> timeout;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    head = ctx.alloc().buffer(1024, MAX_HEAD);
    timeout = ctx.executor().schedule(() -> {
      if (!refused) {
        refuse(ctx, new Refusal(408, "Request Timeout",
            "no complete request head within " + HEAD_TIMEOUT_SECONDS + " s"));
      }
    }, HEAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (timeout != null) {
      timeout.cancel(false);
    }
    if (head != null) {
      head.release();
      head = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused || !(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      int room = MAX_HEAD - head.readableBytes();
      int take = Math.min(room, in.readableBytes());
      int before = head.readableBytes();
      head.writeBytes(in, take);
      int end = endOfHead(head, Math.max(0, before - 3));
      if (end < 0) {
        if (head.readableBytes() >= MAX_HEAD) {
          refuse(ctx, new Refusal(431, "Request Header Fields Too Large",
              "the request head is larger than " + MAX_HEAD + " bytes"));
        }
        return;
      }
      Refusal r = check(head.toString(0, end, StandardCharsets.ISO_8859_1));
      if (r != null) {
        refuse(ctx, r);
        return;
      }
      ByteBuf pass = head;
      head = null;
      if (in.isReadable()) {
        pass = Unpooled.wrappedBuffer(pass, in.retain());
      }
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(pass);
    } finally {
      in.release();
    }
  }

  /** The index just after the blank line ending the head in {@code b}, searching from {@code from}, or -1. */
  static int endOfHead(ByteBuf b, int from) {
    int n = b.writerIndex();
    for (int i = from; i < n; i++) {
      if (b.getByte(i) != '\n') {
        continue;
      }
      if (i + 1 < n && b.getByte(i + 1) == '\n') {
        return i + 2;
      }
      if (i + 2 < n && b.getByte(i + 1) == '\r' && b.getByte(i + 2) == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  /** Checks a complete request head; null when it may pass. */
  static Refusal check(String text) {
    String[] lines = text.split("\r?\n", -1);
    String[] requestLine = lines[0].split(" ", -1);
    String method = requestLine[0];
    List<String> contentLength = new ArrayList<>();
    List<String> transferEncoding = new ArrayList<>();
    List<String> connection = new ArrayList<>();
    String upgrade = null;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        continue;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        return bad("folded header lines (obs-fold) are not accepted");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        return bad("malformed header line (no name and colon)");
      }
      String name = line.substring(0, colon);
      for (int k = 0; k < name.length(); k++) {
        char c = name.charAt(k);
        if (c <= ' ' || c >= 0x7f) {
          return bad("malformed header name (white space or control characters before the colon)");
        }
      }
      String value = line.substring(colon + 1).trim();
      switch (name.toLowerCase(Locale.ROOT)) {
        case "content-length" -> contentLength.add(value);
        case "transfer-encoding" -> transferEncoding.add(value);
        case "connection" -> connection.add(value);
        case "upgrade" -> upgrade = upgrade == null ? value : upgrade + "," + value;
        default -> {
        }
      }
    }
    if (!contentLength.isEmpty() && !transferEncoding.isEmpty()) {
      return bad("both Content-Length and Transfer-Encoding");
    }
    if (contentLength.size() > 1 || !contentLength.isEmpty() && !contentLength.get(0).matches("[0-9]{1,18}")) {
      return bad("repeated or invalid Content-Length");
    }
    if (transferEncoding.size() > 1
        || transferEncoding.size() == 1 && !transferEncoding.get(0).equalsIgnoreCase("chunked")) {
      return new Refusal(501, "Not Implemented", "Transfer-Encoding other than a single chunked is not supported");
    }
    boolean upgradeAsked = false;
    for (String v : connection) {
      for (String token : v.split(",")) {
        upgradeAsked |= token.trim().equalsIgnoreCase("upgrade");
      }
    }
    // an h2c offer is one a server may ignore: it is answered in HTTP/1.1 and never passed on (Java's HttpClient makes it)
    if (upgradeAsked && !(method.equals("GET") && "websocket".equalsIgnoreCase(upgrade))
        && !"h2c".equalsIgnoreCase(upgrade)) {
      return bad("Connection: Upgrade is accepted only for a WebSocket handshake (GET with Upgrade: websocket)");
    }
    return null;
  }

  private static Refusal bad(String message) {
    return new Refusal(400, "Bad Request", message);
  }

  /** Answers {@code r}, half-closes, drops what the client still sends, and closes after a grace period. */
  private void refuse(ChannelHandlerContext ctx, Refusal r) {
    refused = true;
    if (timeout != null) {
      timeout.cancel(false);
    }
    Channel ch = ctx.channel();
    LOG.debug("Refusing the request of {}: {} {}", ch.remoteAddress(), r.status(), r.message());
    byte[] body = (r.message() + "\n").getBytes(StandardCharsets.UTF_8);
    String response = "HTTP/1.1 " + r.status() + " " + r.reason() + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
    ByteBuf out = Unpooled.wrappedBuffer(response.getBytes(StandardCharsets.ISO_8859_1), body);
    ctx.writeAndFlush(out).addListener(f -> {
      if (ch instanceof SocketChannel s && f.isSuccess()) {
        s.shutdownOutput();
      } else {
        ch.close();
      }
    });
    ctx.executor().schedule(() -> ch.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
  }
}
