package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.warren.api.PeerId;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import io.warren.testing.TestEventLoops;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node under attack loses no stored data: a relay node is flooded with valid signed events (from
 * several connections and keys) while proxy rules are added through its console, then killed with
 * SIGKILL in the middle of it, and restarted on the same data directory. Every event the relay had
 * answered {@code OK true} before it died is served by a REQ afterwards, and every rule
 * {@code proxy:add} had confirmed is listed by {@code proxy:list}.
 *
 * <p>The relay answers OK once a batch is forced to its journal and stores the journal in the
 * database later, so at the kill the last second or so of acknowledged events is only in the
 * journal: this test is what shows they are stored on the next start (the node says so in its log).
 */
class KillDuringFloodTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  /** Events acknowledged and rules confirmed before the kill: enough to be a flood, few enough for CI. */
  private static final int EVENTS_BEFORE_KILL = 1500;
  private static final int RULES_BEFORE_KILL = 3;
  private static final int PUBLISHERS = 2;
  private static final int WINDOW = 128;
  private static final int KEYS = 16;
  private static final Pattern OK = Pattern.compile("^\\[\"OK\",\"([0-9a-f]{64})\",(true|false),");
  private static final Pattern RULE = Pattern.compile("^rule (\\d+):", Pattern.MULTILINE);
  private static final Pattern EVENT_ID = Pattern.compile("\"id\":\"([0-9a-f]{64})\"");

  @TempDir Path dir;
  private final TestEventLoops loops = new TestEventLoops(1);
  private final List<Channel> connections = new ArrayList<>();

  @AfterEach
  void close() {
    connections.forEach(Channel::close);
    loops.close();
  }

  @Test
  void eventsAcknowledgedAndRulesConfirmedBeforeAKillDuringAFloodSurviveARestart() throws Exception {
    Path home = NodeProcess.installation(dir);
    // the flood is of valid events: the per-connection rate limits are raised so that they are accepted
    Files.writeString(home.resolve("etc/io.warren.nostr.relay.cfg"),
        "enabled = true\nport = 0\nevents.per.second = 100000\nreqs.per.second = 1000\n");
    Path data = dir.resolve("data");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Map<String, Integer> rules = new ConcurrentHashMap<>(); // id -> port
    AtomicBoolean flooding = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    int rejected;
    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      URI url = relayUrl(node);
      Set<String> refusals = ConcurrentHashMap.newKeySet();
      for (int p = 0; p < PUBLISHERS; p++) {
        Semaphore window = new Semaphore(WINDOW);
        Channel ch = connect(url, m -> {
          Matcher ok = OK.matcher(m);
          if (ok.find()) {
            if (ok.group(2).equals("true")) {
              acknowledged.add(ok.group(1));
            } else {
              refusals.add(m);
            }
            window.release();
          }
        });
        Thread t = new Thread(() -> publish(ch, window, flooding), "flood-" + p);
        threads.add(t);
        t.start();
      }
      String origin = PeerId.ofEd25519(new SecureRandom().generateSeed(32)).toString();
      Thread admin = new Thread(() -> addRules(node, origin, rules, flooding), "proxy-add");
      threads.add(admin);
      admin.start();

      Await.until(WAIT, () -> acknowledged.size() >= EVENTS_BEFORE_KILL && rules.size() >= RULES_BEFORE_KILL,
          "the relay to acknowledge " + EVENTS_BEFORE_KILL + " events and proxy:add to confirm " + RULES_BEFORE_KILL
              + " rules (so far " + acknowledged.size() + " and " + rules.size() + "; refusals " + refusals + ")");
      assertTrue(threads.stream().allMatch(Thread::isAlive), "the flood is still going when the node is killed");
      node.kill9();
      flooding.set(false);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      rejected = refusals.size();
    }
    connections.forEach(Channel::close);
    Set<String> mustHave = new HashSet<>(acknowledged);
    Map<String, Integer> mustList = Map.copyOf(rules);

    try (NodeProcess node = NodeProcess.start(home, data)) {
      node.awaitReady();
      assertTrue(node.err().contains("Nostr journal: storing"),
          "the restarted relay stored events it had only journaled before the kill:\n" + node.err());
      Set<String> served = query(relayUrl(node), new ArrayList<>(mustHave));
      Set<String> lost = new HashSet<>(mustHave);
      lost.removeAll(served);
      assertEquals(Set.of(), lost, lost.size() + " of " + mustHave.size()
          + " events acknowledged with OK true before the kill are gone (" + rejected + " were refused)");

      Result list = node.client("proxy:list");
      assertEquals(0, list.exit(), list.toString());
      for (Map.Entry<String, Integer> r : mustList.entrySet()) {
        assertTrue(Pattern.compile("(?m)^" + r.getKey() + "\\s.*\\b" + r.getValue() + "\\b").matcher(list.out()).find(),
            "rule " + r.getKey() + " (port " + r.getValue() + "), confirmed before the kill, is listed:\n" + list);
      }
    }
  }

  private static URI relayUrl(NodeProcess node) {
    String url = node.bannerValues("listening").stream().filter(a -> a.startsWith("ws://")).findFirst()
        .orElseThrow(() -> new AssertionError("no ws:// address in the banner\n" + node.out()));
    return URI.create(url);
  }

  /** Signs and sends events from {@link #KEYS} keys, keeping at most {@link #WINDOW} unanswered. */
  private static void publish(Channel ch, Semaphore window, AtomicBoolean flooding) {
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      keys.add(Bip340.newSecretKey());
    }
    long now = System.currentTimeMillis() / 1000;
    for (int i = 0; flooding.get() && ch.isActive(); i++) {
      try {
        if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
          continue;
        }
      } catch (InterruptedException e) {
        return;
      }
      Event e = Event.sign(keys.get(i % KEYS), now - (i % 600), 1, List.of(List.of("t", "flood")),
          Thread.currentThread().getName() + " event " + i);
      ch.writeAndFlush(new TextWebSocketFrame("[\"EVENT\"," + e.toJson() + "]"));
    }
  }

  /** Adds ingress rules one after another until the flood ends; records the ones the node confirmed. */
  private static void addRules(NodeProcess node, String origin, Map<String, Integer> rules, AtomicBoolean flooding) {
    for (int port = 20_000; flooding.get() && port < 21_000; port++) {
      try {
        Result r = node.client("proxy:add", "--direction", "ingress", "--origin", origin, "--port",
            Integer.toString(port));
        Matcher m = RULE.matcher(r.out());
        if (r.exit() == 0 && m.find()) {
          rules.put(m.group(1), port);
        }
      } catch (Exception e) {
        return; // the node is gone
      }
    }
  }

  /** The ids of the given events the relay serves, asked for 100 at a time. */
  private Set<String> query(URI url, List<String> ids) throws Exception {
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    Channel ch = connect(url, received::add);
    Set<String> served = new HashSet<>();
    for (int from = 0, n = 0; from < ids.size(); from += 100, n++) {
      List<String> batch = ids.subList(from, Math.min(ids.size(), from + 100));
      String sub = "check" + n;
      ch.writeAndFlush(new TextWebSocketFrame("[\"REQ\",\"" + sub + "\",{\"ids\":[\"" + String.join("\",\"", batch)
          + "\"],\"limit\":" + batch.size() + "}]"));
      while (true) {
        String m = received.poll(30, TimeUnit.SECONDS);
        if (m == null) {
          throw new AssertionError("no EOSE for " + sub + " within 30 s");
        }
        if (m.startsWith("[\"CLOSED\",\"" + sub + "\"")) {
          throw new AssertionError("the relay refused the check query: " + m);
        }
        if (m.startsWith("[\"EOSE\",\"" + sub + "\"")) {
          break;
        }
        Matcher e = EVENT_ID.matcher(m);
        if (m.startsWith("[\"EVENT\",\"" + sub + "\"") && e.find()) {
          served.add(e.group(1));
        }
      }
      ch.writeAndFlush(new TextWebSocketFrame("[\"CLOSE\",\"" + sub + "\"]"));
    }
    return served;
  }

  /** A WebSocket connection that hands every text message to {@code onMessage} on its event loop. */
  private Channel connect(URI uri, Consumer<String> onMessage) throws Exception {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    WebSocketClientProtocolConfig cfg = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
        .version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders()).maxFramePayloadLength(1 << 24).build();
    Channel ch = new Bootstrap().group(loops.group()).channel(loops.socketChannel())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                new WebSocketClientProtocolHandler(cfg), new SimpleChannelInboundHandler<TextWebSocketFrame>() {
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
    connections.add(ch);
    return ch;
  }
}
