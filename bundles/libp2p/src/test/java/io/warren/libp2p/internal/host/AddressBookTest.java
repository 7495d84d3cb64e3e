package io.warren.libp2p.internal.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.TestHosts;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.testing.TestEventLoops;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AddressBookTest {
  /** Shared by the class's hosts; a host never shuts them down. */
  private static final TestEventLoops LOOPS = new TestEventLoops();

  @AfterAll
  static void closeLoops() {
    LOOPS.close();
  }

  private static final PeerId A = Ed25519Identity.generate().peerId();
  private static final PeerId R = Ed25519Identity.generate().peerId();

  private static Multiaddr m(String s) {
    return Multiaddr.fromString(s);
  }

  @Test
  void directAddressesComeBeforeCircuitOnesWhateverTheOrderLearned() {
    AddressBook book = new AddressBook(10);
    Multiaddr circuit = m("/ip4/10.0.0.1/tcp/4001/p2p/" + R + "/p2p-circuit");
    book.add(A, circuit);
    book.add(A, m("/ip4/192.168.1.2/tcp/4001"));
    book.add(A, m("/dns4/a.example/tcp/4001"));
    assertEquals(List.of(m("/ip4/192.168.1.2/tcp/4001"), m("/dns4/a.example/tcp/4001"), circuit), book.addresses(A));
  }

  @Test
  void boundedPerPeerAndInPeers() {
    AddressBook book = new AddressBook(3);
    for (int port = 1; port <= AddressBook.MAX_ADDRESSES_PER_PEER + 4; port++) {
      book.add(A, m("/ip4/10.0.0.1/tcp/" + port));
    }
    List<Multiaddr> kept = book.addresses(A);
    assertEquals(AddressBook.MAX_ADDRESSES_PER_PEER, kept.size());
    assertEquals(m("/ip4/10.0.0.1/tcp/5"), kept.get(0), "the oldest gave way");
    assertTrue(kept.contains(m("/ip4/10.0.0.1/tcp/" + (AddressBook.MAX_ADDRESSES_PER_PEER + 4))), "the newest is kept");

    for (int i = 0; i < 5; i++) {
      book.add(Ed25519Identity.generate().peerId(), m("/ip4/10.0.0.2/tcp/1"));
    }
    assertEquals(3, book.peers());
    assertTrue(book.addresses(A).isEmpty(), "the least recently used peer was forgotten");
  }

  @Test
  void theHostAcceptsOnlyAddressesItCanDialForThatPeer() {
    Host h = new Host(Ed25519Identity.generate(), TestHosts.config(), new ProtocolRegistry(), LOOPS);
    try {
      assertTrue(h.addAddress(A, m("/ip4/127.0.0.1/tcp/4001/p2p/" + A)));
      assertTrue(h.addAddress(A, m("/ip4/127.0.0.1/tcp/4002/p2p/" + R + "/p2p-circuit/p2p/" + A)));
      assertTrue(h.addAddress(A, m("/dns4/relay.example/tcp/4002/p2p/" + R + "/p2p-circuit")));
      assertFalse(h.addAddress(A, m("/ip4/127.0.0.1/tcp/4001/p2p/" + R)), "another peer's address");
      assertFalse(h.addAddress(A, m("/ip4/127.0.0.1/tcp/4002/p2p/" + R + "/p2p-circuit/p2p/" + R)),
          "another peer's circuit");
      assertFalse(h.addAddress(A, m("/ip4/127.0.0.1")), "no port");
      assertFalse(h.addAddress(A, m("/ip4/127.0.0.1/tcp/4002/p2p-circuit")), "a circuit that does not name its relay");
      assertEquals(List.of(m("/ip4/127.0.0.1/tcp/4001"), m("/ip4/127.0.0.1/tcp/4002/p2p/" + R + "/p2p-circuit"),
          m("/dns4/relay.example/tcp/4002/p2p/" + R + "/p2p-circuit")), h.knownAddresses(A));
    } finally {
      h.close();
    }
  }
}
