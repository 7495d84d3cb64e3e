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
}
