package io.warren.yamux;

/**
 * What the {@link YamuxFrameDecoder} asks of its session when a data frame's header arrives,
 * before it buffers a byte of the body: how many bytes that stream may send now.
 */
@FunctionalInterface
interface ReceiveWindow {
  /** The body of a data frame for a stream we do not know is discarded as it arrives, never buffered. */
  long UNKNOWN_STREAM = -1;

  /**
   * Bytes stream {@code streamId} may still send: its receive credit, the initial window for a
   * stream this frame opens ({@link YamuxFrame#FLAG_SYN}), or {@link #UNKNOWN_STREAM}.
   */
  long credit(int streamId, int flags);
}
