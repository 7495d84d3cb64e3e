package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.testing.NodeProcess;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 4: identity binding on a relay node with a device behind it.
 *
 * <ul>
 * <li>AUTH replay: a malicious relay (here: its URL, on the same host, another port) has a victim
 *     sign an AUTH event for it, carrying the challenge our relay gave the attacker, and the
 *     attacker sends it to our relay with a Host header naming the malicious relay. Before the fix
 *     the relay tag was compared with that Host header and the attacker became the victim.</li>
 * <li>NIP-98 replay: a captured Authorization header used a second time within its 60 s window
 *     opened the device's private service again. Now a token opens one request.</li>
 * </ul>
 */
class NostrIdentityAttackTest {
  @TempDir Path dir;
  private HttpServer http;

  @BeforeEach
  void httpServer() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/private", x -> {
      byte[] b = "private page\n".getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(200, b.length);
      try (OutputStream out = x.getResponseBody()) {
        out.write(b);
      }
    });
    http.start();
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  @Test
  void anAuthMadeForAnotherRelayAndAReplayedNip98TokenAreRefused() throws Exception {
    int relayPort = NodeProcess.freePort();
    String url = "ws://127.0.0.1:" + relayPort;
    Path relayHome = NodeProcess.installation(dir.resolve("relay"));
    NodeProcess.configure(relayHome, "io.warren.nostr.relay",
        "enabled = true\nport = " + relayPort + "\nauth.required = true\n");
    byte[] user = Bip340.newSecretKey();
    String userHex = HexFormat.of().formatHex(Bip340.publicKey(user));
    Path deviceHome = NodeProcess.installation(dir.resolve("device"));
    NodeProcess.configure(deviceHome, "io.warren.nostr.client", "relays = " + url + "\nservices = web=http://127.0.0.1:"
        + http.getAddress().getPort() + ";public=false\nallow = " + userHex + "\nreconnect.max.seconds = 2\n");
    try (NodeProcess relay = NodeProcess.start(relayHome, dir.resolve("relay-data"));
        NodeProcess device = NodeProcess.start(deviceHome, dir.resolve("device-data"))) {
      relay.awaitReady();
      device.awaitReady();

      // --- AUTH made for another relay, passed on with that relay's name as Host
      int evilPort = relayPort == 65_535 ? 1 : relayPort + 1;
      String evil = "ws://127.0.0.1:" + evilPort;
      byte[] victim = Bip340.newSecretKey();
      long now = System.currentTimeMillis() / 1000;
      try (RawWebSocket attacker = new RawWebSocket(url, "127.0.0.1:" + evilPort, 0)) {
        String challenge = challenge(attacker.until("[\"AUTH\""));
        Event forVictimsRelay =
            Event.sign(victim, now, 22242, List.of(List.of("relay", evil), List.of("challenge", challenge)), "");
        attacker.send("[\"AUTH\"," + forVictimsRelay.toJson() + "]");
        String ok = attacker.until(forVictimsRelay.id());
        assertTrue(ok.contains(",false,\"invalid:") && ok.contains("does not name this relay"), ok);
        Event asVictim = Event.sign(victim, now, 1, List.of(), "posted by whoever replayed my AUTH");
        attacker.send("[\"EVENT\"," + asVictim.toJson() + "]");
        String refused = attacker.until(asVictim.id());
        assertTrue(refused.contains(",false,\"auth-required:"), refused);
      }
      // a legitimate client authenticates for this relay's URL and publishes
      try (RawWebSocket legit = new RawWebSocket(url, NostrSupport.hostOf(url), 0)) {
        String challenge = challenge(legit.until("[\"AUTH\""));
        Event auth =
            Event.sign(victim, now, 22242, List.of(List.of("relay", url), List.of("challenge", challenge)), "");
        legit.send("[\"AUTH\"," + auth.toJson() + "]");
        assertTrue(legit.until(auth.id()).contains(",true,"), "AUTH for this relay is accepted");
        Event note = Event.sign(victim, now, 1, List.of(), "posted by me");
        legit.send("[\"EVENT\"," + note.toJson() + "]");
        assertTrue(legit.until(note.id()).contains(",true,"), "and the client is served");
      }

      // --- NIP-98 replay through the gateway, to the device's private service
      String callsign = device.banner("npub").substring(5, 17);
      relay.awaitClient(Duration.ofSeconds(60), r -> r.exit() == 0 && r.out().contains(callsign + "/web"),
          "relay:services", callsign);
      String page = "http://127.0.0.1:" + relayPort + "/tunnel/" + callsign + "/web/private";
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String token = nip98(user, page);
      HttpResponse<String> first = get(client, page, token);
      assertEquals(200, first.statusCode(), first.body());
      assertEquals("private page\n", first.body());
      HttpResponse<String> replay = get(client, page, token);
      assertEquals(403, replay.statusCode(), replay.body());
      assertTrue(replay.body().contains("already used"), replay.body());
      HttpResponse<String> fresh = get(client, page, nip98(user, page));
      assertEquals(200, fresh.statusCode(), "a fresh token still opens the page: " + fresh.body());
    }
  }

  private static String challenge(String authMessage) {
    assertNotNull(authMessage, "the relay's AUTH challenge");
    return authMessage.replaceAll("^\\[\"AUTH\",\"([^\"]+)\"\\]$", "$1");
  }

  private static String nip98(byte[] key, String url) {
    Event e = Event.sign(key, System.currentTimeMillis() / 1000, TunnelWire.HTTP_AUTH_KIND,
        List.of(List.of("u", url), List.of("method", "GET")), "");
    return "Nostr " + Base64.getEncoder().encodeToString(e.toJson().getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> get(HttpClient client, String url, String authorization) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
