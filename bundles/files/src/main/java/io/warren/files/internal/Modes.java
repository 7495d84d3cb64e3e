package io.warren.files.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Permission bits (0-0777) on received files, where the file system has them. */
final class Modes {
  static void set(Path p, int mode) throws IOException {
    try {
      Files.setPosixFilePermissions(p, Sources.permissions(mode));
    } catch (UnsupportedOperationException e) {
      // a file system without POSIX permissions keeps its defaults
    }
  }

  private Modes() {}
}
