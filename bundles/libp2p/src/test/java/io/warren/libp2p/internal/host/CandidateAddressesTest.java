package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Host#candidates}: what DCUtR offers a peer to punch to, from observed and listen addresses. */
class CandidateAddressesTest {
  private static List<Multiaddr> m(String... all) {
    return List.of(all).stream().map(Multiaddr::fromString).toList();
  }

  private static final List<Multiaddr> TCP = m("/ip4/192.168.1.2/tcp/4001");
  private static final List<Multiaddr> QUIC = m("/ip4/192.168.1.2/udp/4001/quic-v1");

  @Test
  void anObservedTcpAddressAlsoGivesTheQuicListenPortAtThatIp() {
    // the relay saw our TCP connection from an ephemeral port: a port-preserving NAT maps the listen ports 1:1
    assertEquals(m("/ip4/10.99.0.2/tcp/4001", "/ip4/10.99.0.2/tcp/51000", "/ip4/192.168.1.2/tcp/4001",
        "/ip4/10.99.0.2/udp/4001/quic-v1", "/ip4/192.168.1.2/udp/4001/quic-v1"),
        Host.candidates(m("/ip4/10.99.0.2/tcp/51000"), TCP, QUIC));
  }

  @Test
  void anObservedQuicAddressIsOfferedAsItIsAndWithTheListenPorts() {
    assertEquals(m("/ip4/10.99.0.2/tcp/4001", "/ip4/192.168.1.2/tcp/4001", "/ip4/10.99.0.2/udp/4001/quic-v1",
        "/ip4/10.99.0.2/udp/40999/quic-v1", "/ip4/192.168.1.2/udp/4001/quic-v1"),
        Host.candidates(m("/ip4/10.99.0.2/udp/40999/quic-v1"), TCP, QUIC));
  }

  @Test
  void withoutQuicThereIsNoQuicCandidateAndOtherFamiliesAndCircuitsAreLeftOut() {
    assertEquals(m("/ip4/10.99.0.2/tcp/4001", "/ip4/10.99.0.2/tcp/51000", "/ip4/192.168.1.2/tcp/4001"),
        Host.candidates(m("/ip4/10.99.0.2/tcp/51000", "/ip4/10.99.0.2/udp/40999/quic-v1",
            "/dns4/example.org/tcp/1", "/ip4/10.99.0.1/tcp/4003/p2p-circuit"), TCP, List.of()));
    // an IPv6 observation pairs with no IPv4 listen port
    assertEquals(m("/ip6/2001:db8::1/tcp/5000", "/ip4/192.168.1.2/tcp/4001", "/ip4/192.168.1.2/udp/4001/quic-v1"),
        Host.candidates(m("/ip6/2001:db8::1/tcp/5000"), TCP, QUIC));
  }
}
