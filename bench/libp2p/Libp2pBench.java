import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.warren.api.channel.EventLoops;
import io.warren.libp2p.internal.HostServices;
import io.warren.libp2p.internal.echo.EchoService;
import io.warren.libp2p.internal.ping.PingService;
import io.warren.libp2p.internal.relay.CircuitRelay;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.echo.Echo;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.ping.Ping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.yamux.YamuxStreamChannel;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Java <-> Java libp2p figures over loopback (two hosts in one JVM sharing one event loop group, as
 * a node's components do): connection setup (TCP + multistream + Noise XX + Yamux), ping RTT, single-stream echo
 * throughput. Prints one line; never asserts. Run by bench/libp2p.sh.
 *
 * <p>Echo runs in rounds on one connection, each on a new stream: the first {@code warm} rounds
 * let the JIT compile the data path (the first GB runs at a third of the final speed), then the
 * median, lowest and highest of the measured rounds are printed, with the CPU time the process
 * spent per echoed byte (both hosts, both directions, crypto and kernel included).
 *
 * <p>One-way throughput runs the same way over {@value #SINK}, a protocol of this benchmark's that
 * js-libp2p's bench speaks too: the dialer sends N bytes (one 64 KiB buffer, over and over) and
 * half-closes; the listener counts what arrives and answers with the count (8 bytes) when the
 * dialer's side ended. The time runs from the first byte sent to the count received.
 */
public final class Libp2pBench {
  static final String SINK = "/warren/bench/sink/1.0.0";

  /** A host as the node runs one: host services, echo and ping (whiteboard components there, added by hand here). */
  static Host start(EventLoops loops, HostConfig config, ProtocolRegistry protocols) {
    Host h = new Host(Ed25519Identity.generate(), config, protocols, loops);
    HostServices.install(h, "warren/bench", new CircuitRelay.Limits(8, 8, Duration.ofMinutes(10), 0, Duration.ofHours(1)),
        false);
    protocols.add(Echo.PROTOCOL, new EchoService());
    protocols.add(Ping.PROTOCOL, new PingService());
    h.start();
    return h;
  }

  /** NIO loops shared by both hosts (the node shares one group the same way). */
  static final class BenchLoops implements EventLoops {
    private final io.netty.channel.EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), NioIoHandler.newFactory());

    @Override
    public io.netty.channel.EventLoopGroup group() {
      return group;
    }

    @Override
    public Class<? extends io.netty.channel.socket.ServerSocketChannel> serverSocketChannel() {
      return io.netty.channel.socket.nio.NioServerSocketChannel.class;
    }

    @Override
    public Class<? extends io.netty.channel.socket.SocketChannel> socketChannel() {
      return io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    @Override
    public Class<? extends io.netty.channel.socket.DatagramChannel> datagramChannel() {
      return io.netty.channel.socket.nio.NioDatagramChannel.class;
    }

    @Override
    public String ioTransport() {
      return "nio";
    }
  }

  public static void main(String[] args) throws Exception {
    int dials = Integer.parseInt(args.length > 0 ? args[0] : "200");
    int pings = Integer.parseInt(args.length > 1 ? args[1] : "2000");
    long bytes = Long.parseLong(args.length > 2 ? args[2] : String.valueOf(256L << 20));
    int warm = Integer.parseInt(args.length > 3 ? args[3] : "6");
    int rounds = Integer.parseInt(args.length > 4 ? args[4] : "8");
    HostConfig config = new HostConfig(List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/0")), 256, 256,
        Duration.ofSeconds(10), Duration.ofSeconds(10));
    ProtocolRegistry served = new ProtocolRegistry();
    served.add(SINK, stream -> stream.channel().pipeline().addLast(new SinkListener()));
    EventLoops loops = new BenchLoops();
    Host a = start(loops, config, served);
    Host b = start(loops, config, new ProtocolRegistry());
    try {
      Multiaddr target = a.listenAddresses().get(0); // no /p2p: every connect dials anew
      for (int i = 0; i < dials / 4; i++) { // warm-up
        b.connect(target).get(10, TimeUnit.SECONDS).channel().close().sync();
      }
      List<Double> setup = new ArrayList<>();
      for (int i = 0; i < dials; i++) {
        long t0 = System.nanoTime();
        Connection c = b.connect(target).get(10, TimeUnit.SECONDS);
        setup.add((System.nanoTime() - t0) / 1e6);
        c.channel().close().sync();
      }
      Connection c = b.connect(Multiaddr.fromString(target + "/p2p/" + a.peerId())).get(10, TimeUnit.SECONDS);
      Ping.run(b.newStream(c, Ping.PROTOCOL).get(10, TimeUnit.SECONDS), pings).get(60, TimeUnit.SECONDS); // warm-up
      List<Double> rtt = new ArrayList<>();
      for (Duration d : Ping.run(b.newStream(c, Ping.PROTOCOL).get(10, TimeUnit.SECONDS), pings).get(60, TimeUnit.SECONDS)) {
        rtt.add(d.toNanos() / 1e6);
      }
      List<Double> rttWithOpen = new ArrayList<>(); // like js-libp2p's ping(): a new stream per ping
      for (int i = 0; i < Math.min(pings, 1000); i++) {
        long t0 = System.nanoTime();
        Ping.run(b.newStream(c, Ping.PROTOCOL).get(10, TimeUnit.SECONDS), 1).get(10, TimeUnit.SECONDS);
        rttWithOpen.add((System.nanoTime() - t0) / 1e6);
      }
      var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      List<Double> mbps = new ArrayList<>();
      List<Double> cpuPerByte = new ArrayList<>();
      boolean identical = true;
      for (int i = 0; i < warm + rounds; i++) {
        long cpu0 = os.getProcessCpuTime();
        Echo.Result e = Echo.run(b.newStream(c, Echo.PROTOCOL).get(10, TimeUnit.SECONDS), bytes).get(600, TimeUnit.SECONDS);
        long cpu = os.getProcessCpuTime() - cpu0;
        identical &= e.identical();
        if (i >= warm) {
          mbps.add(bytes / (e.elapsed().toNanos() / 1e9) / 1e6);
          cpuPerByte.add(cpu / (double) bytes);
        }
      }
      List<Double> oneWay = new ArrayList<>();
      List<Double> cpuPerSunkByte = new ArrayList<>();
      for (int i = 0; i < warm + rounds; i++) {
        long cpu0 = os.getProcessCpuTime();
        SinkDialer d = new SinkDialer(bytes);
        var stream = b.newStream(c, SINK).get(10, TimeUnit.SECONDS);
        stream.channel().eventLoop().execute(() -> stream.channel().pipeline().addLast(d));
        long nanos = d.done.get(600, TimeUnit.SECONDS);
        long cpu = os.getProcessCpuTime() - cpu0;
        if (i >= warm) {
          oneWay.add(bytes / (nanos / 1e9) / 1e6);
          cpuPerSunkByte.add(cpu / (double) bytes);
        }
      }
      System.out.printf(Locale.ROOT, "java-libp2p (Warren) on %s %s, noise by %s: setup p50 %.2f ms p99 %.2f ms | ping (one stream) "
          + "p50 %.3f ms p99 %.3f ms | ping incl. stream open p50 %.3f ms p99 %.3f ms | echo single stream, %d rounds of "
          + "%d MiB after %d warm-up rounds: median %.0f MB/s each way (lowest %.0f, highest %.0f), %.2f CPU-ns per echoed "
          + "byte (identical: %s) | one way: median %.0f MB/s (lowest %.0f, highest %.0f), %.2f CPU-ns per byte%n",
          System.getProperty("java.vendor"), System.getProperty("java.version"),
          io.warren.libp2p.internal.noise.NoiseHandler.transportCipher(), pct(setup, 50), pct(setup, 99), pct(rtt, 50), pct(rtt, 99), pct(rttWithOpen, 50),
          pct(rttWithOpen, 99), rounds, bytes >> 20, warm, pct(mbps, 50), pct(mbps, 0), pct(mbps, 100),
          pct(cpuPerByte, 50), identical, pct(oneWay, 50), pct(oneWay, 0), pct(oneWay, 100), pct(cpuPerSunkByte, 50));
    } finally {
      b.close();
      a.close();
      loops.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Counts what arrives; answers the count (8 bytes, big-endian) once the dialer half-closed. */
  static final class SinkListener extends ChannelInboundHandlerAdapter {
    private long count;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.read(); // streams do not read by themselves
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      count += ((ByteBuf) msg).readableBytes();
      ((ByteBuf) msg).release();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(count));
        ((YamuxStreamChannel) ctx.channel()).closeWrite();
      }
      super.userEventTriggered(ctx, evt);
    }
  }

  /** Sends {@code total} bytes with the channel's backpressure, half-closes, waits for the count. */
  static final class SinkDialer extends ChannelInboundHandlerAdapter {
    private static final ByteBuf CHUNK;
    static {
      byte[] random = new byte[64 * 1024];
      new java.util.Random(7).nextBytes(random);
      CHUNK = Unpooled.unreleasableBuffer(Unpooled.directBuffer(random.length).writeBytes(random));
    }
    final CompletableFuture<Long> done = new CompletableFuture<>();
    private final long total;
    private long sent;
    private long started;
    private final ByteBuf answer = Unpooled.buffer(8);

    SinkDialer(long total) {
      this.total = total;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      started = System.nanoTime();
      send(ctx);
      ctx.read();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.read();
    }

    private void send(ChannelHandlerContext ctx) {
      boolean wrote = false;
      while (sent < total && ctx.channel().isWritable()) {
        int n = (int) Math.min(CHUNK.readableBytes(), total - sent);
        ctx.write(CHUNK.retainedSlice(0, n));
        sent += n;
        wrote = true;
      }
      if (wrote) {
        ctx.flush();
      }
      if (sent == total && wrote) {
        ((YamuxStreamChannel) ctx.channel()).closeWrite();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        send(ctx);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      answer.writeBytes(in, Math.min(in.readableBytes(), answer.writableBytes()));
      in.release();
      if (!answer.isWritable()) {
        long nanos = System.nanoTime() - started;
        long got = answer.getLong(0);
        if (got == total) {
          done.complete(nanos);
        } else {
          done.completeExceptionally(new IllegalStateException("sink counted " + got + " of " + total + " bytes"));
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      done.completeExceptionally(new IllegalStateException("sink stream closed before its count"));
    }
  }

  private static double pct(List<Double> values, int p) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.floor(p / 100.0 * s.size())));
  }
}
