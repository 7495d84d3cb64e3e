package io.warren.voip.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Codec names as offered and answered: lowercase RTP encoding names ({@code pcmu}, {@code opus}),
 * comma-separated in the caller's order of preference. The callee takes the first offered one it
 * accepts. A codec's RTP clock rate (for jitter in milliseconds) is the rate RFC 3551 / RFC 7587
 * give; an unknown name counts at 8000 Hz.
 */
final class Codecs {
  static final int MAX = 8;
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,15}");
  private static final Map<String, Integer> RATES = Map.of("pcmu", 8000, "pcma", 8000, "g722", 8000, "g729", 8000,
      "gsm", 8000, "opus", 48000, "l16", 44100, "ilbc", 8000, "speex", 8000);

  private Codecs() {}

  /** Parses {@code a,b,c}: 1 to {@value #MAX} distinct names. */
  static List<String> parse(String text) {
    List<String> out = new ArrayList<>();
    for (String w : text.strip().toLowerCase(java.util.Locale.ROOT).split(",")) {
      String name = w.strip();
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("expected codec names like pcmu,opus (letters, digits, . and -), got "
            + (text.length() > 60 ? text.substring(0, 60) + "..." : text));
      }
      if (!out.contains(name)) {
        out.add(name);
      }
    }
    if (out.size() > MAX) {
      throw new IllegalArgumentException("at most " + MAX + " codecs, got " + out.size());
    }
    return List.copyOf(out);
  }

  /**
   * The first of {@code offered} that {@code accepted} holds.
   *
   * @throws IllegalArgumentException naming both lists when there is none
   */
  static String choose(List<String> offered, List<String> accepted) {
    return offered.stream().filter(accepted::contains).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "no common codec: offered " + String.join(",", offered) + ", this side takes " + String.join(",", accepted)));
  }

  static int clockRate(String codec) {
    return RATES.getOrDefault(codec, 8000);
  }
}
