package io.warren.voip.internal;

import java.util.concurrent.atomic.LongAdder;

/** What the relay did with packets since it started, across all sessions, for metrics. */
final class RelayTotals {
  final LongAdder forwarded = new LongAdder();
  final LongAdder forwardedBytes = new LongAdder();
  final LongAdder droppedStranger = new LongAdder();
  final LongAdder droppedRate = new LongAdder();
  final LongAdder droppedUnlatched = new LongAdder();
  final LongAdder idleClosed = new LongAdder();
}
