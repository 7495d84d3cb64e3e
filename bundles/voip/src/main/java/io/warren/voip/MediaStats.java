package io.warren.voip;

/**
 * What a node counted for one direction of a call whose media it carries over the overlay: packets
 * and bytes, RTP loss from sequence numbers (RFC 3550 A.3), interarrival jitter (RFC 3550 6.4.1,
 * A.8) of the packets as they reached the node, and packets dropped: from a stranger after the
 * port latched onto its endpoint, over the call's bandwidth cap, late (the call's send queue was
 * full), or with nowhere to go yet (no media stream, or no endpoint latched on the far side).
 * Beside them, what the receiving endpoint itself reported of this direction in its RTCP receiver
 * reports (RFC 3550 6.4), when it sends any; and, when this direction's sending endpoint sends RTCP
 * sender reports, the round trip from this node over the overlay to the receiving endpoint and back
 * (RFC 3550 6.4.1: the time from forwarding an SR to the report echoing it, minus the endpoint's
 * holding time DLSR).
 *
 * @param jitterMillis the jitter estimate in milliseconds, from RTP timestamps at the codec's clock rate
 * @param reports the RTCP report blocks about this direction seen so far (0: the endpoint sends none)
 * @param reportedLost the cumulative loss in the latest of them
 * @param reportedJitterMillis the jitter in the latest of them, in milliseconds at the codec's clock rate
 * @param rttMillis the latest round trip in milliseconds; NaN while unknown
 * @param rttSmoothedMillis the round trip smoothed over the samples (gain 1/8); NaN while unknown
 */
public record MediaStats(long packets, long bytes, long lost, double jitterMillis, long droppedStranger,
    long droppedCap, long droppedLate, long droppedUnlatched, long reports, long reportedLost,
    double reportedJitterMillis, double rttMillis, double rttSmoothedMillis) {

  /** Counters and RTCP reports without a round trip. */
  public MediaStats(long packets, long bytes, long lost, double jitterMillis, long droppedStranger, long droppedCap,
      long droppedLate, long droppedUnlatched, long reports, long reportedLost, double reportedJitterMillis) {
    this(packets, bytes, lost, jitterMillis, droppedStranger, droppedCap, droppedLate, droppedUnlatched, reports,
        reportedLost, reportedJitterMillis, Double.NaN, Double.NaN);
  }

  /** Counters without RTCP reports. */
  public MediaStats(long packets, long bytes, long lost, double jitterMillis, long droppedStranger, long droppedCap,
      long droppedLate, long droppedUnlatched) {
    this(packets, bytes, lost, jitterMillis, droppedStranger, droppedCap, droppedLate, droppedUnlatched, 0, 0, 0);
  }
}
