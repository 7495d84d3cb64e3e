package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.api.StreamHandler;
import io.warren.api.TransportException;
import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.crypto.TestIdentities;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.identify.Identify;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two (or more) real hosts over loopback TCP. */
class HostTest {
  /** Shared by the class's hosts; a host never shuts them down. */
  private static final TestEventLoops LOOPS = new TestEventLoops();

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private static final long T = 20;
  private static final Duration WAIT = Duration.ofSeconds(T);
  private final List<Host> hosts = new ArrayList<>();

  @AfterEach
  void stop() {
    hosts.forEach(Host::close);
  }

  private Host host(LocalIdentity id, HostConfig config, ProtocolRegistry registry) {
    Host h = TestHosts.start(LOOPS, id, config, registry);
    hosts.add(h);
    return h;
  }

  private Host host() {
    return host(Ed25519Identity.generate(), TestHosts.config(), new ProtocolRegistry());
  }

  @Test
  void aSecondHostOnTheSameFixedPortIsRefusedNotGivenAShareOfIt() throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    HostConfig fixed = new HostConfig(List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/" + port)), 256, 256,
        Duration.ofSeconds(10), Duration.ofSeconds(10));
    Host first = host(Ed25519Identity.generate(), fixed, new ProtocolRegistry());
    assertTrue(first.listenAddresses().get(0).toString().endsWith("/tcp/" + port));
    // both bind with SO_REUSEPORT, which would let the kernel spread one port's connections over two nodes
    TransportException e = assertThrows(TransportException.class,
        () -> host(Ed25519Identity.generate(), fixed, new ProtocolRegistry()));
    assertTrue(e.getMessage().contains("port " + port + " is in use by another process"), e.getMessage());
  }

  private static Multiaddr full(Host h) {
    return Multiaddr.fromString(h.listenAddresses().get(0) + "/p2p/" + h.peerId());
  }

  @Test
  void dialsADnsNameResolvedOffTheEventLoop() throws Exception {
    Host a = host();
    Host b = host();
    String port = a.listenAddresses().get(0).toString().replaceAll(".*/tcp/", "");
    Multiaddr byName = Multiaddr.fromString("/dns4/localhost/tcp/" + port + "/p2p/" + a.peerId());
    java.util.concurrent.atomic.AtomicReference<String> thread = new java.util.concurrent.atomic.AtomicReference<>();
    java.net.InetSocketAddress at = b.resolve(byName).thenApply(x -> {
      thread.set(Thread.currentThread().getName());
      return x;
    }).get(T, TimeUnit.SECONDS);
    assertEquals("127.0.0.1", at.getAddress().getHostAddress());
    // the DNS thread completes the lookup; only a lookup that was already done when thenApply was
    // attached runs it here, on the test's thread: never on an event loop
    String test = Thread.currentThread().getName();
    assertTrue(thread.get().startsWith("warren-libp2p-dns") || thread.get().equals(test),
        "resolved on " + thread.get());
    assertEquals(a.peerId(), b.connect(byName).get(T, TimeUnit.SECONDS).remotePeer());
    Host c = host(); // b would reuse its open connection to a
    ExecutionException unknown = assertThrows(ExecutionException.class, () -> c.connect(
        Multiaddr.fromString("/dns4/no-such-host.invalid/tcp/1/p2p/" + a.peerId())).get(T, TimeUnit.SECONDS));
    assertTrue(unknown.getCause().getMessage().contains("no-such-host.invalid"), unknown.getCause().getMessage());
  }

  @Test
  void listensOnLoopbackWithAnActualPort() {
    Host a = host();
    Multiaddr m = a.listenAddresses().get(0);
    assertTrue(m.toString().startsWith("/ip4/127.0.0.1/tcp/"), m.toString());
    assertFalse(m.toString().endsWith("/tcp/0"), m.toString());
  }

  @Test
  void connectIdentifiesBothWaysAndReusesTheConnection() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    assertEquals(b.peerId(), c.remotePeer());
    Connection.PeerDetails d = c.identified().get(T, TimeUnit.SECONDS);
    assertEquals("warren/test", d.agentVersion());
    assertEquals(Identify.PROTOCOL_VERSION, d.protocolVersion());
    assertTrue(d.protocols().containsAll(List.of(Identify.PROTOCOL, Identify.PUSH_PROTOCOL, Ping.PROTOCOL,
        Echo.PROTOCOL)), d.protocols().toString());
    assertEquals(b.listenAddresses(), d.listenAddrs());
    assertTrue(d.signedRecord(), "the addresses came in b's signed peer record");
    assertEquals(a.listenAddresses().get(0).components().get(0), d.observedAddr().components().get(0));
    Await.until(WAIT, () -> !b.connections().isEmpty() && b.connections().get(0).details() != null, "b identifies a");
    assertEquals(a.peerId(), b.connections().get(0).remotePeer());
    assertSame(c, a.connect(full(b)).get(T, TimeUnit.SECONDS), "one connection per peer");
    assertSame(c, a.connectionTo(b.peerId()).get(T, TimeUnit.SECONDS));
    assertEquals(1, a.connections().size());
  }

  @Test
  void overIpv6AWildcardListenerIsDialledAtItsIpv6AddressAndIdentifyTellsTheIpv6ObservedAddress()
      throws Exception {
    assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback (::1) to test on");
    HostConfig any6 = new HostConfig(List.of(Multiaddr.fromString("/ip6/::/tcp/0")), 256, 256, Duration.ofSeconds(10),
        Duration.ofSeconds(10));
    Host a = host(Ed25519Identity.generate(), any6, new ProtocolRegistry());
    Host b = host(Ed25519Identity.generate(), any6, new ProtocolRegistry());
    for (Multiaddr m : b.listenAddresses()) { // the wildcard, expanded to the interfaces' IPv6 addresses
      assertTrue(m.toString().startsWith("/ip6/") && !m.toString().startsWith("/ip6/::/")
          && !m.toString().startsWith("/ip6/fe80:"), b.listenAddresses().toString());
    }
    String port = b.listenAddresses().get(0).toString().replaceAll(".*/tcp/", "");
    Connection c = a.connect(Multiaddr.fromString("/ip6/::1/tcp/" + port + "/p2p/" + b.peerId()))
        .get(T, TimeUnit.SECONDS);
    Connection.PeerDetails d = c.identified().get(T, TimeUnit.SECONDS);
    assertEquals(Multiaddr.fromString("/ip6/::1"), Multiaddr.of(d.observedAddr().components().subList(0, 1)));
    assertTrue(d.listenAddrs().contains(Multiaddr.fromString("/ip6/::1/tcp/" + port)),
        "a peer on loopback is told the loopback address too: " + d.listenAddrs());
    assertTrue(d.signedRecord());
  }

  private static boolean ipv6Loopback() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void pingAndEchoTenMegabytes() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    List<Duration> rtts = Ping.run(a.newStream(c, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 5).get(T, TimeUnit.SECONDS);
    assertEquals(5, rtts.size());
    Echo.Result r = Echo.run(a.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS), 10 * 1024 * 1024)
        .get(T * 3, TimeUnit.SECONDS);
    assertTrue(r.identical(), r.toString());
    assertEquals(10 * 1024 * 1024, r.received());
  }

  @Test
  void countsStreamPayloadPerProtocolOnBothSidesAndFoldsTheRestIntoOther() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    int n = 1_000_000;
    Echo.Result r = Echo.run(a.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS), n).get(T * 3, TimeUnit.SECONDS);
    assertTrue(r.identical(), r.toString());
    // exactly the payload: the multistream negotiation before it is not the service's traffic
    long[] dialled = a.streamBytes().snapshot(a.protocols().protocols()).get(Echo.PROTOCOL);
    assertEquals(n, dialled[0], "a read the echo");
    assertEquals(n, dialled[1], "a wrote the payload");
    Await.until(WAIT, () -> {
      long[] served = b.streamBytes().snapshot(List.of()).get(Echo.PROTOCOL);
      return served != null && served[0] == n && served[1] == n;
    }, "b to count the megabyte it read and echoed");
    a.protocols().add("/test/unused/1.0.0", s -> s.channel().close());
    long[] unused = a.streamBytes().snapshot(a.protocols().protocols()).get("/test/unused/1.0.0");
    assertEquals(0, unused[0] + unused[1], "a served protocol not used yet has its series, at zero");

    StreamBytes bytes = new StreamBytes();
    for (int i = 0; i < StreamBytes.MAX_PROTOCOLS; i++) {
      bytes.counter("/test/" + i);
    }
    assertSame(bytes.counter(StreamBytes.OTHER), bytes.counter("/test/one-too-many"));
    assertSame(bytes.counter("/test/3"), bytes.counter("/test/3"), "a counted protocol keeps its counter");
    assertEquals(StreamBytes.MAX_PROTOCOLS + 1, bytes.snapshot(List.of("/test/also-too-many")).size(),
        "the label set stays bounded");
  }

  @Test
  void echoNoticesABytePeerChanged() throws Exception {
    ProtocolRegistry registry = new ProtocolRegistry();
    Host b = host(Ed25519Identity.generate(), TestHosts.config(), registry);
    registry.add("/test/corrupt-echo/1.0.0", s -> s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      boolean flipped;

      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.read();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (!flipped && buf.readableBytes() > 100) {
          buf.setByte(buf.readerIndex() + 100, buf.getByte(buf.readerIndex() + 100) ^ 1);
          flipped = true;
        }
        ctx.writeAndFlush(buf).addListener(f -> ctx.read());
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
          ((io.warren.yamux.YamuxStreamChannel) ctx.channel()).closeWrite();
        }
      }
    }));
    Host a = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    Echo.Result r = Echo.run(a.newStream(c, "/test/corrupt-echo/1.0.0").get(T, TimeUnit.SECONDS), 1 << 20)
        .get(T, TimeUnit.SECONDS);
    assertEquals(1 << 20, r.received());
    assertFalse(r.identical(), "one flipped bit is noticed");
  }

  @Test
  void dialsKnownAddressesByPeerIdAndWorksWithOtherKeyTypes() throws Exception {
    Host b = host();
    for (LocalIdentity id : List.of(TestIdentities.secp256k1(), TestIdentities.rsa())) {
      Host a = host(id, TestHosts.config(), new ProtocolRegistry());
      a.addAddress(b.peerId(), b.listenAddresses().get(0));
      Libp2pStream s = a.newStream(b.peerId(), Ping.PROTOCOL).get(T, TimeUnit.SECONDS);
      assertEquals(1, Ping.run(s, 1).get(T, TimeUnit.SECONDS).size());
      Await.until(WAIT, () -> b.connections().stream().anyMatch(c -> c.remotePeer().equals(id.peerId())),
          "b sees " + id);
    }
  }

  @Test
  void aWhiteboardHandlerGetsEveryByteIncludingThoseSentWithTheProposal() throws Exception {
    ProtocolRegistry registry = new ProtocolRegistry();
    Host b = host(Ed25519Identity.generate(), TestHosts.config(), registry);
    CompletableFuture<String> got = new CompletableFuture<>();
    StreamHandler upper = s -> {
      assertFalse(s.channel().config().isAutoRead(), "auto-read is off when a handler gets the stream");
      assertEquals("/test/upper/1.0.0", s.protocol());
      s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
        final StringBuilder sb = new StringBuilder();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
          ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          ByteBuf buf = (ByteBuf) msg;
          sb.append(buf.toString(StandardCharsets.UTF_8));
          buf.release();
          ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
          if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            got.complete(sb.toString());
            ctx.writeAndFlush(Unpooled.copiedBuffer(sb.toString().toUpperCase(), StandardCharsets.UTF_8));
            ((io.warren.yamux.YamuxStreamChannel) ctx.channel()).closeWrite();
          }
        }
      });
    };
    registry.add("/test/upper/1.0.0", upper);
    Host a = host();
    Libp2pStream s = a.newStream(a.connect(full(b)).get(T, TimeUnit.SECONDS), "/test/upper/1.0.0")
        .get(T, TimeUnit.SECONDS);
    assertFalse(s.channel().config().isAutoRead());
    CompletableFuture<byte[]> back = ReadToEnd.read(s.channel(), 1000, "test");
    s.channel().writeAndFlush(Unpooled.copiedBuffer("hello ", StandardCharsets.UTF_8));
    s.channel().writeAndFlush(Unpooled.copiedBuffer("world", StandardCharsets.UTF_8));
    s.closeWrite();
    assertEquals("hello world", got.get(T, TimeUnit.SECONDS));
    assertEquals("HELLO WORLD", new String(back.get(T, TimeUnit.SECONDS), StandardCharsets.UTF_8));
  }

  @Test
  void anUnknownProtocolFailsTheOpenWithTheReason() throws Exception {
    Host a = host();
    Host b = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.newStream(c, "/nobody/1.0.0").get(T, TimeUnit.SECONDS));
    assertInstanceOf(TransportException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("/nobody/1.0.0"), e.getCause().getMessage());
    assertEquals(1, Ping.run(a.newStream(c, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1).get(T, TimeUnit.SECONDS).size(),
        "the connection goes on");
  }

  @Test
  void registeringAHandlerPushesIdentify() throws Exception {
    ProtocolRegistry registry = new ProtocolRegistry();
    Host b = host(Ed25519Identity.generate(), TestHosts.config(), registry);
    Host a = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    c.identified().get(T, TimeUnit.SECONDS);
    Await.until(WAIT, () -> b.connections().size() == 1 && b.connections().get(0).details() != null, "b identified a");
    registry.add("/late/1.0.0", s -> s.channel().close());
    Await.until(WAIT, () -> c.details().protocols().contains("/late/1.0.0"), "the pushed protocol list");
  }

  @Test
  void connectionLimitRefusesTheExtraConnectionOnly() throws Exception {
    Host b = host(Ed25519Identity.generate(), TestHosts.config().withLimits(1, 256), new ProtocolRegistry());
    Host a1 = host();
    Host a2 = host();
    Connection first = a1.connect(full(b)).get(T, TimeUnit.SECONDS);
    ExecutionException e = assertThrows(ExecutionException.class, () -> a2.connect(full(b)).get(T, TimeUnit.SECONDS));
    assertInstanceOf(TransportException.class, e.getCause());
    assertEquals(1, Ping.run(a1.newStream(first, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1).get(T, TimeUnit.SECONDS)
        .size());
  }

  @Test
  void streamsThatNeverChooseAProtocolHoldOnlyTheirPeersShare() throws Exception {
    ResourceScopes.Limits limits = new ResourceScopes.Limits(256, 128, 8, 32, 8, 4096, 8192, 4);
    Host b = host(Ed25519Identity.generate(), TestHosts.config().withScopes(limits), new ProtocolRegistry());
    Host attacker = host();
    Connection c = attacker.connect(full(b)).get(T, TimeUnit.SECONDS);
    List<io.netty.channel.Channel> silent = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // raw Yamux streams that never send a multistream header
      silent.add(c.muxer().openStream(new io.netty.channel.ChannelInboundHandlerAdapter()).get(T, TimeUnit.SECONDS));
    }
    Await.until(WAIT, () -> silent.stream().filter(s -> !s.isOpen()).count() == 16,
        "b to reset 16 of 20 silent streams (max.negotiating.streams.per.peer = 4)");
    assertTrue(b.limits(5).stream()
        .anyMatch(l -> l.scope().equals("per peer") && l.resource().equals("negotiating streams") && l.used() == 4
            && l.refused() == 16),
        b.limits(5).toString());
    // another peer negotiates and is served while the attacker holds its share
    Host other = host();
    Connection o = other.connect(full(b)).get(T, TimeUnit.SECONDS);
    assertEquals(1, Ping.run(other.newStream(o, Ping.PROTOCOL).get(T, TimeUnit.SECONDS), 1).get(T, TimeUnit.SECONDS)
        .size());
    // the held ones give their slots back when the peer closes them
    silent.forEach(s -> s.close());
    Await.until(WAIT, () -> b.limits(5).stream()
        .anyMatch(l -> l.scope().equals("per peer") && l.resource().equals("negotiating streams") && l.used() == 0),
        "the held negotiating slots to be given back");
  }

  @Test
  void connectionsPerPeerAndStreamsPerProtocolAreBounded() throws Exception {
    ResourceScopes.Limits limits = new ResourceScopes.Limits(256, 128, 8, 32, 1, 4096, 1);
    Host b = host(Ed25519Identity.generate(), TestHosts.config().withScopes(limits), new ProtocolRegistry());
    b.protocols().add("/hold/1.0.0", s -> {});
    Host a = host();
    Connection first = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    var second = a.dialDirect(b.listenAddresses().get(0), b.peerId(), true, false);
    Await.until(WAIT, () -> second.isCompletedExceptionally() || second.isDone() && !second.join().isOpen(),
        "b to close a's second connection (max.connections.per.peer = 1)");
    assertEquals(1, b.connections().size());
    Libp2pStream held = a.newStream(first, "/hold/1.0.0").get(T, TimeUnit.SECONDS);
    var over = a.newStream(first, "/hold/1.0.0"); // negotiated, then reset
    Await.until(WAIT, () -> over.isCompletedExceptionally() || over.isDone() && !over.join().channel().isOpen(),
        "b to reset the second /hold stream (max.streams.per.protocol)");
    assertTrue(held.channel().isOpen());
    assertTrue(b.limits(5).stream().anyMatch(l -> l.scope().equals("per protocol") && l.refused() == 1),
        b.limits(5).toString());
  }

  @Test
  void streamLimitPerConnection() throws Exception {
    Host a = host(Ed25519Identity.generate(), TestHosts.config().withLimits(8, 2), new ProtocolRegistry());
    Host b = host();
    Connection c = a.connect(full(b)).get(T, TimeUnit.SECONDS);
    c.identified().get(T, TimeUnit.SECONDS);
    Await.until(WAIT, () -> c.muxer().streamCount() == 0, "identify's stream to close");
    Libp2pStream s1 = a.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS);
    Libp2pStream s2 = a.newStream(c, Echo.PROTOCOL).get(T, TimeUnit.SECONDS);
    ExecutionException e = assertThrows(ExecutionException.class, () -> a.newStream(c, Echo.PROTOCOL).get(T,
        TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("stream limit"), e.getCause().getMessage());
    s1.channel().close();
    s2.channel().close();
  }

  @Test
  void dialingAPeerThatIsNotThereSaysWhy() throws Exception {
    Host a = host();
    Host b = host();
    Multiaddr wrongPeer = Multiaddr.fromString(b.listenAddresses().get(0) + "/p2p/"
        + Ed25519Identity.generate().peerId());
    ExecutionException e = assertThrows(ExecutionException.class, () -> a.connect(wrongPeer).get(T, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("expected"), e.getCause().getMessage());
    ExecutionException e2 = assertThrows(ExecutionException.class,
        () -> a.connectionTo(Ed25519Identity.generate().peerId()).get(T, TimeUnit.SECONDS));
    assertTrue(e2.getCause().getMessage().contains("no known address"), e2.getCause().getMessage());
  }
}
