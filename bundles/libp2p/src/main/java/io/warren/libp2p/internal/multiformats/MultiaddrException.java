package io.warren.libp2p.internal.multiformats;

/** A multiaddr that cannot be parsed; the message says which part and why. */
public final class MultiaddrException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public MultiaddrException(String message) {
    super(message);
  }

  public MultiaddrException(String message, Throwable cause) {
    super(message, cause);
  }
}
