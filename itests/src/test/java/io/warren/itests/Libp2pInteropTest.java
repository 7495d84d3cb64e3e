package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Wire compatibility with the real js-libp2p (TCP + Noise or TLS 1.3 + Yamux, identify, ping,
 * echo), both ways, against a node process started from the distribution (which proposes
 * {@code /tls/1.0.0} first and accepts {@code /noise}). The js peer speaks Noise only unless a test
 * gives it {@code --security}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Libp2pInteropTest {
  private static final Duration JS_TIMEOUT = Duration.ofSeconds(120);
  private static final int TEN_MB = 10 * 1024 * 1024;

  @TempDir static Path dir;
  private NodeProcess node;
  private String javaAddr;
  private String javaPeerId;

  @BeforeAll
  void startNode() throws Exception {
    JsLibp2p.dir();
    node = NodeProcess.start(NodeProcess.installation(dir), dir.resolve("data"));
    node.awaitReady();
    javaPeerId = node.banner("peer ID");
    NodeProcess.Result addrs = node.client("p2p:addrs");
    assertEquals(0, addrs.exit(), addrs.toString());
    javaAddr = addrs.out().strip();
    assertTrue(javaAddr.matches("/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/" + javaPeerId), javaAddr);
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.stop();
    }
  }

  @ParameterizedTest(name = "js with a {0} key dials Java")
  @ValueSource(strings = {"ed25519", "secp256k1", "rsa"})
  void jsDialsJavaIdentifiesPingsAndEchoes(String key) throws Exception {
    int bytes = "ed25519".equals(key) ? TEN_MB : 1024 * 1024;
    String r = JsLibp2p.run(JS_TIMEOUT, "dial", javaAddr, "--key", key, "--pings", "3", "--echo-bytes",
        String.valueOf(bytes));
    assertEquals(javaPeerId, JsLibp2p.field(r, "\"identify\":\\{\"peerId\":\"([^\"]+)\""), r);
    assertTrue(JsLibp2p.field(r, "\"agentVersion\":\"([^\"]+)\"").startsWith("warren/"), r);
    assertEquals("ipfs/0.1.0", JsLibp2p.field(r, "\"protocolVersion\":\"([^\"]+)\""), r);
    String protocols = JsLibp2p.field(r, "\"protocols\":\\[([^\\]]*)\\]");
    for (String p : new String[] {"/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0", "/echo/1.0.0"}) {
      assertTrue(protocols.contains("\"" + p + "\""), p + " listed by identify: " + r);
    }
    assertTrue(javaAddr.startsWith(JsLibp2p.field(r, "\"listenAddrs\":\\[\"([^\"]+)\"")), r);
    assertTrue(JsLibp2p.field(r, "\"observedAddr\":\"([^\"]+)\"").startsWith("/ip4/127.0.0.1/tcp/"), r);
    assertEquals(3, JsLibp2p.field(r, "\"pings\":\\[([^\\]]*)\\]").split(",").length, r);
    assertEquals(String.valueOf(bytes), JsLibp2p.field(r, "\"received\":(\\d+)"), r);
    assertEquals("true", JsLibp2p.field(r, "\"identical\":(true|false)"), "echo is byte-identical: " + r);
    String jsPeer = JsLibp2p.field(r, "\"jsPeerId\":\"([^\"]+)\"");
    assertTrue(jsPeer.startsWith(switch (key) {
      case "ed25519" -> "12D3KooW";
      case "secp256k1" -> "16Uiu2HA";
      default -> "Qm";
    }), jsPeer);
  }

  @Test
  void javaDialsJsPingsAndEchoesThroughTheConsole() throws Exception {
    try (JsListener listener = connectToJs("--key", "secp256k1")) {
      JsLibp2p js = listener.js();
      String jsPeer = listener.peer();
      String jsAddr = listener.addr();
      NodeProcess.Result connect = listener.connect();
      assertTrue(connect.out().contains("js-libp2p/") && connect.out().contains("signed peer record (verified)"),
          "js identified, with a signed peer record that verifies: " + connect.out());
      assertTrue(connect.out().matches("(?s).*security\\s+/noise.*"), "a Noise-only peer gets Noise: " + connect.out());

      NodeProcess.Result ping = node.client("p2p:ping", "-c", "3", jsAddr);
      assertEquals(0, ping.exit(), ping.toString());
      assertTrue(ping.out().contains("PING " + jsPeer) && ping.out().contains("(direct)"), ping.out());
      assertTrue(ping.out().matches("(?s).*seq=3 rtt=\\d+\\.\\d+ ms.*"), ping.out());

      echoFromJava(jsPeer, TEN_MB);

      NodeProcess.Result peers = node.client("p2p:peers");
      assertTrue(peers.out().contains(jsPeer) && peers.out().contains("js-libp2p/"), peers.out());
      String identified = js.nextLine(Duration.ofSeconds(30));
      assertTrue(identified.contains("\"event\":\"identify\"") && identified.contains(javaPeerId), identified);
    }
  }

  @ParameterizedTest(name = "js speaking {0} dials Java over TLS")
  @ValueSource(strings = {"tls", "tls,noise"})
  void jsDialsJavaOverTls(String security) throws Exception {
    int bytes = "tls".equals(security) ? TEN_MB : 1024 * 1024;
    String r = JsLibp2p.run(JS_TIMEOUT, "dial", javaAddr, "--security", security, "--pings", "2", "--echo-bytes",
        String.valueOf(bytes));
    assertEquals("/tls/1.0.0", JsLibp2p.field(r, "\"encryption\":\"([^\"]+)\""), r);
    assertEquals("/yamux/1.0.0", JsLibp2p.field(r, "\"multiplexer\":\"([^\"]+)\""), r);
    assertEquals(javaPeerId, JsLibp2p.field(r, "\"identify\":\\{\"peerId\":\"([^\"]+)\""), r);
    assertEquals(2, JsLibp2p.field(r, "\"pings\":\\[([^\\]]*)\\]").split(",").length, r);
    assertEquals(String.valueOf(bytes), JsLibp2p.field(r, "\"received\":(\\d+)"), r);
    assertEquals("true", JsLibp2p.field(r, "\"identical\":(true|false)"), "echo over TLS is byte-identical: " + r);
  }

  @ParameterizedTest(name = "Java dials js speaking {0} over TLS")
  @ValueSource(strings = {"tls", "noise,tls"})
  void javaDialsJsOverTls(String security) throws Exception {
    try (JsListener listener = connectToJs("--security", security, "--connection-events")) {
      JsLibp2p js = listener.js();
      String jsPeer = listener.peer();
      NodeProcess.Result connect = listener.connect();
      assertTrue(connect.out().matches("(?s).*security\\s+/tls/1\\.0\\.0.*") && connect.out().contains("js-libp2p/"),
          "Java proposes TLS first, js accepts it: " + connect.out());
      String opened = js.nextLine(Duration.ofSeconds(30));
      assertTrue(opened.contains("\"event\":\"connection\"") && opened.contains("\"encryption\":\"/tls/1.0.0\"")
          && opened.contains(javaPeerId), "js sees TLS from the Java node: " + opened);

      echoFromJava(jsPeer, "tls".equals(security) ? TEN_MB : 1024 * 1024);
      NodeProcess.Result peers = node.client("p2p:peers");
      assertTrue(peers.out().lines().anyMatch(l -> l.contains(jsPeer) && l.contains("/tls/1.0.0")), peers.out());
    }
  }

  @Test
  void aDeployedPluginsProtocolIsPushedToJsAndServesIt() throws Exception {
    String protocol = "/warren/diag/echo/1.0.0";
    try (JsLibp2p js = JsLibp2p.start("listen")) {
      String jsAddr = JsLibp2p.field(js.nextLine(Duration.ofSeconds(30)), "\"addrs\":\\[\"([^\"]+)\"");
      NodeProcess.Result connect = node.client("p2p:connect", jsAddr);
      assertEquals(0, connect.exit(), connect.toString());
      String first = js.nextLine(Duration.ofSeconds(30));
      assertTrue(first.contains("\"event\":\"identify\"") && !first.contains(protocol), first);

      Path jar = node.home().resolve("deploy/warren-diag.jar");
      Files.copy(Path.of(System.getProperty("warren.diag.jar")), jar);
      awaitIdentifyLine(js, true, protocol);
      String r = JsLibp2p.run(JS_TIMEOUT, "dial", javaAddr, "--pings", "1", "--echo-bytes", "1048576",
          "--raw-echo", protocol);
      assertEquals("true", JsLibp2p.field(r, "\"identical\":(true|false)"), "the plugin echoed every byte: " + r);
      assertEquals("1048576", JsLibp2p.field(r, "\"received\":(\\d+)"), r);

      Files.delete(jar);
      awaitIdentifyLine(js, false, protocol);
    }
  }

  /** A js peer listening, and the node's {@code p2p:connect} to it (which succeeded). */
  private record JsListener(JsLibp2p js, String peer, String addr, NodeProcess.Result connect)
      implements
        AutoCloseable {
    @Override
    public void close() throws Exception {
      js.close();
    }
  }

  /** Starts {@code node peer.mjs listen args...} and connects the node to it. */
  private JsListener connectToJs(String... args) throws Exception {
    String[] listen = new String[args.length + 1];
    listen[0] = "listen";
    System.arraycopy(args, 0, listen, 1, args.length);
    JsLibp2p js = JsLibp2p.start(listen);
    try {
      String hello = js.nextLine(Duration.ofSeconds(30));
      String addr = JsLibp2p.field(hello, "\"addrs\":\\[\"([^\"]+)\"");
      NodeProcess.Result connect = node.client("p2p:connect", addr);
      assertEquals(0, connect.exit(), connect.toString());
      return new JsListener(js, JsLibp2p.field(hello, "\"peerId\":\"([^\"]+)\""), addr, connect);
    } catch (Exception | Error e) {
      js.close();
      throw e;
    }
  }

  /** The node echoes {@code bytes} with the js peer over /echo/1.0.0 and gets every byte back. */
  private void echoFromJava(String jsPeer, int bytes) throws Exception {
    NodeProcess.Result echo = node.client("p2p:echo", "-n", String.valueOf(bytes), jsPeer);
    assertEquals(0, echo.exit(), echo.toString());
    assertTrue(echo.out().matches("(?s).*identical\\s+true.*"), echo.out());
    assertTrue(echo.out().matches("(?s).*bytes\\s+" + bytes + ".*"), echo.out());
  }

  /** Waits for js to report an identify (push) from the node that lists, or no longer lists, {@code protocol}. */
  private static void awaitIdentifyLine(JsLibp2p js, boolean listed, String protocol) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      String line = js.nextLine(Duration.ofSeconds(60));
      if (line.contains("\"event\":\"identify\"") && line.contains("\"" + protocol + "\"") == listed) {
        return;
      }
    }
    throw new AssertionError("no identify push " + (listed ? "with " : "without ") + protocol);
  }

  @Test
  void aPeerThatIsNotThereIsAClearError() throws Exception {
    NodeProcess.Result r = node.client("p2p:ping", "/ip4/127.0.0.1/tcp/1/p2p/" + javaPeerId.replace('W', 'X'));
    assertTrue(r.exit() != 0, r.toString());
    NodeProcess.Result r2 = node.client("p2p:ping", "/ip4/127.0.0.1/tcp/1");
    assertTrue(r2.exit() != 0 && r2.err().contains("cannot connect to /ip4/127.0.0.1/tcp/1"), r2.toString());
  }
}
