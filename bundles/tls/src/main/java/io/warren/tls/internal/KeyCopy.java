package io.warren.tls.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * {@code tls:copy} on the wire ({@value #PROTOCOL}). The sender first has the target issue a
 * one-time token with an admin call ({@code tls:receive <sender> <name> <size> <sha256>}, through
 * RemoteAdmin, so with the target's admin authorisation), then opens a stream and sends a line with
 * the token and exactly the announced bytes ({@link #payload}: the key's name, chain and key), and
 * half-closes; the target checks the token against the stream's peer, the size and the SHA-256,
 * keeps the key and answers {@code ok} or {@code failed} and a line. Tokens live {@link #TTL}; at
 * most {@link #MAX_TOKENS} are outstanding.
 */
final class KeyCopy {
  static final String PROTOCOL = "/warren/tls/1.0.0";
  static final Duration TTL = Duration.ofMinutes(1);
  static final int MAX_TOKENS = 8;
  /** The largest payload: a name, a chain of a few certificates and a key. */
  static final int MAX_PAYLOAD = 64 * 1024;
  private static final int TOKEN_LINE = 33;
  private static final int MAX_ANSWER = 4096;

  /** What a token allows. */
  record Expected(String peer, String name, int size, String digest, Instant until) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Expected> live = new LinkedHashMap<>();

  /** The bytes of a copy: u16-prefixed name, u32-prefixed chain PEM, u32-prefixed key PEM (UTF-8). */
  static byte[] payload(String name, String chainPem, String keyPem) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] c = chainPem.getBytes(StandardCharsets.UTF_8);
    byte[] k = keyPem.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + n.length + 4 + c.length + 4 + k.length).putShort((short) n.length).put(n)
        .putInt(c.length).put(c).putInt(k.length).put(k).array();
  }

  /** name, chain PEM, key PEM of a {@link #payload}. */
  static String[] parse(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    String[] out = new String[3];
    for (int i = 0; i < 3; i++) {
      int len = i == 0 ? b.getShort() & 0xffff : b.getInt();
      if (len < 0 || len > b.remaining()) {
        throw new IllegalArgumentException("a copy's field " + i + " says " + len + " bytes, " + b.remaining()
            + " are left");
      }
      byte[] f = new byte[len];
      b.get(f);
      out[i] = new String(f, StandardCharsets.UTF_8);
    }
    if (b.hasRemaining()) {
      throw new IllegalArgumentException("a copy has " + b.remaining() + " bytes after its fields");
    }
    return out;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  synchronized String expect(String peer, String name, int size, String digest) {
    expire();
    if (size < 1 || size > MAX_PAYLOAD) {
      throw new IllegalArgumentException("a copy is 1-" + MAX_PAYLOAD + " bytes, not " + size);
    }
    if (!digest.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("the SHA-256 must be 64 hex digits");
    }
    if (live.size() >= MAX_TOKENS) {
      throw new IllegalStateException("too many copies outstanding (" + MAX_TOKENS + "); try again in a minute");
    }
    byte[] t = new byte[16];
    random.nextBytes(t);
    String token = HexFormat.of().formatHex(t);
    live.put(token, new Expected(peer, name, size, digest, Instant.now().plus(TTL)));
    return token;
  }

  synchronized Optional<Expected> take(String token, String peer) {
    expire();
    Expected e = live.get(token);
    if (e == null || !e.peer().equals(peer)) {
      return Optional.empty();
    }
    live.remove(token);
    return Optional.of(e);
  }

  private void expire() {
    Instant now = Instant.now();
    for (Iterator<Expected> i = live.values().iterator(); i.hasNext();) {
      if (!now.isBefore(i.next().until())) {
        i.remove();
      }
    }
  }

  /** The sending side: token line and payload, half-close, then the target's answer. */
  static CompletionStage<String> send(PeerDirectory directory, PeerRef target, String token, byte[] payload) {
    return directory.open(target, PROTOCOL).thenCompose(stream -> {
      CompletableFuture<String> result = new CompletableFuture<>();
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      stream.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          ByteBuf in = (ByteBuf) msg;
          if (text.size() + in.readableBytes() > MAX_ANSWER) {
            result.completeExceptionally(new IllegalStateException("the target's answer is too long"));
            stream.reset();
          } else {
            byte[] b = new byte[in.readableBytes()];
            in.readBytes(b);
            text.writeBytes(b);
          }
          in.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
          String all = text.toString(StandardCharsets.UTF_8);
          if (all.startsWith("ok\n")) {
            result.complete(all.substring(3).strip());
          } else if (all.startsWith("failed\n")) {
            result.completeExceptionally(new IllegalStateException(all.substring(7).strip()));
          } else {
            result.completeExceptionally(new IllegalStateException("the target closed the copy without an answer"));
          }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
          result.completeExceptionally(cause);
          ctx.close();
        }
      });
      stream.channel().config().setAutoRead(true);
      stream.channel().writeAndFlush(Unpooled.wrappedBuffer((token + "\n").getBytes(StandardCharsets.US_ASCII),
          payload)).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
              stream.closeWrite();
            } else {
              result.completeExceptionally(f.cause());
            }
          });
      return result;
    });
  }

  /**
   * The receiving side (auto-read on: more than the announced bytes is refused): token line, then up to the announced bytes until the sender half-closes;
   * {@code keep} gets (what the token allowed, the payload) off the event loop and answers the line
   * sent back.
   */
  ChannelInboundHandlerAdapter reader(Stream stream, BiFunction<Expected, byte[], String> keep) {
    return new ChannelInboundHandlerAdapter() {
      private final StringBuilder line = new StringBuilder();
      private Expected expected;
      private byte[] content;
      private int filled;
      private boolean done;

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
          while (in.isReadable() && !done) {
            if (expected == null) {
              byte b = in.readByte();
              if (b != '\n') {
                line.append((char) (b & 0xff));
                if (line.length() >= TOKEN_LINE) {
                  answer(ctx, false, "refused: no token line");
                }
                continue;
              }
              Optional<Expected> e = take(line.toString(), stream.peer().id());
              if (e.isEmpty()) {
                answer(ctx, false, "refused: no live copy for this token and peer (tls:copy asks for one with the "
                    + "node's admin authorisation)");
                return;
              }
              expected = e.get();
              content = new byte[expected.size()];
            } else {
              int n = Math.min(in.readableBytes(), content.length - filled);
              in.readBytes(content, filled, n);
              filled += n;
              if (in.isReadable()) {
                answer(ctx, false, "refused: more bytes than the " + content.length + " announced");
              }
            }
          }
        } finally {
          in.release();
        }
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !done) {
          if (expected == null || filled != content.length) {
            answer(ctx, false, "refused: the copy ended after " + filled + " of its bytes");
          } else if (!sha256(content).equals(expected.digest())) {
            answer(ctx, false, "refused: the bytes received do not have the announced SHA-256");
          } else {
            byte[] c = content;
            content = null;
            done = true;
            CompletableFuture.supplyAsync(() -> keep.apply(expected, c)).whenComplete((said, failed) -> ctx.executor()
                .execute(() -> answer(ctx, failed == null, failed == null ? said
                    : TlsService.causes(failed.getCause() != null ? failed.getCause() : failed))));
          }
        }
        ctx.fireUserEventTriggered(evt);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stream.reset();
      }

      private void answer(ChannelHandlerContext ctx, boolean ok, String text) {
        done = true;
        ctx.writeAndFlush(Unpooled.copiedBuffer((ok ? "ok\n" : "failed\n") + text + "\n", StandardCharsets.UTF_8))
            .addListener(ChannelFutureListener.CLOSE);
      }
    };
  }
}
