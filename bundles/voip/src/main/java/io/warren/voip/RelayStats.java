package io.warren.voip;

/**
 * What the media relay counted for one leg of a call: packets and bytes its endpoint sent to the
 * relay, how many of those (and their bytes) were forwarded to the other leg, the RTP loss estimated from sequence
 * numbers, and packets dropped (from a stranger after latching, over the packets-per-second cap,
 * or while the other leg had not latched yet).
 *
 * @param latched the endpoint's RTP address the leg latched onto, or empty
 */
public record RelayStats(String latched, long packets, long bytes, long forwarded,
    long forwardedBytes, long lost, long droppedStranger,
    long droppedRate, long droppedUnlatched) {

  /** One line of text, the form {@code voip:calls} prints and the wire carries. */
  public String text() {
    return (latched.isEmpty() ? "-" : latched) + " " + packets + " " + bytes + " " + forwarded + " " + forwardedBytes
        + " " + lost + " "
        + droppedStranger + " " + droppedRate + " " + droppedUnlatched;
  }

  /** Reads {@link #text()} back. */
  public static RelayStats parse(String[] w, int at) {
    if (w.length < at + 9) {
      throw new IllegalArgumentException("voip: relay stats need 9 fields, got " + (w.length - at));
    }
    long[] n = new long[8];
    for (int i = 0; i < 8; i++) {
      n[i] = Long.parseLong(w[at + 1 + i]);
    }
    return new RelayStats(w[at].equals("-") ? "" : w[at], n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]);
  }
}
