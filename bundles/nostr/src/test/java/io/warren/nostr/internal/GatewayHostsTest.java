package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which device a Host names: only {@code <npub>.<domain>}, decided by the key in it. */
class GatewayHostsTest {
  static final String A = "ab".repeat(32);
  static final String B = "cd".repeat(32);
  static final String DOMAIN = "gw.example.org";

  @Test
  void aDevicesHostIsItsNpubUnderTheDomainAndFitsADnsLabel() {
    String host = GatewayHosts.host(A, DOMAIN);
    assertEquals(TunnelWire.npub(A) + "." + DOMAIN, host);
    assertEquals(GatewayHosts.MAX_LABEL, GatewayHosts.label(A).length());
    assertTrue(GatewayHosts.label(A).matches("[a-z0-9]+"), "DNS-safe");
    assertEquals(new GatewayHosts.Device(A, host), GatewayHosts.route(DOMAIN, host));
    assertEquals(new GatewayHosts.Device(B, GatewayHosts.host(B, DOMAIN)),
        GatewayHosts.route(DOMAIN, GatewayHosts.host(B, DOMAIN)));
    // case, port and a trailing dot do not make another origin's name
    assertEquals(new GatewayHosts.Device(A, host),
        GatewayHosts.route(DOMAIN, host.toUpperCase(java.util.Locale.ROOT) + ".:8443"));
  }

  @Test
  void hostsUnderTheDomainThatNameNoDeviceAreMisdirected() {
    String npubA = TunnelWire.npub(A);
    String broken = npubA.substring(0, 62) + (npubA.endsWith("q") ? "p" : "q"); // bad checksum
    for (String host : List.of(TunnelWire.callsign(A) + "." + DOMAIN, A.substring(0, 63) + "." + DOMAIN,
        broken + "." + DOMAIN, "x." + npubA + "." + DOMAIN, "www." + DOMAIN, npubA + "." + npubA + "." + DOMAIN)) {
      assertInstanceOf(GatewayHosts.Misdirected.class, GatewayHosts.route(DOMAIN, host), host);
    }
  }

  @Test
  void everyOtherHostIsTheRelaysOwn() {
    for (String host : new String[] {DOMAIN, "127.0.0.1:7777", "[::1]:7777", "relay.example.org", "",
        TunnelWire.npub(A) + ".gw.example.org.evil", TunnelWire.npub(A) + ".xgw.example.org", null}) {
      assertEquals(new GatewayHosts.Relay(), GatewayHosts.route(DOMAIN, host), String.valueOf(host));
    }
    assertEquals(new GatewayHosts.Relay(), GatewayHosts.route("", GatewayHosts.host(A, DOMAIN)), "no domain");
  }

  @Test
  void theDomainIsADnsNameLeavingRoomForALabel() {
    assertEquals("gw.example.org", GatewayHosts.domain(" GW.Example.org. "));
    assertEquals("localhost", GatewayHosts.domain("localhost"));
    assertEquals("", GatewayHosts.domain(""));
    for (String bad : new String[] {"127.0.0.1", "*.gw.example.org", "gw..example.org", "-gw.example.org",
        "gw_example.org", "http://gw.example.org", "a".repeat(64) + ".org", ("abc." + "d".repeat(60) + ".").repeat(3)
            + "org"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayHosts.domain(bad), bad);
      assertTrue(e.getMessage().startsWith("io.warren.nostr.relay: gateway.domain"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class,
        () -> NostrRelay.deviceSettings(Configs.of(NostrRelay.Config.class, java.util.Map.of("gateway_domain",
            "not a domain"))));
  }

  @Test
  void hostNameAndPortOfAHostHeader() {
    assertEquals("relay.example", GatewayHosts.hostName("Relay.Example.:80"));
    assertEquals("[::1]", GatewayHosts.hostName("[::1]:7777"));
    assertEquals(":7777", GatewayHosts.port("[::1]:7777"));
    assertEquals(":8080", GatewayHosts.port("h:8080"));
    assertEquals("", GatewayHosts.port("h"));
    assertEquals("", GatewayHosts.port("h:80/x"));
  }

  @Test
  void aNip98TokenOnADevicesHostMustNameThatHost() {
    long now = System.currentTimeMillis() / 1000;
    byte[] key = io.warren.identity.Bip340.newSecretKey();
    String hostA = GatewayHosts.host(A, DOMAIN);
    Event e = Event.sign(key, now, TunnelWire.HTTP_AUTH_KIND,
        List.of(List.of("u", "https://" + hostA + "/web/private"), List.of("method", "GET")), "");
    String header = "Nostr " + Base64.getEncoder().encodeToString(e.toJson().getBytes(StandardCharsets.UTF_8));
    assertEquals(e, Nip98.checkHeader(header, "GET", hostA, "/web/private", now));
    NostrException other = assertThrows(NostrException.class,
        () -> Nip98.checkHeader(header, "GET", GatewayHosts.host(B, DOMAIN), "/web/private", now));
    assertTrue(other.getMessage().contains("does not name this host"), other.getMessage());
  }
}
