package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.nostr.Event;
import io.warren.nostr.internal.NostrTransportTest.Key;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-device origins in one JVM: a relay with {@code gateway.domain = gw.test} and two devices
 * whose web services answer with their own name; a request for a device's host reaches that device
 * only, hosts that name no device get 421, path-style requests are redirected to the device's host,
 * and a NIP-98 token for one device's host opens nothing on another's.
 */
class GatewayOriginTest {
  static final String DOMAIN = "gw.test";
  @TempDir Path dir;
  private H2Store h2;
  private final TestEventLoops loops = new TestEventLoops();
  private RelayServer relay;
  private DeviceHub hub;
  private final List<DeviceClient> devices = new ArrayList<>();
  private final List<HttpServer> servers = new ArrayList<>();
  /** The request heads the devices' web servers saw, as "name: header lines". */
  private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void startRelay() throws Exception {
    h2 = H2Store.open(dir);
    Key relayKey = Key.random();
    hub = new DeviceHub(
        NostrRelay.deviceSettings(Configs.of(NostrRelay.Config.class, Map.of("gateway_domain", DOMAIN))),
        new DeviceHub.Signer(relayKey.hex(), relayKey::signNostr));
    relay = new RelayServer(loops, Configs.relay(), new EventStore(h2), relayKey.hex(), "test", hub);
  }

  @AfterEach
  void stop() {
    devices.forEach(DeviceClient::deactivate);
    servers.forEach(s -> s.stop(0));
    relay.close();
    h2.close();
    loops.close();
  }

  /** A device whose services web (public) and private (for {@code allow}) answer "page of <name>". */
  private void device(Key key, String name, String allow) throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", x -> {
      StringBuilder h = new StringBuilder(name + ": ");
      x.getRequestHeaders().forEach((k, v) -> h.append(k).append('=').append(v).append(' '));
      seen.add(h.toString());
      byte[] b = ("page of " + name + " at " + x.getRequestURI() + "\n").getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Set-Cookie", "session=" + name + "; Domain=" + DOMAIN + "; Path=/");
      x.sendResponseHeaders(200, b.length);
      try (OutputStream out = x.getResponseBody()) {
        out.write(b);
      }
    });
    http.start();
    servers.add(http);
    String target = "http://127.0.0.1:" + http.getAddress().getPort();
    DeviceClient d = new DeviceClient(key, loops, NostrTransportTest.config(Map.of("relays",
        new String[] {relay.url()}, "services", new String[] {"web=" + target + ";public=true",
            "private=" + target + ";public=false"},
        "allow", new String[] {allow}, "reconnect_max_seconds", 1)));
    devices.add(d);
    String host = GatewayHosts.host(key.hex(), DOMAIN);
    Await.until(Duration.ofSeconds(20), () -> get(host, "/web/", null).startsWith("HTTP/1.1 200"),
        "device " + name + " serves its web service at " + host);
  }

  @Test
  void eachDeviceIsServedOnlyUnderItsOwnHost() throws Exception {
    Key a = Key.random();
    Key b = Key.random();
    Key user = Key.random();
    device(a, "A", user.hex());
    device(b, "B", user.hex());
    String hostA = GatewayHosts.host(a.hex(), DOMAIN);
    String hostB = GatewayHosts.host(b.hex(), DOMAIN);

    seen.clear();
    String fromA = get(hostA, "/web/x?y=1", null);
    assertTrue(fromA.startsWith("HTTP/1.1 200") && fromA.contains("page of A at /x?y=1"), fromA);
    assertTrue(fromA.toLowerCase(java.util.Locale.ROOT).contains("set-cookie: session=a; path=/\r\n"),
        "A's cookie stays on A's host (no Domain for B's host to share): " + fromA);
    String fromB = get(hostB, "/web/x",
        "Cookie: session=A\r\nProxy-Authorization: Basic c2VjcmV0\r\nForwarded: for=6.6.6.6\r\nX-Forwarded-Host: "
            + hostA + "\r\n");
    assertTrue(fromB.startsWith("HTTP/1.1 200") && fromB.contains("page of B at /x"), fromB);
    assertFalse(fromB.contains("page of A"), "B's host never shows A's content: " + fromB);
    List<String> heads = List.copyOf(seen);
    assertEquals(2, heads.size(), heads.toString());
    assertTrue(heads.get(0).startsWith("A: ") && heads.get(1).startsWith("B: "),
        "each request reached its device only: "
            + heads);
    String toB = heads.get(1);
    assertTrue(toB.contains("Host=[" + hostB + "]"), toB);
    assertTrue(toB.contains("X-forwarded-prefix=[/web]"), toB);
    assertFalse(toB.contains("Authorization") || toB.contains("c2VjcmV0"), "the node's credentials stay: " + toB);
    assertFalse(toB.contains("6.6.6.6") || toB.contains("X-forwarded-host"), "the client's claims stay: " + toB);

    // hosts under the domain that name no device, and a device's root
    for (String host : List.of(TunnelWire.callsign(a.hex()) + "." + DOMAIN, "www." + DOMAIN, "x." + hostA)) {
      String r = get(host, "/web/", null);
      assertTrue(r.startsWith("HTTP/1.1 421 "), host + ": " + r);
      assertFalse(r.contains("page of"), r);
    }
    String gone = get(GatewayHosts.host(Key.random().hex(), DOMAIN), "/web/", null);
    assertTrue(gone.startsWith("HTTP/1.1 404 ") && gone.contains("not connected"), gone);
    assertTrue(get(hostA, "/", null).startsWith("HTTP/1.1 404 "), "no service named");
    assertTrue(get(hostA, "/api/status", null).startsWith("HTTP/1.1 404 "), "a device host is all the device's: "
        + "its service 'api' is not announced, the relay's API is not there");
    String twoHosts = get(hostA, "/web/", "Host: " + hostB + "\r\n");
    assertTrue(twoHosts.startsWith("HTTP/1.1 400 "), twoHosts);

    // the relay's origin: path style is redirected, the API is served
    String port = ":" + URI.create(relay.url()).getPort();
    String redirect = get("127.0.0.1" + port, "/tunnel/" + TunnelWire.callsign(b.hex()) + "/web/x?y=1", null);
    assertTrue(redirect.startsWith("HTTP/1.1 308 "), redirect);
    assertTrue(redirect.contains("location: //" + hostB + port + "/web/x?y=1\r\n"), redirect);
    assertFalse(redirect.contains("page of"), redirect);
    String status = get("127.0.0.1" + port, "/api/devices/" + a.hex(), null);
    assertTrue(status.startsWith("HTTP/1.1 200") && status.contains("\"gateway_host\":\"" + hostA + "\""), status);

    // NIP-98: a token signed for A's host opens B's private service nowhere; on A's host it does
    String forA = nip98(user, "http://" + hostA + "/private/", "GET");
    String refused = get(hostB, "/private/", "Authorization: " + forA + "\r\n");
    assertTrue(refused.startsWith("HTTP/1.1 403 ") && refused.contains("does not name this host"), refused);
    String opened = get(hostA, "/private/", "Authorization: " + nip98(user, "http://" + hostA + "/private/", "GET")
        + "\r\n");
    assertTrue(opened.startsWith("HTTP/1.1 200") && opened.contains("page of A"), opened);
    assertFalse(seen.stream().anyMatch(h -> h.contains("Authorization")), "the NIP-98 header is not passed on: "
        + seen);
    assertTrue(get(hostA, "/private/", null).startsWith("HTTP/1.1 401 "));
  }

  static String nip98(Key key, String url, String method) {
    Event e = Event.sign(key.secret(), System.currentTimeMillis() / 1000, TunnelWire.HTTP_AUTH_KIND,
        List.of(List.of("u", url), List.of("method", method)), "");
    return "Nostr " + Base64.getEncoder().encodeToString(e.toJson().getBytes(StandardCharsets.UTF_8));
  }

  /** A GET to the relay with {@code host} as Host (and {@code extra} header lines); everything until it closes. */
  private String get(String host, String path, String extra) throws IOException {
    URI u = URI.create(relay.url());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
      s.setSoTimeout(20_000);
      String req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + (extra == null ? "" : extra) + "\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) >= 0;) {
          got.write(buf, 0, n);
        }
      } catch (java.net.SocketException reset) {
        // what was read counts
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
