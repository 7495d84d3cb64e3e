package io.warren.libp2p.internal.ping;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.ProtocolException;
import io.warren.api.channel.Splice;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.yamux.Yamux;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@value #PROTOCOL} (libp2p/specs ping/ping.md): the dialer sends 32 random bytes, the listener
 * echoes them, the dialer measures the round trip; repeated on one stream; the dialer closes its
 * side after the last payload and the listener finishes and closes too.
 */
public final class Ping {
  public static final String PROTOCOL = "/ipfs/ping/1.0.0";
  public static final int SIZE = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Ping() {}

  /** Runs {@code count} rounds on {@code stream}; completes with the round-trip times, in order. */
  public static CompletableFuture<List<Duration>> run(Libp2pStream stream, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("ping count must be at least 1, got " + count);
    }
    Client c = new Client(count);
    stream.channel().eventLoop().execute(() -> stream.channel().pipeline().addLast("ping", c));
    return c.result;
  }

  static final class Responder extends ChannelInboundHandlerAdapter {
    private ByteBuf pending;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      pending = ctx.alloc().buffer(SIZE);
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        while (in.isReadable()) {
          int n = Math.min(in.readableBytes(), SIZE - pending.readableBytes());
          pending.writeBytes(in, n);
          if (pending.readableBytes() == SIZE) {
            ctx.write(pending);
            pending = ctx.alloc().buffer(SIZE);
          }
        }
      } finally {
        in.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
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
        Splice.shutdownOutput(ctx.channel());
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (pending != null) {
        pending.release();
        pending = null;
      }
    }
  }

  private static final class Client extends ChannelInboundHandlerAdapter {
    private final int count;
    private final List<Duration> rtts = new ArrayList<>();
    private final CompletableFuture<List<Duration>> result = new CompletableFuture<>();
    private final byte[] got = new byte[SIZE];
    private byte[] sent;
    private int gotBytes;
    private long sentAt;

    Client(int count) {
      this.count = count;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (!ctx.channel().isActive()) {
        result.completeExceptionally(new IOException("ping: stream closed"));
        return;
      }
      send(ctx);
    }

    private void send(ChannelHandlerContext ctx) {
      sent = new byte[SIZE];
      RANDOM.nextBytes(sent);
      gotBytes = 0;
      sentAt = System.nanoTime();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(sent));
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        while (in.isReadable() && !result.isDone()) {
          int n = Math.min(in.readableBytes(), SIZE - gotBytes);
          in.readBytes(got, gotBytes, n);
          gotBytes += n;
          if (gotBytes < SIZE) {
            continue;
          }
          long rtt = System.nanoTime() - sentAt;
          if (!Arrays.equals(got, sent)) {
            result.completeExceptionally(new ProtocolException("ping: the peer echoed different bytes ("
                + ByteBufUtil.hexDump(got) + ")"));
            Yamux.reset(ctx.channel());
            return;
          }
          rtts.add(Duration.ofNanos(rtt));
          if (rtts.size() == count) {
            result.complete(List.copyOf(rtts));
            ctx.close(); // FIN after the last payload
            return;
          }
          if (in.isReadable()) {
            result.completeExceptionally(new ProtocolException("ping: the peer sent bytes nobody asked for"));
            Yamux.reset(ctx.channel());
            return;
          }
          send(ctx);
        }
      } finally {
        in.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!result.isDone() && gotBytes < SIZE) {
        ctx.read();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent && !result.isDone()) {
        result.completeExceptionally(new IOException("ping: the peer closed the stream after " + rtts.size()
            + " of " + count + " answers"));
        ctx.close();
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      result.completeExceptionally(new IOException("ping: stream closed after " + rtts.size() + " of " + count
          + " answers"));
      super.channelInactive(ctx);
    }
  }
}
