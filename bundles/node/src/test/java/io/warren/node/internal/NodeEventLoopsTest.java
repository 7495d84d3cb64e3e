package io.warren.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;

class NodeEventLoopsTest {

  static NodeEventLoops.Config config(int threads, String transport) {
    return new NodeEventLoops.Config() {
      @Override
      public Class<? extends Annotation> annotationType() {
        return NodeEventLoops.Config.class;
      }

      @Override
      public int io_threads() {
        return threads;
      }

      @Override
      public String io_transport() {
        return transport;
      }
    };
  }

  @Test
  void nioWhenConfiguredSo() throws Exception {
    NodeEventLoops loops = new NodeEventLoops(config(1, "NIO"));
    try {
      assertEquals("nio", loops.ioTransport());
      assertTrue(loops.socketChannel().getName().contains(".nio."), loops.socketChannel().getName());
    } finally {
      loops.stop();
    }
  }

  @Test
  void autoTakesEpollExactlyWhereItLoads() throws Exception {
    NodeEventLoops loops = new NodeEventLoops(config(1, "auto"));
    try {
      assertEquals(Epoll.isAvailable() ? "epoll" : "nio", loops.ioTransport());
      assertEquals(Epoll.isAvailable() ? "EpollServerSocketChannel" : "NioServerSocketChannel",
          loops.serverSocketChannel().getSimpleName());
    } finally {
      loops.stop();
    }
  }

  @Test
  void listenersReuseTheirAddressOnEitherTransport() throws Exception {
    NodeEventLoops loops = new NodeEventLoops(config(1, "auto"));
    try {
      io.netty.channel.Channel server = loops.serverBootstrap()
          .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter())
          .bind("127.0.0.1", 0).sync().channel();
      try {
        assertTrue(((io.netty.channel.socket.ServerSocketChannel) server).config().isReuseAddress());
      } finally {
        server.close().sync();
      }
    } finally {
      loops.stop();
    }
  }

  @Test
  void aDialLeavesFromAListeningPortWithReusePort() throws Exception {
    NodeEventLoops loops = new NodeEventLoops(config(1, "auto"));
    try {
      io.netty.channel.Channel listener = loops.reusePort(loops.serverBootstrap())
          .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter()).bind("127.0.0.1", 0).sync().channel();
      io.netty.channel.Channel target = loops.serverBootstrap()
          .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter()).bind("127.0.0.1", 0).sync().channel();
      try {
        io.netty.channel.Channel dial = loops.reusePort(new io.netty.bootstrap.Bootstrap().group(loops.group())
            .channel(loops.socketChannel()).option(io.netty.channel.ChannelOption.SO_REUSEADDR, true)
            .handler(new io.netty.channel.ChannelInboundHandlerAdapter()))
            .connect(target.localAddress(), listener.localAddress()).sync().channel();
        assertEquals(listener.localAddress(), dial.localAddress(), "the dial left from the listener's port");
        dial.close().sync();
      } finally {
        listener.close().sync();
        target.close().sync();
      }
    } finally {
      loops.stop();
    }
  }

  @Test
  void anUnknownTransportOrNegativeThreadsIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NodeEventLoops(config(1, "kqueue")));
    assertEquals("io.transport must be auto, epoll or nio, got 'kqueue'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new NodeEventLoops(config(-1, "nio")));
    assertTrue(e.getMessage().startsWith("io.threads must be 0"), e.getMessage());
  }
}
