package io.warren.voip.command;

import java.util.Arrays;
import java.util.List;

/** The {@code --codecs a,b} flag as a list; the service checks the names. */
final class Codecs {
  private Codecs() {}

  static List<String> list(String text) {
    return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
