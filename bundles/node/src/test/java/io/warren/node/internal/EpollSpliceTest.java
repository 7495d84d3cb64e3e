package io.warren.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.warren.api.channel.Splice;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The splice between two sockets of the node's loops (epoll on Linux x86_64): a client that sends
 * and half-closes at once gets the echo back. On epoll this needs {@link Splice#hold()} (the bytes
 * and the hang-up arrive before the splice starts) and no read after the end of input (epoll's
 * failed re-arm closes the socket).
 */
class EpollSpliceTest {

  @Test
  void anEchoThroughASpliceEndsWithHalfCloses() throws Exception {
    NodeEventLoops loops = new NodeEventLoops(NodeEventLoopsTest.config(1, "auto"));
    try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = echo.accept()) {
          InputStream in = s.getInputStream();
          s.getOutputStream().write(in.readAllBytes());
          s.shutdownOutput();
        } catch (Exception e) {
          // the test fails on its own side
        }
      });
      t.setDaemon(true);
      t.start();
      Channel server = loops.serverBootstrap()
          .childOption(ChannelOption.AUTO_READ, false)
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel in) {
              in.pipeline().addLast(Splice.hold());
              new Bootstrap().group(in.eventLoop()).channel(loops.socketChannel())
                  .option(ChannelOption.AUTO_READ, false)
                  .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                  .handler(Splice.hold())
                  .connect(echo.getLocalSocketAddress()).addListener(f -> {
                    if (f.isSuccess()) {
                      Splice.between(in, ((io.netty.channel.ChannelFuture) f).channel()).start();
                    } else {
                      in.close();
                    }
                  });
            }
          }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(),
          ((java.net.InetSocketAddress) server.localAddress()).getPort())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("through the splice".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        assertEquals("through the splice", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
      } finally {
        server.close().sync();
      }
    } finally {
      loops.stop();
    }
  }
}
