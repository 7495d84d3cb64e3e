package io.warren.libp2p.internal.dcutr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BirthdayTest {
  @Test
  void portsAreDistinctAndInTheNatsRange() {
    int[] p = Birthday.ports(Birthday.PROBES, new Random(7));
    assertEquals(Birthday.PROBES, p.length);
    assertEquals(Birthday.PROBES, Arrays.stream(p).distinct().count());
    assertTrue(Arrays.stream(p).allMatch(x -> x >= Birthday.LOW && x <= Birthday.HIGH));
    assertEquals(Birthday.HIGH - Birthday.LOW + 1,
        Birthday.ports(Birthday.HIGH - Birthday.LOW + 1, new Random(1)).length, "all of them, each once");
    assertThrows(IllegalArgumentException.class, () -> Birthday.ports(70_000, new Random(1)));
  }

  @Test
  void theExpectationIsTheBirthdayBound() {
    int range = Birthday.HIGH - Birthday.LOW + 1;
    assertEquals(0, Birthday.expected(0, 500, range), 1e-12, "no open port: never");
    assertEquals(0, Birthday.expected(256, 0, range), 1e-12, "no probe: never");
    assertEquals(1, Birthday.expected(1, range, range), 1e-12, "every port probed: always");
    // 256 open of 64512, 512 distinct probes: 1 - (1 - 256/64512)^512 approximately, about 87 %
    double p = Birthday.expected(Birthday.SOCKETS, Birthday.PROBES, range);
    assertEquals(1 - Math.pow(1 - 256.0 / range, 512), p, 0.005);
    assertTrue(p > 0.86 && p < 0.88, "" + p);
  }

  @Test
  void theBirthdayRoundComesAfterTheOrdinaryOnesWhenBothTakePart() {
    List<Multiaddr> q = List.of(Multiaddr.fromString("/ip4/10.99.0.4/udp/4001/quic-v1"));
    List<Multiaddr> tcp = List.of(Multiaddr.fromString("/ip4/10.99.0.4/tcp/4001"));
    List<String> theirs = List.of(Dcutr.PROTOCOL, Birthday.PROTOCOL);
    assertTrue(Dcutr.birthdayRound(Dcutr.ATTEMPTS + 1, true, theirs, q, q));
    assertFalse(Dcutr.birthdayRound(Dcutr.ATTEMPTS, true, theirs, q, q), "not before the ordinary rounds failed");
    assertFalse(Dcutr.birthdayRound(Dcutr.ATTEMPTS + 1, false, theirs, q, q), "off here");
    assertFalse(Dcutr.birthdayRound(Dcutr.ATTEMPTS + 1, true, List.of(Dcutr.PROTOCOL), q, q), "off at the peer");
    assertFalse(Dcutr.birthdayRound(Dcutr.ATTEMPTS + 1, true, theirs, q, tcp), "QUIC only");
  }
}
