package io.warren.api;

/** A command run on another node through {@link RemoteAdmin} failed there; the message is its error. */
public class RemoteCommandException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RemoteCommandException(String message) {
    super(message);
  }
}
