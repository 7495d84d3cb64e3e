package io.warren.itests.attack;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multistream.MultistreamHandler;
import io.warren.libp2p.internal.noise.NoiseConfig;
import io.warren.libp2p.internal.noise.NoiseHandler;
import io.warren.libp2p.internal.noise.NoiseSession;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import io.warren.yamux.YamuxFrame;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the libp2p attack tests share: a node's address, connections that complete multistream and
 * Noise (Yamux chosen inside the handshake) after which the test writes Yamux frames itself, and
 * the node process' resident memory and threads from /proc.
 */
final class Libp2pAttacker {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Libp2pAttacker() {}

  /** A node's first listen address and peer ID, from {@code p2p:addrs}. */
  record Target(InetSocketAddress address, PeerId peer, String multiaddr) {
    static Target of(NodeProcess node) throws Exception {
      String addr = node.client("p2p:addrs").out().strip().split("\\s+")[0]; // /ip4/127.0.0.1/tcp/<port>/p2p/<id>
      String[] parts = addr.split("/");
      return new Target(new InetSocketAddress(parts[2], Integer.parseInt(parts[4])), PeerId.parse(parts[6]), addr);
    }
  }

  /** Resident memory (VmRSS, kB) and threads of a process, from /proc/<pid>/status. */
  record Usage(long rssKb, int threads) {
    static Usage of(NodeProcess node) throws IOException {
      long rss = -1;
      int threads = -1;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(node.handle().pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("\\D", ""));
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.replaceAll("\\D", ""));
        }
      }
      return new Usage(rss, threads);
    }

    long rssMb() {
      return rssKb / 1024;
    }

    @Override
    public String toString() {
      return rssMb() + " MB RSS, " + threads + " threads";
    }
  }

  /**
   * Connects from {@code local} (any port; null: the system's choice) and completes multistream and
   * Noise; received plaintext is dropped. Fails if the node refuses or closes first.
   */
  static Channel secure(TestEventLoops loops, Target target, String local) throws Exception {
    CompletableFuture<Channel> done = new CompletableFuture<>();
    NoiseConfig noise = new NoiseConfig(Ed25519Identity.generate(), List.of(YamuxFrame.PROTOCOL_ID));
    Bootstrap b = new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("mss", MultistreamHandler.dialer(List.of(NoiseConfig.PROTOCOL_ID), (ctx, p) -> {
              NoiseHandler.addAfter(ctx.pipeline(), ctx.name(),
                  NoiseHandler.initiator(noise, target.peer(), TIMEOUT));
              ctx.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                  if (evt instanceof NoiseSession) {
                    done.complete(c.channel());
                  }
                }

                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                  ReferenceCountUtil.release(msg);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                  c.close();
                }
              });
            }, TIMEOUT));
          }
        });
    var f = local == null ? b.connect(target.address())
        : b.connect(target.address(), new InetSocketAddress(local, 0));
    f.addListener(x -> {
      if (!x.isSuccess()) {
        done.completeExceptionally(x.cause());
      } else {
        f.channel().closeFuture().addListener(y -> done.completeExceptionally(new IOException("closed by the node")));
      }
    });
    return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  static ByteBuf header(int type, int flags, int stream, long length) {
    ByteBuf b = Unpooled.buffer(12);
    YamuxFrame.writeHeader(b, type, flags, stream, length);
    return b;
  }
}
