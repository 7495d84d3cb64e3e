package io.warren.launcher;

/** The command line or the installation is not usable; the message says why, in one line. */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
