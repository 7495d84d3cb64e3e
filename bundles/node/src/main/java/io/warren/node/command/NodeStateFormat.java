package io.warren.node.command;

import java.time.Duration;
import org.osgi.framework.Bundle;

/** Text forms for command output. */
final class NodeStateFormat {
  private NodeStateFormat() {}

  static String state(Bundle b) {
    return switch (b.getState()) {
      case Bundle.ACTIVE -> "ACTIVE";
      case Bundle.RESOLVED -> b.getHeaders("").get("Fragment-Host") != null ? "FRAGMENT" : "RESOLVED";
      case Bundle.INSTALLED -> "INSTALLED";
      case Bundle.STARTING -> "STARTING";
      case Bundle.STOPPING -> "STOPPING";
      default -> "UNINSTALLED";
    };
  }

  static String duration(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    if (s < 86400) {
      return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }
    return (s / 86400) + "d" + (s % 86400 / 3600) + "h";
  }
}
