package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressScopeTest {
  private static final String RELAY = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
  private static final List<Multiaddr> MINE = List.of(m("/ip4/127.0.0.1/tcp/4100"), m("/ip6/::1/tcp/4100"),
      m("/ip6/fe80::1/tcp/4100"), m("/ip4/169.254.1.2/tcp/4100"), m("/ip4/192.168.1.2/tcp/4100"),
      m("/ip6/fd00:1::2/tcp/4100"), m("/ip6/2001:db8::2/udp/4100/quic-v1"), m("/dns4/node.example/tcp/4100"),
      m("/ip6/fd00:99::1/tcp/4003/p2p/" + RELAY + "/p2p-circuit"),
      m("/ip4/127.0.0.1/tcp/4003/p2p/" + RELAY + "/p2p-circuit"));

  private static Multiaddr m(String s) {
    return Multiaddr.fromString(s);
  }

  @Test
  void aPeerOnLoopbackMayUseEveryAddress() {
    assertEquals(MINE, AddressScope.usableFrom(MINE, m("/ip4/127.0.0.1/tcp/50000")));
    assertEquals(MINE, AddressScope.usableFrom(MINE, m("/ip6/::1/tcp/50000")));
    assertEquals(MINE, AddressScope.usableFrom(MINE, m("/ip4/127.0.0.1/tcp/4003/p2p/" + RELAY + "/p2p-circuit")),
        "relayed through a relay on loopback: the peer is on this machine too");
  }

  @Test
  void anyOtherPeerIsToldNoLoopbackNorLinkLocalAddress() {
    List<Multiaddr> expected = List.of(m("/ip4/192.168.1.2/tcp/4100"), m("/ip6/fd00:1::2/tcp/4100"),
        m("/ip6/2001:db8::2/udp/4100/quic-v1"), m("/dns4/node.example/tcp/4100"),
        m("/ip6/fd00:99::1/tcp/4003/p2p/" + RELAY + "/p2p-circuit"));
    assertEquals(expected, AddressScope.usableFrom(MINE, m("/ip6/fd00:2::2/tcp/50000")));
    assertEquals(expected, AddressScope.usableFrom(MINE, m("/ip4/10.99.0.3/tcp/50000")));
    assertEquals(expected,
        AddressScope.usableFrom(MINE, m("/ip6/fd00:99::1/tcp/4003/p2p/" + RELAY + "/p2p-circuit")));
  }

  @Test
  void scopesAreJudgedByTheLeadingIp() {
    assertTrue(AddressScope.isLoopback(m("/ip4/127.3.4.5/tcp/1")));
    assertTrue(AddressScope.isLoopback(m("/ip6/::1/udp/1/quic-v1")));
    assertFalse(AddressScope.isLoopback(m("/ip6/fd00::1/tcp/1")));
    assertFalse(AddressScope.isLoopback(m("/dns4/localhost/tcp/1")), "a name is not judged");
    assertTrue(AddressScope.isLinkLocal(m("/ip6/fe80::abcd/tcp/1")));
    assertTrue(AddressScope.isLinkLocal(m("/ip4/169.254.0.1/tcp/1")));
    assertFalse(AddressScope.isLinkLocal(m("/ip6/fd00::1/tcp/1")), "ULA is not link-local");
  }
}
