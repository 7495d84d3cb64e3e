import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Relay throughput and OK latency, run by bench/relay.sh against a node (not a test).
 *
 * <p>Pre-signs the events, then: (1) unloaded latency, one connection sending one event at a
 * time; (2) load, several publishing connections each keeping a window of events in flight while
 * subscribers (each its own connection) count live deliveries, once uncounted (half the events, at
 * least 10,000: the node compiles its loaded path meanwhile) and once measured. Every event is
 * verified (id and BIP-340 signature) and stored by the relay before its OK.
 *
 * <p>java -cp 'system jars' bench/RelayBench.java ws://127.0.0.1:PORT [publishers] [events] [window]
 * [subscribers]
 */
public class RelayBench {
  static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  /** A WebSocket connection that hands every text message to a consumer on its event loop. */
  static Channel connect(URI uri, Consumer<String> onMessage) throws Exception {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    WebSocketClientProtocolConfig cfg = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
        .version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders()).maxFramePayloadLength(1 << 24).build();
    Channel ch = new Bootstrap().group(GROUP).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16), new WebSocketClientProtocolHandler(cfg),
                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                      ready.complete(null);
                    }
                    ctx.fireUserEventTriggered(evt);
                  }

                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                    onMessage.accept(f.text());
                  }
                });
          }
        }).connect(uri.getHost(), uri.getPort()).sync().channel();
    ready.get(20, TimeUnit.SECONDS);
    return ch;
  }

  /** The event id of an OK message, and whether it was accepted. */
  static String okId(String m) {
    return m.startsWith("[\"OK\",\"") ? m.substring(7, 71) : null;
  }

  static boolean okAccepted(String m) {
    return m.startsWith("true", 73);
  }

  static List<Event> sign(int count, String tag, int keys) {
    byte[][] secret = new byte[keys][];
    for (int i = 0; i < keys; i++) {
      secret[i] = Bip340.newSecretKey();
    }
    // created_at as clients publishing at 10,000 events/s would set it: ascending, ending now.
    // (One created_at for every event made the relay's (created_at, id) indexes random.)
    long now = System.currentTimeMillis() / 1000;
    return IntStream.range(0, count).parallel()
        .mapToObj(i -> Event.sign(secret[i % keys], now - (count - 1 - i) / 10_000, 1, List.of(List.of("t", tag)),
            "benchmark event " + i))
        .toList();
  }

  static long percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  static String ms(long nanos) {
    return String.format("%.2f ms", nanos / 1e6);
  }

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    int publishers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int total = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    int window = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    int subscribers = args.length > 4 ? Integer.parseInt(args[4]) : 16;
    int unloaded = 1_000;
    String tag = "bench-" + System.nanoTime();
    long t0 = System.nanoTime();
    List<Event> warm = sign(2_000, tag + "-warm", 8);
    List<Event> single = sign(unloaded, tag + "-single", 8);
    List<Event> events = sign(total, tag, 64);
    List<Event> warmLoad = sign(Math.max(10_000, total / 2), tag + "-warmload", 64);
    System.out.printf("client: %s %s; signed %d events in %.1f s%n", System.getProperty("java.vendor"),
        System.getProperty("java.version"), warm.size() + single.size() + events.size() + warmLoad.size(), (System.nanoTime() - t0) / 1e9);

    // warm-up (JIT on both sides), then unloaded latency: one event in flight
    long[] singleLat = new long[unloaded];
    for (List<Event> batch : List.of(warm, single)) {
      Semaphore turn = new Semaphore(0);
      AtomicLong sentAt = new AtomicLong();
      AtomicInteger n = new AtomicInteger();
      Channel c = connect(uri, m -> {
        if (okId(m) != null) {
          int i = n.getAndIncrement();
          if (batch == single) {
            singleLat[i] = System.nanoTime() - sentAt.get();
          }
          turn.release();
        }
      });
      for (Event e : batch) {
        sentAt.set(System.nanoTime());
        c.writeAndFlush(new TextWebSocketFrame("[\"EVENT\"," + e.toJson() + "]"));
        if (!turn.tryAcquire(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("no OK within 30 s");
        }
      }
      c.close().sync();
    }
    Arrays.sort(singleLat);
    System.out.printf("unloaded (1 connection, 1 event in flight, %d events): OK latency p50 %s, p99 %s%n",
        unloaded, ms(percentile(singleLat, 0.50)), ms(percentile(singleLat, 0.99)));

    // load: first an uncounted round (the node's JIT compiles the loaded path for ~10 s: a running
    // relay has long done that), then the measured one
    System.out.printf("warm-up load (%d events, not counted): %.0f events/s%n", warmLoad.size(),
        load(uri, warmLoad, tag + "-warmload", publishers, window, subscribers).perSecond());
    long nodeCpu0 = nodeCpuNanos();
    Map<String, Long> threads0 = nodeThreadTicks();
    long clientCpu0 = clientCpuNanos();
    Load r = load(uri, events, tag, publishers, window, subscribers);
    long nodeCpu = nodeCpuNanos() - nodeCpu0;
    Map<String, Long> threads1 = nodeThreadTicks();
    long clientCpu = clientCpuNanos() - clientCpu0;
    System.out.printf("load (%d publishing connections, window %d each, %d events, %d subscribing connections):%n",
        publishers, window, total, subscribers);
    System.out.printf("  accepted %d (refused %d) in %.2f s: %.0f events/s with signature verification and storage%n",
        total - r.refused(), r.refused(), r.okNanos() / 1e9, r.perSecond());
    System.out.printf("  OK latency under load: p50 %s, p99 %s%n", ms(percentile(r.latency(), 0.50)), ms(percentile(r.latency(), 0.99)));
    System.out.printf("  subscribers received %d of %d live events (%d each)%s%n", r.delivered(), total * subscribers,
        total, r.delivered() == total * subscribers ? String.format(", the last one %+.0f ms from the last OK: "
            + "%.0f events/s fanned out to each", r.lastDeliveryAfterOkMs(), total / (r.fanoutNanos() / 1e9)) : " (gave up waiting)");
    if (nodeCpu0 >= 0) {
      System.out.printf("  node CPU in this round: %.1f s, %.0f us per event (client: %.0f us per event)%n", nodeCpu / 1e9,
          nodeCpu / 1e3 / total, clientCpu / 1e3 / total);
      System.out.println("  by the node's threads, us per event: " + byThreadGroup(threads0, threads1, total));
    }
    GROUP.shutdownGracefully();
  }

  /**
   * The node's CPU ticks per thread (id and name, from /proc/PID/task), empty without -Dnode.pid.
   * A thread that both starts and ends within the round is missed (pools here keep their threads).
   */
  static Map<String, Long> nodeThreadTicks() {
    String pid = System.getProperty("node.pid");
    Map<String, Long> out = new java.util.HashMap<>();
    if (pid == null) {
      return out;
    }
    java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
    for (java.io.File t : tasks == null ? new java.io.File[0] : tasks) {
      try {
        String stat = java.nio.file.Files.readString(t.toPath().resolve("stat"));
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        out.put(t.getName() + " " + name, Long.parseLong(f[11]) + Long.parseLong(f[12]));
      } catch (java.io.IOException | RuntimeException gone) {
        // the thread ended between the listing and the read
      }
    }
    return out;
  }

  /** The round's CPU by thread group (names without their numbers), biggest first, in us per event. */
  static String byThreadGroup(Map<String, Long> before, Map<String, Long> after, int events) {
    Map<String, Long> groups = new java.util.TreeMap<>();
    after.forEach((thread, ticks) -> {
      String group = thread.substring(thread.indexOf(' ') + 1).replaceAll("[-#]?\\d+(-\\d+)?-?$", "").strip();
      groups.merge(group, ticks - before.getOrDefault(thread, 0L), Long::sum);
    });
    long hz = Long.getLong("clk.tck", 100);
    return groups.entrySet().stream().filter(g -> g.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .map(g -> String.format("%s %.0f", g.getKey(), g.getValue() * 1e6 / hz / events))
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /**
   * The node's CPU time (user + system) from /proc, or -1 without -Dnode.pid: the measured round's
   * share of it, which the JIT's warm-up (in the earlier rounds) does not inflate.
   */
  static long nodeCpuNanos() throws java.io.IOException {
    String pid = System.getProperty("node.pid");
    if (pid == null) {
      return -1;
    }
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    return ticks * 1_000_000_000L / Long.getLong("clk.tck", 100);
  }

  static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** What one load round measured. */
  record Load(long okNanos, int refused, long[] latency, int delivered, double lastDeliveryAfterOkMs, long fanoutNanos) {
    double perSecond() {
      return (latency.length - refused) / (okNanos / 1e9);
    }
  }

  /** Publishers with a window each send {@code events}; subscribers on {@code tag} count deliveries. */
  static Load load(URI uri, List<Event> events, String tag, int publishers, int window, int subscribers)
      throws Exception {
    int total = events.size();
    CountDownLatch eose = new CountDownLatch(subscribers);
    CountDownLatch allDelivered = new CountDownLatch(total * subscribers);
    AtomicLong lastDelivery = new AtomicLong();
    List<Channel> subs = new ArrayList<>();
    for (int s = 0; s < subscribers; s++) {
      Channel sub = connect(uri, m -> {
        if (m.startsWith("[\"EVENT\",\"live\"")) {
          lastDelivery.set(System.nanoTime());
          allDelivered.countDown();
        } else if (m.startsWith("[\"EOSE\"")) {
          eose.countDown();
        }
      });
      sub.writeAndFlush(new TextWebSocketFrame("[\"REQ\",\"live\",{\"#t\":[\"" + tag + "\"],\"limit\":0}]"));
      subs.add(sub);
    }
    if (!eose.await(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no EOSE");
    }
    ConcurrentHashMap<String, Long> sent = new ConcurrentHashMap<>();
    long[] latency = new long[total];
    AtomicInteger oks = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicLong lastOk = new AtomicLong();
    CountDownLatch allOk = new CountDownLatch(total);
    List<Thread> threads = new ArrayList<>();
    List<Channel> pubs = new ArrayList<>();
    long start = System.nanoTime();
    for (int p = 0; p < publishers; p++) {
      List<Event> mine = new ArrayList<>();
      for (int i = p; i < total; i += publishers) {
        mine.add(events.get(i));
      }
      Semaphore credits = new Semaphore(window);
      Channel c = connect(uri, m -> {
        String id = okId(m);
        if (id == null) {
          return;
        }
        long now = System.nanoTime();
        Long at = sent.remove(id);
        if (at != null) {
          latency[oks.getAndIncrement()] = now - at;
        }
        if (!okAccepted(m)) {
          refused.incrementAndGet();
        }
        lastOk.set(now);
        credits.release();
        allOk.countDown();
      });
      pubs.add(c);
      Thread t = new Thread(() -> {
        try {
          for (Event e : mine) {
            credits.acquire();
            String frame = "[\"EVENT\"," + e.toJson() + "]";
            sent.put(e.id(), System.nanoTime());
            c.writeAndFlush(new TextWebSocketFrame(frame));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "publisher-" + p);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    if (!allOk.await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException("only " + (total - allOk.getCount()) + " OKs in 300 s");
    }
    boolean delivered = allDelivered.await(60, TimeUnit.SECONDS);
    long okNanos = lastOk.get() - start;
    long[] lat = Arrays.copyOf(latency, oks.get());
    Arrays.sort(lat);
    for (Channel c : subs) {
      c.close().sync();
    }
    for (Channel c : pubs) {
      c.close().sync();
    }
    return new Load(okNanos, refused.get(), lat, (int) (total * subscribers - allDelivered.getCount()),
        (lastDelivery.get() - lastOk.get()) / 1e6, lastDelivery.get() - start);
  }
}
