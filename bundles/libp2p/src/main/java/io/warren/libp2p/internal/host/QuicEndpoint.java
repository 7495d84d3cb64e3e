package io.warren.libp2p.internal.host;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.warren.api.PeerId;
import io.warren.api.TransportException;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.quic.QuicConfig;
import io.warren.libp2p.internal.tls.TlsConfig;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's QUIC side ({@code /ip4|ip6/<ip>/udp/<port>/quic-v1}): a UDP socket next to each TCP
 * listener, on the same port number where it is free, and one UDP socket per address family for
 * dialling. A QUIC connection is authenticated by the handshake itself ({@link QuicConfig}) and
 * carries streams of its own, so it is registered with the host as soon as the handshake completed
 * and the peer's certificate named it; the rest of the host (streams, identify, limits) treats it
 * as any other {@link Connection}.
 *
 * <p>Inbound connections take a slot of the {@link ResourceScopes} like TCP ones (system, their
 * address), once their handshake completed; over a limit they are closed.
 */
final class QuicEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(QuicEndpoint.class);
  private static final AttributeKey<QuicMuxer> MUXER = AttributeKey.valueOf("warren.libp2p.quic.muxer");
  /** QUIC application error code for "closing": libp2p's QUIC spec leaves codes to the application. */
  private static final int CLOSE_NORMAL = 0;
  /** A QUIC connection's idle timeout: the host's keep-alive (a libp2p ping) runs well within it. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
  /** On a QUIC connection's channel: the local UDP address its datagrams leave from. */
  static final AttributeKey<InetSocketAddress> LOCAL_UDP = AttributeKey.valueOf("warren.libp2p.quic.local");
  /** The handler in front of a listener's QUIC codec: what is written there leaves as a plain datagram. */
  private static final String RAW = "raw-udp";
  /** Bytes in each random datagram of a UDP hole punch (go-libp2p sends 64 too). */
  static final int PUNCH_PACKET = 64;
  /** How long the port-changing side of a birthday punch takes to open its ports. */
  static final Duration BIRTHDAY_OPEN = Duration.ofMillis(500);

  private final Host host;
  private final EventLoops loops;
  private final HostConfig config;
  private final ConnectionManager connections;
  private final ChannelGroup channels;
  private final ChannelHandler inboundStreams;
  private final QuicConfig quic;
  private final List<Channel> sockets = new CopyOnWriteArrayList<>();
  private final Channel[] dialSockets = new Channel[2];
  private volatile List<Multiaddr> listenAddresses = List.of();
  private volatile boolean closed;

  QuicEndpoint(Host host, EventLoops loops, HostConfig config, ConnectionManager connections, ChannelGroup channels,
      ChannelHandler inboundStreams, QuicConfig quic) {
    this.host = host;
    this.loops = loops;
    this.config = config;
    this.connections = connections;
    this.channels = channels;
    this.inboundStreams = new CountedStreams(inboundStreams);
    this.quic = quic;
  }

  /**
   * Binds a UDP socket at the address and port of each bound TCP listener ({@code tcp}); where that
   * UDP port is taken, at any free port (logged). A socket that cannot be bound at all is left out.
   * SO_REUSEPORT, as on the TCP listeners: a hole-punching dial leaves from the same port on a socket
   * of its own, connected to the peer ({@link #dial}), after a check that no other process holds it.
   */
  void start(List<InetSocketAddress> tcp, PeerId self) {
    List<Multiaddr> bound = new ArrayList<>();
    for (InetSocketAddress at : tcp) {
      Channel ch = at.getPort() != 0 && !bindable(at) ? null : bind(at);
      if (ch == null && at.getPort() != 0) {
        LOG.warn("libp2p: UDP port {} is taken; QUIC listens on another port", at.getPort());
        ch = bind(new InetSocketAddress(at.getAddress(), 0));
      }
      if (ch == null) {
        continue;
      }
      sockets.add(ch);
      for (Multiaddr m : TcpAddresses.expand((InetSocketAddress) ch.localAddress())) {
        bound.add(TcpAddresses.quicOf(m));
      }
    }
    listenAddresses = List.copyOf(bound);
    for (Multiaddr m : listenAddresses) {
      LOG.info("libp2p listening on {}/p2p/{}", m, self);
    }
  }

  /** Whether a UDP socket without SO_REUSEPORT can bind {@code at}: no other process has it. */
  private static boolean bindable(InetSocketAddress at) {
    try (java.net.DatagramSocket s = new java.net.DatagramSocket(null)) {
      s.bind(at);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private Channel bind(InetSocketAddress at) {
    ChannelFuture f = loops.reusePort(new Bootstrap().group(loops.group()).channel(loops.datagramChannel()))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(RAW, new ChannelDuplexHandler());
            ch.pipeline().addLast(quic.serverCodec(config.maxStreamsPerConnection(), IDLE_TIMEOUT, new Inbound(),
                inboundStreams));
          }
        })
        .bind(at).awaitUninterruptibly();
    if (!f.isSuccess()) {
      LOG.debug("libp2p: cannot bind UDP {}: {}", at, f.cause().toString());
      return null;
    }
    return f.channel();
  }

  /** The listening UDP socket of {@code to}'s address family, or null. */
  private Channel listenerFor(InetSocketAddress to) {
    for (Channel s : sockets) {
      InetSocketAddress local = (InetSocketAddress) s.localAddress();
      if (s.isActive() && local != null
          && (local.getAddress() instanceof Inet6Address) == (to.getAddress() instanceof Inet6Address)) {
        return s;
      }
    }
    return null;
  }

  /**
   * DCUtR's UDP hole punch, the side that does not dial (libp2p/specs relay/DCUtR.md): datagrams of
   * random bytes from our QUIC listening socket (the port peers observed) to {@code to}, at random
   * intervals of 10-200 ms, until {@code until} completes or {@code window} passed. They open our
   * NAT's mapping towards the peer, so its QUIC dial gets through to our listener; the peer's QUIC
   * drops them (no connection has their IDs). Sends nothing if we have no listener of that family.
   */
  void punch(List<InetSocketAddress> to, CompletableFuture<?> until, Duration window) {
    long end = System.nanoTime() + window.toNanos();
    for (InetSocketAddress a : to) {
      Channel listener = listenerFor(a);
      if (listener != null) {
        listener.eventLoop().execute(() -> sendRandom(listener, a, until, end));
      }
    }
  }

  private void sendRandom(Channel listener, InetSocketAddress to, CompletableFuture<?> until, long end) {
    if (until.isDone() || System.nanoTime() - end > 0 || !listener.isActive() || closed) {
      return;
    }
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    byte[] junk = new byte[PUNCH_PACKET];
    r.nextBytes(junk);
    // past the QUIC codec: this datagram belongs to no connection
    listener.pipeline().context(RAW).writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(junk), to));
    listener.eventLoop().schedule(() -> sendRandom(listener, to, until, end), r.nextLong(10, 201),
        TimeUnit.MILLISECONDS);
  }

  /** {@code /ip4|ip6/<ip>/udp/<port>/quic-v1} where this host listens for QUIC. */
  List<Multiaddr> listenAddresses() {
    return listenAddresses;
  }

  /**
   * Dials {@code to} ({@code addr} resolved) over QUIC; completes with the registered connection
   * once the handshake completed and the peer is {@code expected} (when given), else fails and
   * closes the connection. {@code slot} is the outbound slot taken for it, closed with it.
   */
  void dial(Multiaddr addr, InetSocketAddress to, PeerId expected, ResourceScopes.Slot slot,
      CompletableFuture<Connection> result, boolean fromListenPort) {
    if (!fromListenPort) {
      Channel udp;
      try {
        udp = dialSocket(to.getAddress() instanceof Inet6Address);
      } catch (TransportException e) {
        slot.close();
        result.completeExceptionally(e);
        return;
      }
      handshake(addr, to, expected, slot, result, udp, false);
      return;
    }
    ChannelFuture socket;
    try {
      socket = punchSocket(to);
    } catch (TransportException e) {
      slot.close();
      result.completeExceptionally(e);
      return;
    }
    socket.addListener(x -> {
      if (!x.isSuccess()) {
        slot.close();
        result.completeExceptionally(new TransportException("libp2p: cannot open a UDP socket from our QUIC port to "
            + to + ": " + x.cause().getMessage(), x.cause()));
      } else {
        handshake(addr, to, expected, slot, result, socket.channel(), true);
      }
    });
  }

  /** The QUIC handshake of a dial on {@code udp}; {@code own}: the socket is this dial's, closed with it. */
  private void handshake(Multiaddr addr, InetSocketAddress to, PeerId expected, ResourceScopes.Slot slot,
      CompletableFuture<Connection> result, Channel udp, boolean own) {
    Duration budget = config.dialTimeout().plus(config.negotiationTimeout());
    java.util.concurrent.atomic.AtomicReference<Channel> dialling = new java.util.concurrent.atomic.AtomicReference<>();
    Future<QuicChannel> f = QuicChannel.newBootstrap(udp)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void handlerAdded(ChannelHandlerContext ctx) {
            dialling.set(ctx.channel());
            ctx.channel().attr(MUXER).set(new QuicMuxer((QuicChannel) ctx.channel()));
            ctx.channel().closeFuture().addListener(x -> {
              slot.close();
              if (own) {
                udp.close(); // the punch's own socket lives as long as its connection
              }
            });
            channels.add(ctx.channel());
          }
        })
        .streamHandler(inboundStreams)
        .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .remoteAddress(to)
        .connect();
    var timeout = udp.eventLoop().schedule(() -> {
      if (!f.isDone()) {
        f.cancel(false);
        Channel ch = dialling.get();
        if (ch != null) {
          ch.close(); // the handshake that did not finish in time
        }
      }
    }, budget.toMillis(), TimeUnit.MILLISECONDS);
    f.addListener(x -> {
      timeout.cancel(false);
      if (!f.isSuccess()) {
        slot.close();
        if (own) {
          udp.close();
        }
        Throwable cause = f.isCancelled() ? new TransportException("no QUIC handshake within " + budget.toSeconds()
            + " s") : f.cause();
        result.completeExceptionally(new TransportException("libp2p: cannot connect to " + addr + " over QUIC: "
            + reason(cause), cause));
        return;
      }
      QuicChannel ch = f.getNow();
      try {
        Connection c = established(ch, true, expected);
        result.complete(c);
      } catch (CertificateException | RuntimeException e) {
        LOG.warn("[{}] {}; closing QUIC connection to {}", ch.id(), e.getMessage(), to);
        ch.close(true, CLOSE_NORMAL, Unpooled.EMPTY_BUFFER);
        result.completeExceptionally(new TransportException("libp2p: cannot connect to " + addr + ": "
            + e.getMessage(), e));
      }
    });
  }

  /**
   * A UDP socket of its own for a hole-punching dial to {@code to}: bound to our QUIC listening
   * socket's address and port (SO_REUSEPORT), so the dial leaves from the port peers observed and
   * NATs map it there, and connect()ed to {@code to}, so Linux hands it the datagrams from
   * {@code to} (a connected socket is a better match than the listener for that 4-tuple) while
   * everyone else's still reach the listener.
   */
  private ChannelFuture punchSocket(InetSocketAddress to) {
    if (closed) {
      throw new TransportException("libp2p: host is stopped");
    }
    Channel listener = listenerFor(to);
    if (listener == null) {
      throw new TransportException("libp2p: no QUIC listener to punch " + to + " from");
    }
    ChannelFuture f = loops.reusePort(new Bootstrap().group(loops.group()).channel(loops.datagramChannel()))
        .handler(quic.clientCodec(config.maxStreamsPerConnection(), IDLE_TIMEOUT))
        .connect(to, (InetSocketAddress) listener.localAddress());
    channels.add(f.channel());
    return f;
  }

  /**
   * The port-changing side of a birthday punch: {@code count} UDP sockets on fresh ports, each
   * sending one random datagram to each of {@code to} (spread over {@link #BIRTHDAY_OPEN}), so
   * a NAT that picks a random port per destination opens {@code count} mappings towards the peer;
   * the first socket a datagram from one of {@code to}'s IPs reaches (the peer's spray found its
   * port) dials QUIC to that sender, and the others close. Completes {@code result} with that
   * connection, or fails after {@code window}.
   */
  void birthdayDial(List<InetSocketAddress> to, PeerId expected, int count, Duration window, ResourceScopes.Slot slot,
      CompletableFuture<Connection> result) {
    if (to.isEmpty() || closed) {
      slot.close();
      result.completeExceptionally(new TransportException("libp2p: nothing to birthday-punch"));
      return;
    }
    java.util.Set<java.net.InetAddress> ips = new java.util.HashSet<>();
    to.forEach(a -> ips.add(a.getAddress()));
    boolean v6 = to.get(0).getAddress() instanceof Inet6Address;
    List<Channel> probes = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean won = new java.util.concurrent.atomic.AtomicBoolean();
    long spacing = BIRTHDAY_OPEN.toNanos() / count;
    for (int i = 0; i < count; i++) {
      long delay = i * spacing;
      new Bootstrap().group(loops.group()).channel(loops.datagramChannel())
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(RAW, new ChannelDuplexHandler());
              ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  InetSocketAddress from = msg instanceof DatagramPacket p ? p.sender() : null;
                  io.netty.util.ReferenceCountUtil.release(msg);
                  if (from == null || !ips.contains(from.getAddress()) || !won.compareAndSet(false, true)) {
                    return;
                  }
                  ctx.pipeline().remove(this);
                  probes.stream().filter(x -> x != ctx.channel()).forEach(Channel::close);
                  ctx.pipeline().addLast(quic.clientCodec(config.maxStreamsPerConnection(), IDLE_TIMEOUT));
                  LOG.debug("libp2p: birthday punch: {} reached our port {}; dialling QUIC", from,
                      ((InetSocketAddress) ctx.channel().localAddress()).getPort());
                  handshake(TcpAddresses.quicOf(TcpAddresses.toMultiaddr(from)), from, expected, slot, result,
                      ctx.channel(), true);
                }
              });
            }
          })
          .bind(new InetSocketAddress(v6 ? "::" : "0.0.0.0", 0)).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
              return;
            }
            Channel ch = f.channel();
            probes.add(ch);
            channels.add(ch);
            if (won.get() || closed) {
              ch.close();
              return;
            }
            ch.eventLoop().schedule(() -> {
              if (!won.get()) {
                for (InetSocketAddress a : to) {
                  byte[] junk = new byte[PUNCH_PACKET];
                  java.util.concurrent.ThreadLocalRandom.current().nextBytes(junk);
                  ch.pipeline().context(RAW).writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(junk), a));
                }
              }
            }, delay, TimeUnit.NANOSECONDS);
          });
    }
    loops.group().next().schedule(() -> {
      if (won.compareAndSet(false, true)) {
        probes.forEach(Channel::close);
        slot.close();
        result.completeExceptionally(new TransportException("libp2p: no datagram came through any of " + count
            + " birthday-punch ports"));
      }
    }, window.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The port-keeping side of a birthday punch: {@code ports} datagrams of random bytes from our
   * QUIC listening socket to {@code ip}, one per port, spread evenly over {@code over}, until
   * {@code until} completes. Each opens our NAT towards that port of the peer's NAT; one that hits
   * a port the peer's NAT mapped towards us reaches the peer, which then dials us from there.
   */
  void spray(java.net.InetAddress ip, int[] ports, Duration over, CompletableFuture<?> until) {
    Channel listener = listenerFor(new InetSocketAddress(ip, 0));
    if (listener == null || ports.length == 0) {
      return;
    }
    long spacing = over.toNanos() / ports.length;
    listener.eventLoop().execute(() -> sprayFrom(listener, ip, ports, 0, spacing, until));
  }

  private void sprayFrom(Channel listener, java.net.InetAddress ip, int[] ports, int i, long spacing,
      CompletableFuture<?> until) {
    if (i >= ports.length || until.isDone() || !listener.isActive() || closed) {
      return;
    }
    long start = System.nanoTime();
    int n = 0; // a few at a time: the event loop's timer is coarser than the spacing
    do {
      byte[] junk = new byte[PUNCH_PACKET];
      java.util.concurrent.ThreadLocalRandom.current().nextBytes(junk);
      listener.pipeline().context(RAW).write(new DatagramPacket(Unpooled.wrappedBuffer(junk),
          new InetSocketAddress(ip, ports[i + n])));
      n++;
    } while (i + n < ports.length && n * spacing < TimeUnit.MILLISECONDS.toNanos(10));
    listener.pipeline().context(RAW).flush();
    int next = i + n;
    listener.eventLoop().schedule(() -> sprayFrom(listener, ip, ports, next, spacing, until),
        Math.max(0, n * spacing - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
  }

  /** The shared dialling socket of an address family, bound at first use. */
  private synchronized Channel dialSocket(boolean v6) {
    if (closed) {
      throw new TransportException("libp2p: host is stopped");
    }
    int i = v6 ? 1 : 0;
    if (dialSockets[i] != null && dialSockets[i].isActive()) {
      return dialSockets[i];
    }
    ChannelFuture f = new Bootstrap().group(loops.group()).channel(loops.datagramChannel())
        .handler(quic.clientCodec(config.maxStreamsPerConnection(), IDLE_TIMEOUT))
        .bind(new InetSocketAddress(v6 ? "::" : "0.0.0.0", 0)).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new TransportException("libp2p: cannot open a UDP socket to dial QUIC: " + f.cause().getMessage(),
          f.cause());
    }
    dialSockets[i] = f.channel();
    return f.channel();
  }

  /** Names the peer of a completed handshake, checks it is {@code expected}, registers the connection. */
  private Connection established(QuicChannel ch, boolean outbound, PeerId expected) throws CertificateException {
    Libp2pPublicKey key = QuicConfig.peerKey(ch);
    PeerId peer = key.peerId();
    if (expected != null && !expected.equals(peer)) {
      throw new CertificateException("libp2p quic: peer is " + peer + ", expected " + expected);
    }
    InetSocketAddress remote = (InetSocketAddress) ch.remoteSocketAddress();
    if (ch.localSocketAddress() instanceof InetSocketAddress local) {
      ch.attr(LOCAL_UDP).set(local); // for Host#natChangesPorts: the port our datagrams leave from
    }
    Upgrader.Secured secured = new Upgrader.Secured(peer, key, TlsConfig.PROTOCOL_ID, Optional.empty());
    QuicMuxer muxer = ch.attr(MUXER).get();
    Connection c = host.register(ch, muxer, secured, outbound, TcpAddresses.quicOf(TcpAddresses.toMultiaddr(remote)),
        false);
    muxer.measure();
    LOG.debug("[{}] libp2p: QUIC connection {} {}", ch.id(), outbound ? "to" : "from", c);
    return c;
  }

  /** Each inbound QUIC connection: a slot of the limits, then registration once the handshake completed. */
  @ChannelHandler.Sharable
  private final class Inbound extends ChannelInboundHandlerAdapter {
    private final AttributeKey<ResourceScopes.Slot> slotKey = AttributeKey.valueOf("warren.libp2p.quic.slot");

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      QuicChannel ch = (QuicChannel) ctx.channel();
      ch.attr(MUXER).set(new QuicMuxer(ch));
      String[] why = new String[1];
      InetSocketAddress from = (InetSocketAddress) ch.remoteSocketAddress();
      ResourceScopes.Slot slot = closed || from == null ? null
          : connections.scopes().acceptInbound(from.getAddress(), why);
      if (slot == null) {
        LOG.debug("[{}] libp2p: refusing QUIC connection from {}: {}", ch.id(), from, closed ? "stopping" : why[0]);
        ch.close(true, CLOSE_NORMAL, Unpooled.EMPTY_BUFFER);
        return;
      }
      ch.attr(slotKey).set(slot);
      channels.add(ch);
      ch.closeFuture().addListener(x -> slot.close());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      QuicChannel ch = (QuicChannel) ctx.channel();
      ResourceScopes.Slot slot = ch.attr(slotKey).get();
      if (slot == null) {
        return;
      }
      try {
        host.punchArrived(established(ch, false, null));
        slot.established();
      } catch (CertificateException | RuntimeException e) {
        LOG.warn("[{}] {}; closing QUIC connection from {}", ch.id(), e.getMessage(), ch.remoteSocketAddress());
        ch.close(true, CLOSE_NORMAL, Unpooled.EMPTY_BUFFER);
      }
      super.channelActive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("[{}] libp2p: QUIC connection from {} failed: {}", ctx.channel().id(),
          ((QuicChannel) ctx.channel()).remoteSocketAddress(), cause.toString());
      ctx.close();
    }
  }

  /** Counts a QUIC connection's streams for {@link Muxer#streamCount()}, then hands them to {@code next}. */
  @ChannelHandler.Sharable
  private static final class CountedStreams extends ChannelInitializer<Channel> {
    private final ChannelHandler next;

    CountedStreams(ChannelHandler next) {
      this.next = next;
    }

    @Override
    protected void initChannel(Channel ch) {
      initStream(ch.parent().attr(MUXER).get(), ch);
      ch.pipeline().addLast(next);
    }
  }

  /** QUIC's streams as a {@link Muxer}. */
  private static final class QuicMuxer implements Muxer {
    private final QuicChannel ch;
    private final AtomicInteger streams = new AtomicInteger();
    private volatile Duration rtt;

    QuicMuxer(QuicChannel ch) {
      this.ch = ch;
    }

    void count(Channel stream) {
      streams.incrementAndGet();
      stream.closeFuture().addListener(x -> streams.decrementAndGet());
    }

    @Override
    public Future<? extends Channel> openStream(ChannelHandler initializer) {
      return ch.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel s) {
              initStream(QuicMuxer.this, s);
              s.pipeline().addLast(initializer);
            }
          }).create();
    }

    @Override
    public int streamCount() {
      return streams.get();
    }

    @Override
    public Duration rtt() {
      measure();
      return rtt;
    }

    /** Asks quiche for the active path's RTT estimate; {@link #rtt()} returns the last one. */
    void measure() {
      if (!ch.isActive()) {
        return;
      }
      ch.collectPathStats(0).addListener(f -> {
        if (f.isSuccess()) {
          rtt = Duration.ofNanos(((QuicConnectionPathStats) f.getNow()).rtt());
        }
      });
    }

    @Override
    public void goAway() {
      ch.close(true, CLOSE_NORMAL, Unpooled.EMPTY_BUFFER);
    }
  }

  /**
   * Half-closes a QUIC stream in order: a FIN frame written after what is queued (Netty's own
   * {@code shutdownOutput()} sends the FIN at once, cutting off writes that wait for flow control),
   * and only once the owner read what the {@link StreamInbox} holds (Netty closes a QUIC stream as
   * soon as both FINs crossed, and what was held would go with it).
   */
  static ChannelFuture finAfterWrites(Channel stream) {
    io.netty.channel.ChannelPromise done = stream.newPromise();
    StreamInbox.afterHeld(stream, () -> stream.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true))
        .addListener(f -> {
          if (f.isSuccess()) {
            done.trySuccess();
          } else {
            done.tryFailure(f.cause());
          }
        }));
    return done;
  }

  /** Every QUIC stream of the host: counted, and half-closed in order by {@link Splice#shutdownOutput}. */
  static void initStream(QuicMuxer muxer, Channel stream) {
    if (muxer != null) {
      muxer.count(stream);
    }
    stream.attr(Splice.HALF_CLOSE).set(QuicEndpoint::finAfterWrites);
  }

  static String reason(Throwable t) {
    Throwable top = Host.unwrap(t);
    return top.getMessage() != null ? top.getMessage() : top.toString();
  }

  /** Stops accepting and dialling and closes the UDP sockets (after the host closed its connections). */
  void close() {
    synchronized (this) {
      closed = true;
    }
    for (Channel s : sockets) {
      s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    for (Channel s : dialSockets) {
      if (s != null) {
        s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
  }
}
