package io.warren.libp2p.internal.host;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Payload bytes of negotiated streams by protocol (the per-service traffic of {@code /metrics}): a
 * stream gets its protocol's {@link ByteCounter} first in its pipeline once multistream-select chose the
 * protocol, so the negotiation is not counted and no frame pays for a lookup. Protocols are the ones
 * this node answered (registered handlers) or proposed (dialled); past {@link #MAX_PROTOCOLS} of them,
 * new ones count as {@value #OTHER}, which bounds the label set a peer or a caller can make.
 */
public final class StreamBytes {
  /** Distinct protocols counted apart; later ones fold into {@value #OTHER}. */
  public static final int MAX_PROTOCOLS = 64;
  public static final String OTHER = "other";
  static final String NAME = "stream-bytes";

  private final ConcurrentMap<String, ByteCounter> byProtocol = new ConcurrentHashMap<>();

  /** The counter of {@code protocol} (or of {@value #OTHER} once {@link #MAX_PROTOCOLS} are counted). */
  ByteCounter counter(String protocol) {
    ByteCounter c = byProtocol.get(protocol);
    if (c != null) {
      return c;
    }
    String key = byProtocol.size() >= MAX_PROTOCOLS ? OTHER : protocol;
    return byProtocol.computeIfAbsent(key, k -> new ByteCounter());
  }

  /**
   * Bytes in and out by protocol since start, sorted, with a zero row for each of {@code registered}
   * not seen yet (so a series exists before its first stream).
   */
  public Map<String, long[]> snapshot(Collection<String> registered) {
    registered.forEach(this::counter);
    Map<String, long[]> out = new TreeMap<>();
    byProtocol.forEach((p, c) -> out.put(p, new long[] {c.in(), c.out()}));
    return out;
  }
}
