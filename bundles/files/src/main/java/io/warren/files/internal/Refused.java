package io.warren.files.internal;

/** The other side said no, or said the content was wrong: a final outcome, not retried. */
final class Refused extends Exception {
  private static final long serialVersionUID = 1L;
  final String state;

  Refused(String state, String message) {
    super(message);
    this.state = state;
  }
}
