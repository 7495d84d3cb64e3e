package io.warren.libp2p.internal.echo;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.channel.Splice;
import io.warren.libp2p.internal.host.Libp2pStream;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * {@value #PROTOCOL}: the listener writes back every byte it reads and closes its side once the
 * dialer closed its own and everything was written. Reads wait for the previous write, so a slow
 * dialer slows the echo instead of filling memory. The dialer's {@link #run} is done when every
 * byte it sent came back (or the stream ended first).
 */
public final class Echo {
  public static final String PROTOCOL = "/echo/1.0.0";
  static final int CHUNK = 64 * 1024;

  private Echo() {}

  /** What {@link #run} found. */
  public record Result(long sent, long received, boolean identical, Duration elapsed) {}

  /** Sends {@code bytes} pseudo-random bytes, half-closes, and checks what comes back. */
  public static CompletableFuture<Result> run(Libp2pStream stream, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("echo size must not be negative");
    }
    Client c = new Client(bytes);
    stream.channel().eventLoop().execute(() -> stream.channel().pipeline().addLast("echo", c));
    return c.result;
  }

  static final class Responder extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          ctx.read();
        } else {
          ctx.close();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        Splice.shutdownOutput(ctx.channel()); // ordered after the echoed bytes
      }
      super.userEventTriggered(ctx, evt);
    }
  }

  /**
   * A reproducible byte sequence: one random 64 KiB block repeated, each repetition stamped with its
   * index in its first 8 bytes, so lost, repeated or reordered blocks show. Filled and checked with
   * bulk copies, so the check does not dominate what it measures.
   */
  static final class Pattern {
    private static final int BLOCK = 1 << 16;
    private static final int STAMP = 8;
    private final byte[] block = new byte[BLOCK];

    Pattern(long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = 0; i < BLOCK; i += 8) {
        long v = r.nextLong();
        for (int j = 0; j < 8; j++) {
          block[i + j] = (byte) (v >>> (8 * j));
        }
      }
    }

    /** Appends bytes {@code pos .. pos+n-1} of the sequence to {@code out}: one copy per byte. */
    void write(ByteBuf out, long pos, int n) {
      int i = 0;
      while (i < n) {
        long p = pos + i;
        int off = (int) (p & (BLOCK - 1));
        int len = Math.min(n - i, BLOCK - off);
        int at = out.writerIndex();
        out.writeBytes(block, off, len);
        for (int k = off; k < STAMP && k < off + len; k++) {
          out.setByte(at + k - off, stamp(p >>> 16, k));
        }
        i += len;
      }
    }

    /**
     * Whether {@code got[0..n-1]} are bytes {@code pos .. pos+n-1} of the sequence: compared against
     * the block in place, the stamps byte by byte.
     */
    boolean matches(byte[] got, long pos, int n) {
      int i = 0;
      while (i < n) {
        long p = pos + i;
        int off = (int) (p & (BLOCK - 1));
        int len = Math.min(n - i, BLOCK - off);
        int k = off;
        for (; k < STAMP && k < off + len; k++) {
          if (got[i + k - off] != stamp(p >>> 16, k)) {
            return false;
          }
        }
        if (!java.util.Arrays.equals(got, i + k - off, i + len, block, k, off + len)) {
          return false;
        }
        i += len;
      }
      return true;
    }

    /** Byte {@code k} (0-7) of block {@code index}'s stamp: the index, big-endian. */
    private static byte stamp(long index, int k) {
      return (byte) (index >>> (8 * (STAMP - 1 - k)));
    }
  }

  private static final class Client extends ChannelInboundHandlerAdapter {
    private final long total;
    private final Pattern pattern = new Pattern(0x5EED);
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final long started = System.nanoTime();
    private long sent;
    private long received;
    private boolean identical = true;
    private boolean finSent;
    private final byte[] chunk = new byte[CHUNK];

    Client(long total) {
      this.total = total;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (!ctx.channel().isActive()) {
        result.completeExceptionally(new IOException("echo: stream closed"));
        return;
      }
      writeMore(ctx);
      ctx.read();
    }

    private void writeMore(ChannelHandlerContext ctx) {
      boolean wrote = false;
      while (sent < total && ctx.channel().isWritable()) {
        int n = (int) Math.min(CHUNK, total - sent);
        ByteBuf b = ctx.alloc().buffer(n);
        pattern.write(b, sent, n);
        sent += n;
        ctx.write(b);
        wrote = true;
      }
      if (wrote) {
        ctx.flush();
      }
      if (sent == total && !finSent) {
        finSent = true;
        Splice.shutdownOutput(ctx.channel());
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      if (ctx.channel().isWritable()) {
        writeMore(ctx);
      }
      super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        int n = in.readableBytes();
        if (identical) {
          if (received + n > total) {
            identical = false;
          } else {
            for (int off = 0; off < n && identical; off += CHUNK) {
              int len = Math.min(CHUNK, n - off);
              in.getBytes(in.readerIndex() + off, chunk, 0, len);
              identical = pattern.matches(chunk, received + off, len);
            }
          }
        }
        received += n;
        if (received == total) {
          // every byte came back: the echo is done without waiting for the responder's FIN, which
          // quiche can lose on a QUIC stream (cloudflare/quiche#2525, see the README's QUIC section)
          result.complete(new Result(sent, received, identical, Duration.ofNanos(System.nanoTime() - started)));
        }
      } finally {
        in.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        result.complete(new Result(sent, received, identical && received == total,
            Duration.ofNanos(System.nanoTime() - started)));
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (received == total) {
        // every byte came back: a QUIC stream may close as the two FINs cross, before the end event
        result.complete(new Result(sent, received, identical, Duration.ofNanos(System.nanoTime() - started)));
      }
      result.completeExceptionally(new IOException("echo: stream closed after " + received + " of " + total
          + " bytes came back (reset by the peer?)"));
      super.channelInactive(ctx);
    }
  }
}
