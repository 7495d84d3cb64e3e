package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DevicePolicyTest {
  static final byte[] DEVICE = key(1);
  static final byte[] FRIEND = key(2);
  static final byte[] STRANGER = key(3);
  static final byte[] RELAY = key(4);
  static final String DEVICE_HEX = hex(DEVICE);
  static final long NOW = System.currentTimeMillis() / 1000;

  static byte[] key(int n) {
    byte[] k = new byte[32];
    k[31] = (byte) n;
    k[0] = 0x11;
    return k;
  }

  static String hex(byte[] secret) {
    return HexFormat.of().formatHex(Bip340.publicKey(secret));
  }

  final DeviceService ssh = DeviceService.parse("ssh=tcp://127.0.0.1:22");
  final DeviceService web = DeviceService.parse("web=http://127.0.0.1:8080;public=true;description=site");
  final DevicePolicy policy = new DevicePolicy(DEVICE_HEX, Set.of(hex(FRIEND)), Set.of(hex(STRANGER)));

  static Event request(byte[] from, String service, List<List<String>> extra) {
    List<List<String>> tags =
        new ArrayList<>(List.of(List.of("p", DEVICE_HEX), List.of("protocol", TunnelWire.SERVICE_PREFIX + service)));
    tags.addAll(extra);
    return Event.sign(from, NOW, TunnelWire.REQUEST_KIND, tags, "");
  }

  static String nip98(byte[] from, String url) {
    return Event.sign(from, NOW, TunnelWire.HTTP_AUTH_KIND, List.of(List.of("u", url), List.of("method", "GET")), "")
        .toJson();
  }

  @Test
  void privateServicesNeedAnAllowedKey() {
    assertNull(policy.refusal(request(FRIEND, "ssh", List.of()), ssh, NOW));
    assertNull(policy.refusal(request(DEVICE, "ssh", List.of()), ssh, NOW), "the device itself");
    assertTrue(policy.refusal(request(RELAY, "ssh", List.of()), ssh, NOW).startsWith("restricted:"));
    assertTrue(policy.refusal(request(RELAY, "x", List.of()), null, NOW).startsWith("restricted:"), "protocols too");
  }

  @Test
  void publicServicesAreOpenExceptToBlockedKeys() {
    assertNull(policy.refusal(request(RELAY, "web", List.of()), web, NOW));
    assertTrue(policy.refusal(request(STRANGER, "web", List.of()), web, NOW).startsWith("blocked:"));
  }

  @Test
  void theGatewayNeedsNip98FromAnAllowedKeyForPrivateServices() {
    String cs = TunnelWire.callsign(DEVICE_HEX);
    List<String> gw = List.of("gateway", "http");
    assertTrue(policy.refusal(request(RELAY, "ssh", List.of(gw)), ssh, NOW).startsWith("restricted:"));
    String good = nip98(FRIEND, "http://relay.example/tunnel/" + cs + "/ssh/x");
    assertNull(policy.refusal(request(RELAY, "ssh", List.of(gw, List.of("auth", good))), ssh, NOW));
    String stranger = nip98(RELAY, "http://relay.example/tunnel/" + cs + "/ssh/x");
    assertTrue(policy.refusal(request(RELAY, "ssh", List.of(gw, List.of("auth", stranger))), ssh, NOW)
        .startsWith("restricted:"));
    String otherService = nip98(FRIEND, "http://relay.example/tunnel/" + cs + "/web/x");
    assertTrue(policy.refusal(request(RELAY, "ssh", List.of(gw, List.of("auth", otherService))), ssh, NOW)
        .startsWith("invalid:"));
    String otherDevice = nip98(FRIEND, "http://relay.example/tunnel/" + TunnelWire.callsign(hex(RELAY)) + "/ssh/x");
    assertTrue(policy.refusal(request(RELAY, "ssh", List.of(gw, List.of("auth", otherDevice))), ssh, NOW)
        .startsWith("invalid:"));
  }

  @Test
  void onADevicesOwnGatewayHostTheHostNamesTheDevice() {
    List<String> gw = List.of("gateway", "http");
    String own = "https://" + TunnelWire.npub(DEVICE_HEX) + ".gw.example.org";
    assertNull(policy.refusal(request(RELAY, "ssh", List.of(gw, List.of("auth", nip98(FRIEND, own + "/ssh/x")))), ssh,
        NOW));
    for (String bad : List.of(own + "/web/x", "https://" + TunnelWire.npub(hex(RELAY)) + ".gw.example.org/ssh/x",
        "https://" + TunnelWire.callsign(DEVICE_HEX) + ".gw.example.org/ssh/x",
        "https://x" + TunnelWire.npub(DEVICE_HEX) + ".gw.example.org/ssh/x")) {
      assertTrue(policy.refusal(request(RELAY, "ssh", List.of(gw, List.of("auth", nip98(FRIEND, bad)))), ssh, NOW)
          .startsWith("invalid:"), bad);
    }
  }

  @Test
  void replayedRequestsAreSeen() {
    DevicePolicy.Seen seen = new DevicePolicy.Seen();
    assertTrue(seen.add("a", NOW));
    assertFalse(seen.add("a", NOW + 1));
    assertTrue(seen.add("b", NOW));
  }

  @Test
  void serviceConfiguration() {
    assertEquals(new DeviceService("web", "http", "127.0.0.1", 8080, true, "site"), web);
    assertEquals(80, DeviceService.parse("w=http://localhost").port());
    for (String bad : List.of("ssh", "../x=tcp://127.0.0.1:22", "ssh=ftp://h:1", "ssh=tcp://h",
        "ssh=tcp://h:22;public=yes",
        "ssh=tcp://h:22;color=red")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceService.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("services:"), e.getMessage());
    }
  }

  @Test
  void gatewayChecksNip98() {
    String url = "http://relay.example/tunnel/abc/web/x?y=1";
    Event e =
        Event.sign(FRIEND, NOW, TunnelWire.HTTP_AUTH_KIND, List.of(List.of("u", url), List.of("method", "GET")), "");
    String header = "Nostr " + java.util.Base64.getEncoder().encodeToString(e.toJson().getBytes());
    assertEquals(e, Nip98.checkHeader(header, "GET", "/tunnel/abc/web/x?y=1", NOW));
    assertThrows(io.warren.nostr.NostrException.class,
        () -> Nip98.checkHeader(header, "POST", "/tunnel/abc/web/x?y=1", NOW));
    assertThrows(io.warren.nostr.NostrException.class,
        () -> Nip98.checkHeader(header, "GET", "/tunnel/abc/web/x", NOW));
    assertThrows(io.warren.nostr.NostrException.class,
        () -> Nip98.checkHeader(header, "GET", "/tunnel/abc/web/x?y=1", NOW + 120));
    assertThrows(io.warren.nostr.NostrException.class, () -> Nip98.checkHeader("Basic abc", "GET", "/", NOW));
  }
}
