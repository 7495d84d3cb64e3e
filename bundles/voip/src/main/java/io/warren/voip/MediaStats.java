package io.warren.voip;

/**
 * What a node counted for one direction of a call whose media it carries over the overlay: packets
 * and bytes, RTP loss from sequence numbers (RFC 3550 A.3), interarrival jitter (RFC 3550 6.4.1,
 * A.8) of the packets as they reached the node, and packets dropped: from a stranger after the
 * port latched onto its endpoint, over the call's bandwidth cap, late (the call's send queue was
 * full), or with nowhere to go yet (no media stream, or no endpoint latched on the far side).
 *
 * @param jitterMillis the jitter estimate in milliseconds, from RTP timestamps at the codec's clock rate
 */
public record MediaStats(long packets, long bytes, long lost, double jitterMillis, long droppedStranger,
    long droppedCap, long droppedLate, long droppedUnlatched) {}
