package io.warren.voip.internal;

/**
 * Loss of one RTP stream estimated from its sequence numbers (RFC 3550 A.3, without probation): the
 * highest sequence number seen, extended by its wrap-arounds, minus the first, plus one, is what was
 * expected; what was expected and not received is lost. A duplicate counts as received, so loss
 * can read low by the duplicates; it never goes below zero. Not thread-safe: one event loop owns it.
 */
final class RtpLoss {
  /** A jump larger than this starts the count again (a restarted sender), as A.3's MAX_DROPOUT. */
  static final int MAX_DROPOUT = 3000;
  private boolean started;
  private int maxSeq;
  private long cycles;
  private long baseSeq;
  private long received;

  /** Whether {@code packet} (its first {@code length} bytes) looks like RTP version 2 with a full header. */
  static boolean isRtp(byte first, int length) {
    return length >= 12 && (first & 0xC0) == 0x80;
  }

  void add(int seq) {
    seq &= 0xFFFF;
    if (!started) {
      started = true;
      maxSeq = seq;
      baseSeq = seq;
      received = 1;
      return;
    }
    int delta = (seq - maxSeq) & 0xFFFF;
    if (delta > 0 && delta < MAX_DROPOUT) {
      if (seq < maxSeq) {
        cycles += 1 << 16;
      }
      maxSeq = seq;
    } else if (delta >= MAX_DROPOUT && delta <= 0xFFFF - 100) {
      // a jump too far ahead or too far behind: the sender restarted; count from here
      maxSeq = seq;
      cycles = 0;
      baseSeq = seq;
      received = 0;
    }
    received++;
  }

  long received() {
    return received;
  }

  long expected() {
    return started ? cycles + maxSeq - baseSeq + 1 : 0;
  }

  long lost() {
    return Math.max(0, expected() - received);
  }
}
