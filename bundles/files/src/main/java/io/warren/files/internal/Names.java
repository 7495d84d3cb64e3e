package io.warren.files.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The receiver's check of the names a sender offers: it never trusts them as paths. A name is
 * relative, '/'-separated, each part 1-255 bytes of UTF-8 without NUL, control characters or
 * backslashes, and neither {@code .} nor {@code ..}; no two entries share a name, every parent of
 * an entry is offered as a directory or not at all, and nothing lands on the staging directory.
 */
final class Names {
  static final String STAGING = ".warren-partial";

  /** Why {@code entries} may not be received, or null when they may. */
  static String refusal(List<Wire.Entry> entries) {
    Set<String> seen = new HashSet<>();
    Set<String> dirs = new HashSet<>();
    for (Wire.Entry e : entries) {
      String why = refusal(e.name());
      if (why != null) {
        return why;
      }
      if (!seen.add(e.name())) {
        return "'" + e.name() + "' is offered twice";
      }
      if (e.dir()) {
        dirs.add(e.name());
      }
    }
    for (String name : seen) {
      for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
        String parent = name.substring(0, i);
        if (seen.contains(parent) && !dirs.contains(parent)) {
          return "'" + parent + "' is offered as a file and as the directory of '" + name + "'";
        }
      }
    }
    return null;
  }

  /** Why {@code name} may not name a received file, or null when it may. */
  static String refusal(String name) {
    if (name.isEmpty()) {
      return "an empty name";
    }
    if (name.startsWith("/")) {
      return "'" + name + "' is absolute";
    }
    String[] parts = name.split("/", -1);
    if (parts[0].equals(STAGING)) {
      return "'" + name + "' names the staging directory";
    }
    for (String part : parts) {
      if (part.isEmpty()) {
        return "'" + name + "' has an empty part (a doubled or trailing '/')";
      }
      if (part.equals(".") || part.equals("..")) {
        return "'" + name + "' has a '" + part + "' part";
      }
      if (part.getBytes(StandardCharsets.UTF_8).length > 255) {
        return "'" + name + "' has a part longer than 255 bytes";
      }
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        if (c < 0x20 || c == 0x7f || c == '\\') {
          return "'" + name.replaceAll("\\p{Cntrl}", "?") + "' holds a control character or a backslash";
        }
      }
    }
    return null;
  }

  /** {@code name} under {@code root}, checked again against the resolved path. */
  static Path under(Path root, String name) {
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException("'" + name + "' leads out of " + root);
    }
    return p;
  }

  private Names() {}
}
