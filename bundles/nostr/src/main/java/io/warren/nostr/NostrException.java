package io.warren.nostr;

/**
 * Nostr input that is not what the protocol allows: malformed JSON, an event whose id or signature
 * does not check, a filter with an unknown field. The message is meant for the peer that sent it
 * (it follows a machine-readable prefix such as {@code invalid:} on the wire).
 */
public class NostrException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NostrException(String message) {
    super(message);
  }

  public NostrException(String message, Throwable cause) {
    super(message, cause);
  }
}
