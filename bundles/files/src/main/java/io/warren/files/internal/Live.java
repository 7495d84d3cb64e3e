package io.warren.files.internal;

import io.warren.files.Transfer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/** A transfer while this node runs it: counters the protocol code moves and the console reads. */
final class Live {
  final String id;
  final boolean outgoing;
  final String peer;
  final String label;
  final int files;
  final long total;
  final long started;
  final AtomicLong moved = new AtomicLong();
  final CompletableFuture<Transfer> done = new CompletableFuture<>();
  volatile long resumedFrom;
  volatile String state;
  volatile String detail = "";
  /** The hash that verifies it ({@link Hash#label}) and the final checksum in it. */
  volatile String hash = Hash.SHA256.label;
  volatile String checksum = "";
  volatile long ended;
  volatile Runnable canceller = () -> {};
  volatile boolean cancelled;

  Live(String id, boolean outgoing, String peer, String label, int files, long total, String state) {
    this.id = id;
    this.outgoing = outgoing;
    this.peer = peer;
    this.label = label;
    this.files = files;
    this.total = total;
    this.state = state;
    this.started = System.currentTimeMillis();
  }

  /** Says that {@code hash} verifies {@code entries}, and their checksum in it. */
  void verifiedBy(Hash hash, java.util.List<Wire.Entry> entries) {
    this.hash = hash.label;
    this.checksum = Sender.checksum(entries, hash);
  }

  Transfer snapshot() {
    return new Transfer(id, outgoing, peer, label, files, total, resumedFrom, moved.get(), state, detail, hash,
        checksum, started, ended, done);
  }

  /** Ends the transfer in {@code finalState}; later calls change nothing. */
  Transfer end(String finalState, String why) {
    synchronized (this) {
      if (ended == 0) {
        state = finalState;
        detail = why;
        ended = System.currentTimeMillis();
      }
    }
    Transfer t = snapshot();
    done.complete(t);
    return t;
  }
}
