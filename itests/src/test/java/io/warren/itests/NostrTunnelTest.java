package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices behind one relay, each a real node process: discovery, curl through the relay's HTTP
 * gateway to an HTTP server on a device, OpenSSH through {@code relay:pipe} as ProxyCommand to an
 * sshd on a device, a relay restart the devices recover from by themselves, and bad input.
 */
class NostrTunnelTest {
  /** BIP-340 test vector 0: the key a device allows in the bad-input test. */
  private static final String ALLOWED_SECRET = "0000000000000000000000000000000000000000000000000000000000000003";
  private static final String ALLOWED_PUBKEY = "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9";

  @TempDir Path dir;
  private HttpServer http;
  private Process sshd;
  private final List<NodeProcess> nodes = new ArrayList<>();

  @BeforeEach
  void httpServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/echo", x -> {
      String body = "method=" + x.getRequestMethod() + "\npath=" + x.getRequestURI() + "\nx-multi="
          + x.getRequestHeaders().get("X-Multi") + "\n";
      respond(x, body.getBytes(StandardCharsets.UTF_8));
    });
    http.createContext("/upload", x -> {
      try (InputStream in = x.getRequestBody()) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[65536];
        long n = 0;
        int r;
        while ((r = in.read(buf)) >= 0) {
          sha.update(buf, 0, r);
          n += r;
        }
        respond(x, ("bytes=" + n + " sha256=" + HexFormat.of().formatHex(sha.digest()) + "\n")
            .getBytes(StandardCharsets.UTF_8));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IOException(e);
      }
    });
    http.createContext("/big", x -> {
      long n = Long.parseLong(x.getRequestURI().getQuery().substring(2));
      x.sendResponseHeaders(200, 0); // chunked
      byte[] block = new byte[65536];
      new Random(7).nextBytes(block);
      try (OutputStream out = x.getResponseBody()) {
        for (long left = n; left > 0; left -= block.length) {
          out.write(block, 0, (int) Math.min(block.length, left));
        }
      }
    });
    http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    http.start();
  }

  private static void respond(HttpExchange x, byte[] b) throws IOException {
    x.getResponseHeaders().set("Content-Type", "text/plain");
    x.sendResponseHeaders(200, b.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(b);
    }
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (http != null) {
      http.stop(0);
    }
    if (sshd != null) {
      sshd.destroy();
      sshd.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private NodeProcess start(Path home, Path data) throws Exception {
    NodeProcess n = NodeProcess.start(home, data);
    nodes.add(n);
    n.awaitReady();
    return n;
  }

  private Path relayHome(int port) throws IOException {
    Path home = NodeProcess.installation(dir.resolve("relay"));
    NodeProcess.configure(home, "io.warren.nostr.relay", "enabled = true\nport = " + port + "\n");
    return home;
  }

  private Path deviceHome(String name, String relayUrl, String services, String allow) throws IOException {
    Path home = NodeProcess.installation(dir.resolve(name));
    NodeProcess.configure(home, "io.warren.nostr.client", "relays = " + relayUrl + "\nservices = " + services
        + "\nallow = " + allow + "\nreconnect.max.seconds = 2\n");
    return home;
  }

  /** Waits until {@code node} sees {@code callsign}'s service {@code service} announced. */
  private static void awaitService(NodeProcess node, String callsign, String service) throws Exception {
    node.awaitClient(Duration.ofSeconds(60), r -> r.exit() == 0 && r.out().contains(callsign + "/" + service),
        "relay:services", callsign);
  }

  private static Result curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60"));
    cmd.addAll(List.of(args));
    return NodeProcess.run(cmd, null);
  }

  /** Polls the gateway until the device answers again (after a relay restart). */
  private static void awaitGateway(String url) throws Exception {
    Await.until(Duration.ofSeconds(60), NodeProcess.CLIENT_POLL,
        () -> curl("-o", "/dev/null", "-w", "%{http_code}", url).out().equals("200"),
        "the gateway to serve " + url + " again");
  }

  /** An sshd on loopback with a fresh host key, accepting one fresh client key. */
  private int startSshd() throws Exception {
    Path s = Files.createDirectories(dir.resolve("sshd"));
    for (String k : List.of("host", "client")) {
      Result r =
          NodeProcess.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", s.resolve(k).toString()), null);
      assertEquals(0, r.exit(), r.toString());
    }
    Files.copy(s.resolve("client.pub"), s.resolve("authorized_keys"));
    Files.setPosixFilePermissions(s.resolve("authorized_keys"), PosixFilePermissions.fromString("rw-------"));
    int port = NodeProcess.freePort();
    Files.writeString(s.resolve("sshd_config"), String.join("\n",
        "ListenAddress 127.0.0.1", "Port " + port, "HostKey " + s.resolve("host"),
        "AuthorizedKeysFile " + s.resolve("authorized_keys"), "StrictModes no", "UsePAM no",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
        "PermitRootLogin yes", "PidFile " + s.resolve("sshd.pid"), ""));
    if (System.getProperty("user.name").equals("root")) {
      Files.createDirectories(Path.of("/run/sshd")); // privilege separation directory sshd insists on
    }
    sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", s.resolve("sshd_config").toString())
        .redirectErrorStream(true).redirectOutput(s.resolve("sshd.log").toFile()).start();
    Await.until(Duration.ofSeconds(20), () -> {
      try (java.net.Socket c = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
        return true;
      } catch (IOException e) {
        return !sshd.isAlive();
      }
    }, "sshd listening");
    assertTrue(sshd.isAlive(), "sshd runs: " + Files.readString(s.resolve("sshd.log")));
    return port;
  }

  private Result ssh(NodeProcess via, String device, String command) throws Exception {
    String proxy =
        via.home().resolve("bin/warren") + " client --data-dir " + via.dataDir() + " relay:pipe " + device + " ssh";
    return NodeProcess.run(List.of("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30",
        "-i", dir.resolve("sshd/client").toString(), "-o", "ProxyCommand=" + proxy,
        System.getProperty("user.name") + "@device-" + device, command), null);
  }

  @Test
  void twoDevicesBehindOneRelay() throws Exception {
    int relayPort = NodeProcess.freePort();
    String relayUrl = "ws://127.0.0.1:" + relayPort;
    String gateway = "http://127.0.0.1:" + relayPort;
    int sshPort = startSshd();
    Path relayHome = relayHome(relayPort);
    NodeProcess relay = start(relayHome, dir.resolve("relay-data"));

    NodeProcess laptop = start(deviceHome("laptop", relayUrl, "", ""), dir.resolve("laptop-data"));
    String laptopNpub = laptop.banner("npub");
    NodeProcess server = start(deviceHome("server", relayUrl, "web=http://127.0.0.1:" + http.getAddress().getPort()
        + ";public=true;description=A test site, ssh=tcp://127.0.0.1:" + sshPort + ";public=false;description=OpenSSH",
        laptopNpub), dir.resolve("server-data"));
    String callsign = server.banner("npub").substring(5, 17);

    // discovery: an ordinary REQ through the relay, from the other device and on the relay itself
    awaitService(laptop, callsign, "web");
    Result services = laptop.client("relay:services");
    assertTrue(services.out().contains(callsign + "/ssh  tcp  private  OpenSSH"), services.toString());
    assertTrue(services.out().contains(callsign + "/web  http  public  A test site"), services.toString());
    assertTrue(relay.client("relay:services", callsign).out().contains(callsign + "/web"), "relay lists services");

    // curl through the gateway: query string, repeated headers, a large chunked binary upload, a large download
    Result echo =
        curl("-H", "X-Multi: one", "-H", "X-Multi: two", gateway + "/tunnel/" + callsign + "/web/echo/a%20b?x=1&y=2");
    assertTrue(echo.out().contains("path=/echo/a%20b?x=1&y=2"), echo.toString());
    assertTrue(echo.out().contains("x-multi=[one, two]") || echo.out().contains("x-multi=[one,two]"), echo.toString());
    byte[] upload = new byte[8 << 20];
    new Random(1).nextBytes(upload);
    Path file = dir.resolve("upload.bin");
    Files.write(file, upload);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload));
    Result up = curl("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file,
        gateway + "/tunnel/" + callsign + "/web/upload");
    assertEquals("bytes=" + upload.length + " sha256=" + sha + "\n", up.out(), up.toString());
    Result down = curl("-o", dir.resolve("down.bin").toString(), "-w", "%{http_code} %{size_download}",
        gateway + "/tunnel/" + callsign + "/web/big?n=33554432");
    assertEquals("200 33554432", down.out(), down.toString());
    Result priv = curl("-o", "/dev/null", "-w", "%{http_code}", gateway + "/tunnel/" + callsign + "/ssh/");
    assertEquals("401", priv.out(), "a private service needs authorization: " + priv);

    // OpenSSH through relay:pipe as ProxyCommand, from the allowed device; the relay itself is not allowed
    Result hello = ssh(laptop, callsign, "echo hello");
    assertEquals(0, hello.exit(), hello.toString());
    assertEquals("hello\n", hello.out(), hello.toString());
    Result refused = ssh(relay, callsign, "echo hello");
    assertTrue(refused.exit() != 0 && refused.err().contains("restricted:"), refused.toString());

    // relay:connect: a local port tunnelled to the device's web service
    int local = NodeProcess.freePort();
    Result fwd = laptop.client("relay:connect", "--port", String.valueOf(local), callsign + "/web");
    assertEquals(0, fwd.exit(), fwd.toString());
    Result viaFwd = curl("http://127.0.0.1:" + local + "/echo?fwd=1");
    assertTrue(viaFwd.out().contains("path=/echo?fwd=1"), viaFwd.toString());

    Result status = curl(gateway + "/api/status");
    assertTrue(status.out().contains("\"devices\":2"), status.toString());
    Result dev = curl(gateway + "/api/devices/" + callsign);
    assertTrue(dev.out().contains("\"callsign\":\"" + callsign + "\"") && dev.out().contains("\"name\":\"web\""),
        dev.toString());

    // relay restart: the devices reconnect by themselves and tunnels work again
    relay.stop();
    nodes.remove(relay);
    relay = start(relayHome, dir.resolve("relay-data"));
    awaitGateway(gateway + "/tunnel/" + callsign + "/web/echo?again=1");
    awaitService(laptop, callsign, "ssh");
    Result again = ssh(laptop, callsign, "echo again");
    assertEquals("again\n", again.out(), again.toString());
    assertTrue(server.alive() && laptop.alive(), "devices still run");
  }

  @Test
  void badInputIsRefusedAndTheRelayKeepsServing() throws Exception {
    int relayPort = NodeProcess.freePort();
    String relayUrl = "ws://127.0.0.1:" + relayPort;
    NodeProcess relay = start(relayHome(relayPort), dir.resolve("relay-data"));
    int web = http.getAddress().getPort();
    int wsPort = startWebSocketEcho();
    NodeProcess device = start(deviceHome("device", relayUrl,
        "web=http://127.0.0.1:" + web + ";public=true, priv=http://127.0.0.1:"
            + web + ";public=false, ssh=tcp://127.0.0.1:1;public=false, ws=http://127.0.0.1:" + wsPort + ";public=true",
        ALLOWED_PUBKEY), dir.resolve("device-data"));
    String npub = device.banner("npub");
    String callsign = npub.substring(5, 17);
    awaitService(device, callsign, "priv");
    String hex =
        device.client("relay:services", callsign).out().replaceAll("(?s).*\\(([0-9a-f]{64})\\).*", "$1").trim();
    assertTrue(hex.matches("[0-9a-f]{64}"), "device key: " + hex);

    Set<String> before = filesOutsideData();
    Path itests = Path.of(System.getProperty("warren.itests.dir"));
    Result js = NodeProcess.run(List.of("node", "--experimental-websocket", "--no-warnings",
        itests.resolve("src/test/js/nostr-device-bad-input.mjs").toString(), relayUrl, hex, callsign, ALLOWED_SECRET),
        null);
    assertEquals(0, js.exit(), js.toString());
    assertTrue(js.out().contains("10 passed, 0 failed"), js.toString());
    assertTrue(relay.alive() && device.alive(), "relay and device survived");
    assertEquals(before, filesOutsideData(), "nothing written outside the data directories");
    Result tunnel = NodeProcess
        .run(List.of("curl", "-sS", "http://127.0.0.1:" + relayPort + "/tunnel/" + callsign + "/web/echo?ok=1"), null);
    assertTrue(tunnel.out().contains("path=/echo?ok=1"), tunnel.toString());

    // a WebSocket upgrade passes through the gateway to the device's service
    java.util.concurrent.CompletableFuture<String> echoed = new java.util.concurrent.CompletableFuture<>();
    java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(java.net.URI.create(relayUrl + "/tunnel/" + callsign + "/ws/chat"),
            new java.net.http.WebSocket.Listener() {
              @Override
              public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data,
                  boolean last) {
                echoed.complete(data.toString());
                return null;
              }
            })
        .get(30, TimeUnit.SECONDS);
    ws.sendText("hello through the relay", true);
    assertEquals("echo: hello through the relay", echoed.get(30, TimeUnit.SECONDS));
    ws.abort();
  }

  /**
   * A minimal WebSocket server on loopback: answers the upgrade and echoes one short text message
   * (prefixed with "echo: "), so the test needs no third-party server.
   */
  private int startWebSocketEcho() throws IOException {
    ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try (server; java.net.Socket s = server.accept()) {
        var in = new java.io.DataInputStream(s.getInputStream());
        String key = null;
        StringBuilder line = new StringBuilder();
        while (true) {
          int c = in.read();
          if (c < 0) {
            return;
          }
          if (c != '\n') {
            line.append((char) c);
            continue;
          }
          String l = line.toString().trim();
          line.setLength(0);
          if (l.isEmpty()) {
            break;
          }
          if (l.toLowerCase().startsWith("sec-websocket-key:")) {
            key = l.substring(18).trim();
          }
        }
        String accept = java.util.Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
            .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        in.readUnsignedByte(); // FIN + text
        int len = in.readUnsignedByte() & 0x7f; // masked, short
        byte[] mask = in.readNBytes(4);
        byte[] payload = in.readNBytes(len);
        for (int i = 0; i < len; i++) {
          payload[i] ^= mask[i % 4];
        }
        byte[] reply = ("echo: " + new String(payload, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        out.write(new byte[] {(byte) 0x81, (byte) reply.length});
        out.write(reply);
        out.flush();
        in.read(); // until the client goes away
      } catch (Exception e) {
        // the assertion on the client side reports what went wrong
      }
    }, "ws-echo");
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  /** Files under the test folder, outside the nodes' data and log directories. */
  private Set<String> filesOutsideData() throws IOException {
    try (var s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString())
          .filter(p -> !p.matches("[^/]*-data(-logs)?(/.*)?") && !p.startsWith("sshd"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
