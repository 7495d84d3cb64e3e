package io.warren.libp2p.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.RecordAttributes;
import io.warren.libp2p.PeerInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinksAttributeTest {
  private static final String A = "12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAaaaaaaaaaaaaaaa1";
  private static final String B = "12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBbbbbbbbbbbbbbbb2";
  private static final String R = "12D3KooWRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRrrrrrrrrrrrrrrr3";

  @Test
  void listsDirectPeersAndRelayedOnesWithTheirRelay() {
    String v = LinksAttribute.links(List.of(direct(A), relayed(B, R), direct(R)));
    assertEquals("aaaaaaaaaaaaaaa1 bbbbbbbbbbbbbbb2@rrrrrrrrrrrrrrr3 rrrrrrrrrrrrrrr3", v);
  }

  @Test
  void aPeerReachedBothWaysIsDirect() {
    assertEquals("aaaaaaaaaaaaaaa1", LinksAttribute.links(List.of(relayed(A, R), direct(A))));
    assertEquals("aaaaaaaaaaaaaaa1", LinksAttribute.links(List.of(direct(A), relayed(A, R))));
    assertEquals("", LinksAttribute.links(List.of()));
  }

  @Test
  void isForMembersOnly() {
    assertTrue(new LinksAttribute(null).membersOnly(), "not for a Nostr device's announcement");
  }

  @Test
  void whatDoesNotFitIsCountedAtTheEnd() {
    List<PeerInfo> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(relayed(String.format("12D3KooWpeer%048d", i), R));
    }
    String v = LinksAttribute.links(many);
    assertTrue(v.getBytes(StandardCharsets.UTF_8).length <= RecordAttributes.MAX_VALUE, v.length() + "");
    String[] words = v.split(" ");
    String last = words[words.length - 1];
    assertTrue(last.startsWith("+"), v);
    assertEquals(100, words.length - 1 + Integer.parseInt(last.substring(1)), v);
  }

  private static PeerInfo direct(String id) {
    return new PeerInfo(id, "/ip4/127.0.0.1/tcp/4001", true, false, 0, "", List.of(), false, Instant.EPOCH, "/noise");
  }

  private static PeerInfo relayed(String id, String relay) {
    return new PeerInfo(id, "/ip4/127.0.0.1/tcp/4001/p2p/" + relay + "/p2p-circuit", true, true, 0, "", List.of(),
        false, Instant.EPOCH, "/noise");
  }
}
