package io.warren.files.command;

import io.warren.files.Transfer;
import java.util.Locale;

/**
 * How a running transfer is shown: one line that starts with its percentage ({@code 45% 10.8 of
 * 24.0 MB, 4.1 MB/s, ETA 0:03}), which a terminal shows in place behind a bar and anything else
 * gets as a plain line every 2 s.
 */
final class Progress {
  static final int BAR = 24;

  static String line(Transfer t, long nowMillis) {
    long pct = t.total() == 0 ? 100 : 100 * t.held() / t.total();
    long eta = t.etaSeconds(nowMillis);
    String state = t.state().equals("running") ? ""
        : ", " + t.state() + (t.state().equals("retrying") ? " (" + t.detail() + ")" : "");
    return String.format(Locale.ROOT, "%d%% %s of %s MB, %s MB/s, ETA %s%s", pct, mb(t.held()), mb(t.total()),
        mb(t.rate(nowMillis)), eta < 0 ? "-" : clock(eta), state);
  }

  /** {@code line} behind a bar of its leading percentage. */
  static String bar(String line) {
    int pct = Integer.parseInt(line.substring(0, line.indexOf('%')));
    int full = BAR * Math.min(100, pct) / 100;
    return "[" + "#".repeat(full) + "-".repeat(BAR - full) + "] " + line;
  }

  static String clock(long seconds) {
    return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }

  static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
  }

  private Progress() {}
}
