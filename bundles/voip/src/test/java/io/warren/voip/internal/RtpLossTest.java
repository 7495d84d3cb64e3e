package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RtpLossTest {

  @Test
  void inOrderIsNoLoss() {
    RtpLoss l = new RtpLoss();
    for (int s = 100; s < 200; s++) {
      l.add(s);
    }
    assertEquals(100, l.expected());
    assertEquals(0, l.lost());
  }

  @Test
  void gapsCountAsLostAcrossTheWrap() {
    RtpLoss l = new RtpLoss();
    for (int s = 65500; s < 65500 + 100; s++) {
      if (s % 10 != 3) {
        l.add(s & 0xFFFF);
      }
    }
    assertEquals(100, l.expected());
    assertEquals(10, l.lost());
  }

  @Test
  void aLatePacketFillsItsGap() {
    RtpLoss l = new RtpLoss();
    l.add(1);
    l.add(3);
    assertEquals(1, l.lost());
    l.add(2);
    assertEquals(0, l.lost());
    assertEquals(3, l.expected());
  }

  @Test
  void aRestartedSenderIsCountedAfresh() {
    RtpLoss l = new RtpLoss();
    for (int s = 0; s < 10; s++) {
      l.add(s);
    }
    for (int s = 40000; s < 40005; s++) {
      l.add(s);
    }
    assertEquals(5, l.expected());
    assertEquals(0, l.lost());
  }

  @Test
  void onlyVersionTwoWithAFullHeaderIsRtp() {
    assertTrue(RtpLoss.isRtp((byte) 0x80, 12));
    assertFalse(RtpLoss.isRtp((byte) 0x80, 11));
    assertFalse(RtpLoss.isRtp((byte) 0x40, 172));
  }
}
