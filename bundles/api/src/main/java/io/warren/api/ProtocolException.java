package io.warren.api;

/**
 * A peer broke a wire protocol (multistream-select, Noise, Yamux...). The message starts with the
 * protocol's name and says what was wrong, e.g. {@code "yamux: unknown frame type 7 (expected 0-3)"}.
 * The connection (or stream) it happened on is closed; nothing else is affected.
 */
public class ProtocolException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
