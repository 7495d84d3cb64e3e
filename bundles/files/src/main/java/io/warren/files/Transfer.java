package io.warren.files;

import java.util.concurrent.CompletionStage;

/**
 * One transfer as seen from this node. Counters are live while it runs.
 *
 * @param id the transfer's id, the same on both nodes (a digest of what is offered)
 * @param outgoing whether this node sends
 * @param peer the other node, as {@code scheme:id}
 * @param label what is offered: the top-level names
 * @param files how many files (directories not counted)
 * @param total bytes of all files
 * @param resumedFrom bytes the receiver already held when this run started (not sent again)
 * @param moved bytes of file content that travelled in this run
 * @param state one of {@code pending, waiting, running, retrying, done, failed, rejected, cancelled}
 * @param detail why it failed or was rejected, or where it landed
 * @param hash the algorithm that verifies chunks and files: {@code sha256} or {@code blake3}
 * @param checksum hex digest in {@code hash} of the single file, or of the file digests in order for several
 * @param startedMillis when this run started
 * @param endedMillis when it ended, or 0 while it runs
 * @param done completes with the final state when the transfer ends
 */
public record Transfer(String id, boolean outgoing, String peer, String label, int files, long total,
    long resumedFrom, long moved, String state, String detail, String hash, String checksum, long startedMillis,
    long endedMillis,
    CompletionStage<Transfer> done) {

  /** Bytes the receiver holds now. */
  public long held() {
    return Math.min(total, resumedFrom + moved);
  }

  /** Bytes per second of this run so far. */
  public double rate(long nowMillis) {
    long end = endedMillis > 0 ? endedMillis : nowMillis;
    double seconds = Math.max(0.001, (end - startedMillis) / 1000.0);
    return moved / seconds;
  }

  /** Seconds until the rest is moved at this run's rate, or -1 when that is not known (nothing moved, not running). */
  public long etaSeconds(long nowMillis) {
    double rate = rate(nowMillis);
    if (finished() || moved <= 0 || rate <= 0) {
      return -1;
    }
    return (long) Math.ceil((total - held()) / rate);
  }

  public boolean finished() {
    return endedMillis > 0;
  }
}
