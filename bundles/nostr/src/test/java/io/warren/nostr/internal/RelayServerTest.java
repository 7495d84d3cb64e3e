package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.RelayLimits;
import io.warren.store.internal.H2Store;
import io.warren.testing.TestEventLoops;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay over real WebSocket connections on loopback. */
class RelayServerTest {
  private static final byte[] KEY = Bip340.newSecretKey();
  private static final byte[] OTHER = Bip340.newSecretKey();
  @TempDir Path dir;
  private H2Store h2;
  private final TestEventLoops loops = new TestEventLoops();
  private RelayServer relay;
  private final List<WsClient> clients = new ArrayList<>();

  private RelayServer start(RelayLimits limits) throws Exception {
    h2 = H2Store.open(dir);
    relay = new RelayServer(loops, Configs.relay().withLimits(limits), new EventStore(h2), "ab".repeat(32), "test");
    return relay;
  }

  private RelayServer start() throws Exception {
    return start(new RelayLimits(131_072, 5, 3, 100, 50, 64, 100, 1_000, 1_000, false, 900));
  }

  private WsClient connect() throws Exception {
    WsClient c = new WsClient(loops, relay.url());
    clients.add(c);
    return c;
  }

  @AfterEach
  void stop() {
    clients.forEach(WsClient::close);
    if (relay != null) {
      relay.close();
    }
    if (h2 != null) {
      h2.close();
    }
    loops.close();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private static Event note(byte[] key, long at, int kind, String content, List<List<String>> tags) {
    return Event.sign(key, at, kind, tags, content);
  }

  private static List<?> publish(WsClient c, Event e) throws InterruptedException {
    c.send("[\"EVENT\"," + e.toJson() + "]");
    return c.ok(e.id());
  }

  private static List<String> eventIds(List<List<?>> messages) {
    List<String> ids = new ArrayList<>();
    for (List<?> m : messages) {
      if ("EVENT".equals(m.get(0))) {
        ids.add((String) ((Map<?, ?>) m.get(2)).get("id"));
      }
    }
    return ids;
  }

  @Test
  void publishGetsOkAndADuplicateIsSaidToBeOne() throws Exception {
    start();
    WsClient c = connect();
    Event e = note(KEY, now(), 1, "hello", List.of());
    assertEquals(List.of("OK", e.id(), true, ""), publish(c, e));
    List<?> again = publish(c, e);
    assertEquals(true, again.get(2));
    assertTrue(((String) again.get(3)).startsWith("duplicate:"), again.toString());
    assertEquals(1, relay.storedEvents());
  }

  @Test
  void aBadSignatureOrAWrongIdIsRefusedAsInvalid() throws Exception {
    start();
    WsClient c = connect();
    Event good = note(KEY, now(), 1, "good", List.of());
    String badSig = (good.sig().charAt(0) == 'a' ? "b" : "a") + good.sig().substring(1);
    Event forged = new Event(good.id(), good.pubkey(), good.createdAt(), 1, List.of(), "good", badSig);
    List<?> ok = publish(c, forged);
    assertEquals(false, ok.get(2));
    assertTrue(((String) ok.get(3)).startsWith("invalid:"), ok.toString());
    Event wrongId = new Event("1".repeat(64), good.pubkey(), good.createdAt(), 1, List.of(), "good", good.sig());
    ok = publish(c, wrongId);
    assertEquals(false, ok.get(2));
    assertTrue(((String) ok.get(3)).startsWith("invalid:") && ((String) ok.get(3)).contains("id"), ok.toString());
    c.send("[\"EVENT\",{\"id\":\"" + good.id() + "\",\"kind\":\"one\"}]");
    ok = c.ok(good.id());
    assertTrue(((String) ok.get(3)).startsWith("invalid:"), ok.toString());
    assertEquals(0, relay.storedEvents());
  }

  @Test
  void reqAnswersEachFilterKindNewestFirstThenEose() throws Exception {
    start();
    WsClient c = connect();
    long t = now() - 100;
    Event a = note(KEY, t, 1, "a", List.of(List.of("e", "e".repeat(64)), List.of("t", "warren")));
    Event b = note(OTHER, t + 10, 7, "b", List.of(List.of("p", a.pubkey())));
    Event d = note(KEY, t + 20, 1, "d", List.of());
    for (Event e : List.of(a, b, d)) {
      assertEquals(true, publish(c, e).get(2));
    }
    String[][] cases = {
        {"{}", d.id() + "," + b.id() + "," + a.id()},
        {"{\"ids\":[\"" + b.id() + "\"]}", b.id()},
        {"{\"authors\":[\"" + a.pubkey() + "\"]}", d.id() + "," + a.id()},
        {"{\"kinds\":[7]}", b.id()},
        {"{\"#e\":[\"" + "e".repeat(64) + "\"]}", a.id()},
        {"{\"#p\":[\"" + a.pubkey() + "\"]}", b.id()},
        {"{\"#t\":[\"warren\"]}", a.id()},
        {"{\"since\":" + (t + 10) + "}", d.id() + "," + b.id()},
        {"{\"until\":" + (t + 10) + "}", b.id() + "," + a.id()},
        {"{\"limit\":1}", d.id()},
        {"{\"kinds\":[7]},{\"ids\":[\"" + a.id() + "\"]}", b.id() + "," + a.id()},
    };
    int n = 0;
    for (String[] cse : cases) {
      String sub = "s" + n++;
      c.send("[\"REQ\",\"" + sub + "\"," + cse[0] + "]");
      List<List<?>> got = c.untilEose(sub);
      assertEquals("EOSE", got.get(got.size() - 1).get(0), cse[0]);
      assertEquals(List.of(cse[1].split(",")), eventIds(got), cse[0]);
      c.send("[\"CLOSE\",\"" + sub + "\"]");
    }
  }

  @Test
  void liveSubscriptionsGetNewEventsUntilClosed() throws Exception {
    start();
    WsClient sub = connect();
    WsClient pub = connect();
    sub.send("[\"REQ\",\"live\",{\"kinds\":[1]}]");
    assertEquals(List.of("EOSE", "live"), sub.next("EOSE"));
    Event e1 = note(KEY, now(), 1, "live one", List.of());
    Event other = note(KEY, now(), 2, "kind 2 is not asked for", List.of());
    publish(pub, other);
    publish(pub, e1);
    List<?> got = sub.next("EVENT");
    assertEquals("live", got.get(1));
    assertEquals(e1.id(), ((Map<?, ?>) got.get(2)).get("id"), "only the matching event arrives");

    sub.send("[\"CLOSE\",\"live\"]");
    // CLOSE is processed before the probe REQ below, and the probe's EOSE comes after any delivery
    // of e2, because e2's fan-out was queued on the subscriber's loop before its OK was sent
    sub.send("[\"REQ\",\"probe\",{\"kinds\":[9999]}]");
    sub.next("EOSE");
    Event e2 = note(KEY, now(), 1, "after close", List.of());
    publish(pub, e2);
    sub.send("[\"REQ\",\"probe2\",{\"kinds\":[9999]}]");
    List<List<?>> after = sub.untilEose("probe2");
    assertEquals(1, after.size());
    assertTrue(sub.received.stream().noneMatch(m -> m.contains(e2.id())), "a closed subscription gets nothing");
  }

  @Test
  void ephemeralEventsReachLiveSubscribersButAreNotStored() throws Exception {
    start();
    WsClient sub = connect();
    WsClient pub = connect();
    sub.send("[\"REQ\",\"eph\",{\"kinds\":[20001]}]");
    sub.next("EOSE");
    Event e = note(KEY, now(), 20001, "ephemeral", List.of());
    assertEquals(true, publish(pub, e).get(2));
    assertEquals(e.id(), ((Map<?, ?>) sub.next("EVENT").get(2)).get("id"));
    pub.send("[\"REQ\",\"later\",{\"kinds\":[20001]}]");
    assertEquals(1, pub.untilEose("later").size());
    assertEquals(0, relay.storedEvents());
  }

  @Test
  void replaceableAndAddressableEventsAreServedInTheirLatestVersion() throws Exception {
    start();
    WsClient c = connect();
    long t = now() - 50;
    Event p1 = note(KEY, t, 0, "{\"name\":\"old\"}", List.of());
    Event p2 = note(KEY, t + 1, 0, "{\"name\":\"new\"}", List.of());
    Event a1 = note(KEY, t, 30000, "v1", List.of(List.of("d", "x")));
    Event a2 = note(KEY, t + 1, 30000, "v2", List.of(List.of("d", "x")));
    publish(c, p1);
    publish(c, p2);
    publish(c, a2);
    List<?> late = publish(c, a1);
    assertEquals(false, late.get(2), "an older version is refused: " + late);
    c.send("[\"REQ\",\"r\",{\"kinds\":[0,30000]}]");
    assertEquals(List.of(a2.id(), p2.id()).stream().sorted().toList(),
        eventIds(c.untilEose("r")).stream().sorted().toList());
  }

  @Test
  void limitsGiveStandardPrefixesAndKeepTheConnection() throws Exception {
    start(new RelayLimits(4096, 2, 2, 100, 50, 8, 3, 3, 6, false, 900));
    WsClient c = connect();
    c.send("[\"REQ\",\"a\",{}]");
    c.untilEose("a");
    c.send("[\"REQ\",\"b\",{}]");
    c.untilEose("b");
    c.send("[\"REQ\",\"c\",{}]");
    assertTrue(((String) c.next("CLOSED").get(2)).startsWith("blocked:"));
    c.send("[\"REQ\",\"a\",{},{},{}]");
    assertTrue(((String) c.next("CLOSED").get(2)).startsWith("invalid:"), "too many filters");
    c.send("[\"REQ\",\"waytoolongid\",{}]");
    assertTrue(((String) c.next("CLOSED").get(2)).startsWith("invalid:"), "subscription id too long");
    c.send("[\"REQ\",\"a\",{\"search\":\"x\"}]");
    assertTrue(((String) c.next("CLOSED").get(2)).startsWith("unsupported:"));
    Event tags =
        note(KEY, now(), 1, "", List.of(List.of("t", "1"), List.of("t", "2"), List.of("t", "3"), List.of("t", "4")));
    assertTrue(((String) publish(c, tags).get(3)).startsWith("invalid:"), "too many tags");
    Event future = note(KEY, now() + 3600, 1, "from the future", List.of());
    assertTrue(((String) publish(c, future).get(3)).startsWith("invalid:"));

    WsClient flood = connect();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Event e = note(KEY, now(), 1, "flood " + i, List.of());
      answers.add((String) publish(flood, e).get(3));
    }
    assertTrue(answers.stream().anyMatch(a -> a.startsWith("rate-limited:")), answers.toString());
    List<String> reqs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      flood.send("[\"REQ\",\"q\",{\"limit\":0}]");
      reqs.add(Json.write(flood.next(l -> "q".equals(l.get(1)))));
    }
    assertTrue(reqs.stream().anyMatch(r -> r.contains("rate-limited:")), reqs.toString());
    c.send("[\"CLOSE\",\"b\"]");
    c.send("[\"REQ\",\"still\",{\"limit\":1}]");
    List<List<?>> still = c.untilEose("still");
    assertEquals("EOSE", still.get(still.size() - 1).get(0), "the first connection still works");
  }

  @Test
  void malformedJsonGetsANoticeAndTooManyCloseTheConnection() throws Exception {
    start();
    WsClient c = connect();
    c.send("this is not json");
    assertTrue(((String) c.next("NOTICE").get(1)).startsWith("invalid:"));
    c.send("{\"an\":\"object\"}");
    c.next("NOTICE");
    c.send("[\"WHAT\"]");
    c.next("NOTICE");
    c.send("[\"REQ\",\"ok\",{}]");
    c.untilEose("ok");
    for (int i = 3; i < Session.MAX_MALFORMED; i++) {
      c.send("[");
    }
    assertEquals(1008, c.closeStatus.get(20, TimeUnit.SECONDS));
  }

  @Test
  void anOversizedMessageClosesThatConnectionOnlyWithANotice() throws Exception {
    start(new RelayLimits(65_536, 5, 3, 100, 50, 64, 100, 1_000, 1_000, false, 900));
    WsClient big = connect();
    WsClient bystander = connect();
    byte[] tenMb = new byte[10 << 20];
    java.util.Arrays.fill(tenMb, (byte) 'a');
    big.channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(tenMb))); // the relay may close mid-write
    assertTrue(((String) big.next("NOTICE").get(1)).contains("65536"));
    assertEquals(1009, big.closeStatus.get(20, TimeUnit.SECONDS));

    WsClient fragmented = connect();
    byte[] half = new byte[40_000];
    java.util.Arrays.fill(half, (byte) ' ');
    fragmented.sendFrame(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(half)));
    fragmented.sendFrame(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(half)));
    fragmented.next("NOTICE");
    assertEquals(1009, fragmented.closeStatus.get(20, TimeUnit.SECONDS), "fragments add up to the limit too");

    Event e = note(KEY, now(), 1, "still serving", List.of());
    assertEquals(true, publish(bystander, e).get(2));
  }

  @Test
  void authWithTheRightChallengeAndRelayIsAccepted() throws Exception {
    start(new RelayLimits(131_072, 5, 3, 100, 50, 64, 100, 1_000, 1_000, true, 900));
    WsClient c = connect();
    String challenge = (String) c.next("AUTH").get(1);
    Event before = note(KEY, now(), 1, "too early", List.of());
    assertTrue(((String) publish(c, before).get(3)).startsWith("auth-required:"));
    c.send("[\"REQ\",\"x\",{}]");
    assertTrue(((String) c.next("CLOSED").get(2)).startsWith("auth-required:"));

    Event wrongChallenge =
        note(KEY, now(), 22242, "", List.of(List.of("relay", relay.url()), List.of("challenge", "nope")));
    c.send("[\"AUTH\"," + wrongChallenge.toJson() + "]");
    assertTrue(((String) c.ok(wrongChallenge.id()).get(3)).startsWith("invalid:"));
    Event wrongRelay = note(KEY, now(), 22242, "",
        List.of(List.of("relay", "wss://elsewhere.example/"), List.of("challenge", challenge)));
    c.send("[\"AUTH\"," + wrongRelay.toJson() + "]");
    assertTrue(((String) c.ok(wrongRelay.id()).get(3)).startsWith("invalid:"));
    // made for another relay on the same host (a malicious relay passing on its client's AUTH): refused
    int port = java.net.URI.create(relay.url()).getPort();
    Event otherPort = note(KEY, now(), 22242, "",
        List.of(List.of("relay", "ws://127.0.0.1:" + (port == 65_535 ? 1 : port + 1)),
            List.of("challenge", challenge)));
    c.send("[\"AUTH\"," + otherPort.toJson() + "]");
    assertTrue(((String) c.ok(otherPort.id()).get(3)).startsWith("invalid:"));
    Event stale =
        note(KEY, now() - 3600, 22242, "", List.of(List.of("relay", relay.url()), List.of("challenge", challenge)));
    c.send("[\"AUTH\"," + stale.toJson() + "]");
    assertEquals(false, c.ok(stale.id()).get(2));

    Event auth =
        note(KEY, now(), 22242, "", List.of(List.of("relay", relay.url() + "/"), List.of("challenge", challenge)));
    c.send("[\"AUTH\"," + auth.toJson() + "]");
    assertEquals(List.of("OK", auth.id(), true, ""), c.ok(auth.id()));
    assertEquals(true, publish(c, before).get(2));
  }

  @Test
  void theInformationDocumentHasTheLimitsAndCorsHeaders() throws Exception {
    start();
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create(relay.url().replace("ws://", "http://") + "/");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Accept", "application/nostr+json").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("application/nostr+json", r.headers().firstValue("content-type").orElse(""));
    assertEquals("*", r.headers().firstValue("access-control-allow-origin").orElse(""));
    assertTrue(r.headers().firstValue("access-control-allow-headers").isPresent());
    assertTrue(r.headers().firstValue("access-control-allow-methods").orElse("").contains("GET"));
    Map<?, ?> doc = (Map<?, ?>) Json.parse(r.body());
    assertEquals(List.of(1L, 11L, 42L), doc.get("supported_nips"));
    Map<?, ?> lim = (Map<?, ?>) doc.get("limitation");
    assertEquals(131_072L, lim.get("max_message_length"));
    assertEquals(5L, lim.get("max_subscriptions"));
    assertEquals(3L, lim.get("max_filters"));
    assertEquals(1_000L, lim.get("max_events_per_second"));
    HttpResponse<String> plain = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, plain.statusCode());
    assertFalse(plain.body().startsWith("{"));
  }

  @Test
  void theAuthRelayTagMustNameThisRelaysOwnUrlNotTheHostHeader() {
    assertEquals("ws://127.0.0.1:80", SessionAuth.origin("ws://127.0.0.1/"));
    assertEquals("wss://relay.example:443", SessionAuth.origin("WSS://Relay.Example"));
    assertEquals("ws://::1:7000", SessionAuth.origin("ws://[::1]:7000/path"));
    assertEquals(null, SessionAuth.origin("https://relay.example"));
    assertEquals(null, SessionAuth.origin("not a url"));
  }

  @Test
  void announcementsAreAcceptedOnlyFromTheKeyAuthenticatedOnTheConnection() throws Exception {
    start();
    WsClient c = connect();
    String challenge = (String) c.next("AUTH").get(1);
    Event service = note(OTHER, now(), io.warren.nostr.internal.tunnel.TunnelWire.SERVICE_KIND, "",
        List.of(List.of("d", "web"), List.of("protocol", "http")));
    assertTrue(((String) publish(c, service).get(3)).startsWith("auth-required:"), "before AUTH");
    Event auth =
        note(KEY, now(), 22242, "", List.of(List.of("relay", relay.url()), List.of("challenge", challenge)));
    c.send("[\"AUTH\"," + auth.toJson() + "]");
    assertEquals(true, c.ok(auth.id()).get(2));
    assertTrue(((String) publish(c, service).get(3)).startsWith("restricted:"), "another key's announcement");
    Event own = note(KEY, now(), io.warren.nostr.internal.tunnel.TunnelWire.SERVICE_KIND, "",
        List.of(List.of("d", "web"), List.of("protocol", "http")));
    assertEquals(true, publish(c, own).get(2), "its own");
  }
}
