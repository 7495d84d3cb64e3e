package io.warren.files.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warren.files.Transfer;
import org.junit.jupiter.api.Test;

/** The progress line and bar of a transfer, at fixed instants. */
class ProgressTest {
  private static Transfer running(long resumed, long moved, String state, long started, long ended) {
    return new Transfer("id", true, "libp2p:x", "big.bin", 1, 100_000_000, resumed, moved, state, "link down", "sha256",
        "",
        started, ended, null);
  }

  @Test
  void aRunningTransferShowsItsShareRateAndTimeLeft() {
    // 20 MB moved in 4 s after 10 MB held: 30%, 5 MB/s, 70 MB left = 14 s
    Transfer t = running(10_000_000, 20_000_000, "running", 1_000, 0);
    assertEquals("30% 30.0 of 100.0 MB, 5.0 MB/s, ETA 0:14", Progress.line(t, 5_000));
    assertEquals(14, t.etaSeconds(5_000));
    assertEquals("[#######-----------------] 30% 30.0 of 100.0 MB, 5.0 MB/s, ETA 0:14",
        Progress.bar(Progress.line(t, 5_000)));
  }

  @Test
  void noEtaBeforeAByteMovedOrAfterTheEndAndTheStateWhenNotRunning() {
    assertEquals("0% 0.0 of 100.0 MB, 0.0 MB/s, ETA -, retrying (link down)",
        Progress.line(running(0, 0, "retrying", 1_000, 0), 5_000));
    assertEquals(-1, running(0, 100_000_000, "done", 1_000, 3_000).etaSeconds(5_000));
    assertEquals("[########################] 100% 100.0 of 100.0 MB, 50.0 MB/s, ETA -, done",
        Progress.bar(Progress.line(running(0, 100_000_000, "done", 1_000, 3_000), 5_000)));
  }

  @Test
  void longWaitsShowHours() {
    assertEquals("1:01:05", Progress.clock(3665));
    assertEquals("0:59", Progress.clock(59));
  }
}
