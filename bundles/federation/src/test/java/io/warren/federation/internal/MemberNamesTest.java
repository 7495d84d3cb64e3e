package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import io.warren.federation.Member;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MemberNamesTest {
  private static Member member(String name, int key) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) key);
    return new Member(PeerId.ofEd25519(k).toString(), name, "1", List.of(), Instant.now(), null, "-", false);
  }

  @Test
  void aNameOrAUniquePeerIdPrefixNamesOneMember() {
    Member a = member("alpha", 1);
    Member b = member("beta", 2);
    List<Member> all = List.of(a, b);
    assertEquals(Optional.of(b), FederationService.byNameOrPrefix(all, "beta"));
    assertEquals(Optional.of(a), FederationService.byNameOrPrefix(all, a.peerId().substring(0, 20)));
    assertEquals(Optional.empty(), FederationService.byNameOrPrefix(all, "gamma"));
    assertEquals(Optional.empty(), FederationService.byNameOrPrefix(all, "12D3Koo"), "a prefix needs 8 characters");
  }

  @Test
  void anAmbiguousNameListsTheCandidates() {
    Member one = member("twin", 1);
    Member two = member("twin", 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FederationService.byNameOrPrefix(List.of(one, two), "twin"));
    assertTrue(e.getMessage().contains(one.peerId()) && e.getMessage().contains(two.peerId()), e.getMessage());
    IllegalArgumentException prefix = assertThrows(IllegalArgumentException.class,
        () -> FederationService.byNameOrPrefix(List.of(one, two), "12D3KooW"));
    assertTrue(prefix.getMessage().contains(one.peerId()) && prefix.getMessage().contains(two.peerId()),
        prefix.getMessage());
  }

  @Test
  void aNameNeverShadowsAPeerId() {
    Member victim = member("victim", 1);
    Member byPrefix = member(victim.peerId().substring(0, 12), 2);
    Member byWholeId = member(victim.peerId(), 3);
    List<Member> all = List.of(victim, byPrefix, byWholeId);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FederationService.byNameOrPrefix(all, victim.peerId().substring(0, 12)));
    assertTrue(e.getMessage().contains("give the whole peer ID"), e.getMessage());
    assertEquals(Optional.empty(), FederationService.byNameOrPrefix(List.of(byWholeId), victim.peerId()),
        "a name that is a peer ID is no name");
    var conflicts = FederationService.nameConflicts(all);
    assertEquals(List.of(byPrefix.peerId(), victim.peerId()), conflicts.get(victim.peerId().substring(0, 12)));
    assertTrue(conflicts.containsKey(victim.peerId()), conflicts.toString());
    assertTrue(!conflicts.containsKey("victim"), conflicts.toString());
    assertEquals(List.of(member("twin", 4).peerId(), member("twin", 5).peerId()),
        FederationService.nameConflicts(List.of(member("twin", 4), member("twin", 5))).get("twin"));
  }
}
