package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The reception report blocks of an RTCP compound packet (RFC 3550 6.4): every packet in it is
 * version 2 with a length that fits, the first is a sender report (SR, 200) or a receiver report
 * (RR, 201) as A.2 asks, only the last may be padded; the report blocks of each SR and RR are
 * read (and the NTP timestamp of each SR), other packets (SDES, BYE, APP, feedback, XR) are passed over. A packet that breaks these
 * rules yields nothing rather than half of it (the datagram is still carried as it is).
 */
final class RtcpReports {
  static final int SR = 200;
  static final int RR = 201;
  /** A report block: SSRC, fraction and cumulative lost, extended highest sequence, jitter, LSR, DLSR. */
  static final int BLOCK = 24;

  /**
   * One reception report block.
   *
   * @param reporter the SSRC of the endpoint that sent the report (it received {@code source})
   * @param source the SSRC of the RTP stream the block is about
   * @param fractionLost lost since the last report, in 1/256
   * @param cumulativeLost lost since reception began (a signed 24-bit count: duplicates make it negative)
   * @param highestSeq the extended highest sequence number received
   * @param jitter the interarrival jitter in RTP timestamp units of {@code source}
   * @param lsr the middle 32 bits of the NTP timestamp of the last SR from {@code source} (0: none yet)
   * @param dlsr the delay since that SR was received until this report was sent, in 1/65536 s
   */
  record Block(long reporter, long source, int fractionLost, int cumulativeLost, long highestSeq, long jitter,
      long lsr, long dlsr) {

    /** A block without LSR and DLSR (the reporter had no SR from {@code source}). */
    Block(long reporter, long source, int fractionLost, int cumulativeLost, long highestSeq, long jitter) {
      this(reporter, source, fractionLost, cumulativeLost, highestSeq, jitter, 0, 0);
    }
  }

  /**
   * The sender info of an SR that matters for the round trip (RFC 3550 6.4.1).
   *
   * @param ssrc the SSRC of the sender
   * @param ntpMiddle the middle 32 bits of its NTP timestamp: what a report about it echoes as LSR
   */
  record SenderReport(long ssrc, long ntpMiddle) {}

  private RtcpReports() {}

  /** The report blocks of the compound packet in {@code buf}'s readable bytes (left as they are); empty when malformed. */
  static List<Block> parse(ByteBuf buf) {
    List<Block> blocks = new ArrayList<>();
    return walk(buf, blocks, new ArrayList<>()) ? blocks : List.of();
  }

  /** The SRs of the compound packet in {@code buf}'s readable bytes (left as they are); empty when malformed. */
  static List<SenderReport> senderReports(ByteBuf buf) {
    List<SenderReport> senders = new ArrayList<>();
    return walk(buf, new ArrayList<>(), senders) ? senders : List.of();
  }

  /** Adds the blocks and sender infos of the compound in {@code buf} to the lists; false when it is malformed. */
  private static boolean walk(ByteBuf buf, List<Block> blocks, List<SenderReport> senders) {
    int at = buf.readerIndex();
    int end = buf.writerIndex();
    boolean first = true;
    while (at < end) {
      if (end - at < 4) {
        return false;
      }
      int b0 = buf.getUnsignedByte(at);
      int pt = buf.getUnsignedByte(at + 1);
      int length = 4 * (buf.getUnsignedShort(at + 2) + 1);
      boolean padded = (b0 & 0x20) != 0;
      if ((b0 & 0xC0) != 0x80 || length > end - at || (first && pt != SR && pt != RR)
          || (padded && at + length != end)) {
        return false;
      }
      int count = b0 & 0x1F;
      if (pt == SR || pt == RR) {
        int fixed = pt == SR ? 28 : 8; // header and SSRC, and for SR the 20 bytes of sender info
        if (fixed + count * BLOCK > length) {
          return false;
        }
        long reporter = buf.getUnsignedInt(at + 4);
        if (pt == SR) {
          senders.add(new SenderReport(reporter, buf.getUnsignedInt(at + 10))); // NTP seconds' low, fraction's high half
        }
        for (int i = 0, b = at + fixed; i < count; i++, b += BLOCK) {
          int lost = buf.getMedium(b + 5); // signed 24 bits
          blocks.add(new Block(reporter, buf.getUnsignedInt(b), buf.getUnsignedByte(b + 4), lost,
              buf.getUnsignedInt(b + 8), buf.getUnsignedInt(b + 12), buf.getUnsignedInt(b + 16),
              buf.getUnsignedInt(b + 20)));
        }
      }
      first = false;
      at += length;
    }
    return true;
  }
}
