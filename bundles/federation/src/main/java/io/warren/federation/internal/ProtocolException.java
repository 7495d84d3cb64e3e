package io.warren.federation.internal;

/** A peer sent something the federation protocol does not allow; closes that stream only. */
final class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ProtocolException(String message) {
    super(message);
  }
}
