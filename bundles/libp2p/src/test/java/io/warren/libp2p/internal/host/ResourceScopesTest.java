package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import io.warren.libp2p.LimitInfo;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceScopesTest {
  private final ResourceScopes scopes = new ResourceScopes(new ResourceScopes.Limits(10, 6, 3, 5, 2, 4, 5));
  private final String[] why = new String[1];

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void oneAddressHoldsAtMostItsTransientShareAndOthersStillGetIn() throws Exception {
    List<ResourceScopes.Slot> attacker = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      attacker.add(scopes.acceptInbound(ip("127.0.0.2"), why));
    }
    assertNull(scopes.acceptInbound(ip("127.0.0.2"), why));
    assertEquals("3 connections from 127.0.0.2 are still upgrading (max.transient.connections.per.ip)", why[0]);
    ResourceScopes.Slot legit = scopes.acceptInbound(ip("127.0.0.1"), why);
    assertNotNull(legit, "another address is not locked out");
    legit.established();
    attacker.get(0).close();
    attacker.get(0).close(); // twice: counted once
    assertNotNull(scopes.acceptInbound(ip("127.0.0.2"), why), "a slot given back can be taken again");
    LimitInfo perIp = line("transient per ip", "connections");
    assertEquals(3, perIp.used());
    assertEquals(1, perIp.refused());
    assertEquals(4, line("system", "connections").used());
  }

  @Test
  void transientTotalAndPerAddressTotalsBound() throws Exception {
    for (int i = 0; i < 6; i++) {
      assertNotNull(scopes.acceptInbound(ip("10.0.0." + i), why));
    }
    assertNull(scopes.acceptInbound(ip("10.0.1.1"), why));
    assertTrue(why[0].contains("max.transient.connections"), why[0]);
    assertNotNull(scopes.dialOutbound(), "our own dials only take system slots");

    ResourceScopes other = new ResourceScopes(new ResourceScopes.Limits(10, 6, 3, 5, 2, 4, 5));
    for (int i = 0; i < 5; i++) {
      other.acceptInbound(ip("192.0.2.1"), why).established();
    }
    assertNull(other.acceptInbound(ip("192.0.2.1"), why));
    assertTrue(why[0].contains("max.connections.per.ip"), why[0]);
  }

  @Test
  void ipv6AddressesShareTheirSlash64() throws Exception {
    assertEquals(ResourceScopes.ipScope(ip("2001:db8:1:2::1")), ResourceScopes.ipScope(ip("2001:db8:1:2:ffff::9")));
    assertEquals("2001:db8:1:2::/64", ResourceScopes.ipScope(ip("2001:db8:1:2::1")));
  }

  @Test
  void streamsAreBoundPerPeerAndPerProtocol() {
    PeerId a = Ed25519Identity.generate().peerId();
    PeerId b = Ed25519Identity.generate().peerId();
    for (int i = 0; i < 4; i++) {
      assertNull(scopes.openStream(a, "/x"));
    }
    assertTrue(scopes.openStream(a, "/y").contains("max.streams.per.peer"));
    assertNull(scopes.openStream(b, "/x"));
    assertTrue(scopes.openStream(b, "/x").contains("max.streams.per.protocol"));
    scopes.closeStream(a, "/x");
    assertNull(scopes.openStream(b, "/x"));
    List<LimitInfo> all = scopes.usage(Map.of(a, 2), 5);
    assertTrue(all.contains(new LimitInfo("protocol /x", "inbound streams", 5, 5, -1)), all.toString());
    assertTrue(all.contains(new LimitInfo("peer " + a, "connections", 2, 2, -1)), all.toString());
  }

  private LimitInfo line(String scope, String resource) {
    return scopes.usage(Map.of(), 5).stream().filter(l -> l.scope().equals(scope) && l.resource().equals(resource))
        .findFirst().orElseThrow();
  }
}
