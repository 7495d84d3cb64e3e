package io.warren.api;

/** An authentication attempt that was not even checked, e.g. because of rate limiting. */
public class AuthenticationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message);
  }
}
