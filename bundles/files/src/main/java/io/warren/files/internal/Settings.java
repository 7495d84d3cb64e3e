package io.warren.files.internal;

import java.nio.file.Path;

/** {@link FilesService.Config}, checked: SCR shows the exception when a value is out of range. */
record Settings(Path inbox, int chunkBytes, long retryMillis, long pendingMillis, int maxPending, int maxIncoming,
    int maxOutgoing, long idleMillis, long sendRate, long receiveRate, long peerRate, Hash hash) {

  static Settings of(FilesService.Config c, String dataDir) {
    String inbox = c.inbox().strip();
    Path dir = inbox.isEmpty() ? Path.of(dataDir == null ? "data" : dataDir, "inbox") : Path.of(inbox);
    if (c.chunk_kib() < Wire.MIN_CHUNK / 1024 || c.chunk_kib() > Wire.MAX_CHUNK / 1024) {
      throw new IllegalArgumentException("io.warren.files: chunk.kib must be 4-1024, got " + c.chunk_kib());
    }
    int[] positive = {c.max_pending(), c.max_incoming(), c.max_outgoing(), c.idle_timeout_seconds(),
        c.pending_timeout_seconds()};
    for (int v : positive) {
      if (v < 1) {
        throw new IllegalArgumentException("io.warren.files: every limit and timeout must be at least 1, got " + v);
      }
    }
    if (c.retry_seconds() < 0 || c.send_rate_kib() < 0 || c.receive_rate_kib() < 0 || c.peer_rate_kib() < 0) {
      throw new IllegalArgumentException(
          "io.warren.files: retry.seconds, send.rate.kib, receive.rate.kib and peer.rate.kib must be 0 or more");
    }
    return new Settings(dir.toAbsolutePath().normalize(), c.chunk_kib() * 1024, c.retry_seconds() * 1000L,
        c.pending_timeout_seconds() * 1000L, c.max_pending(), c.max_incoming(), c.max_outgoing(),
        c.idle_timeout_seconds() * 1000L, c.send_rate_kib() * 1024, c.receive_rate_kib() * 1024,
        c.peer_rate_kib() * 1024, hash(c.hash()));
  }

  private static Hash hash(String name) {
    try {
      return Hash.named(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("io.warren.files: hash: " + e.getMessage(), e);
    }
  }
}
