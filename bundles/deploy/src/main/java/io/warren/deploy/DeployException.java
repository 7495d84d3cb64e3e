package io.warren.deploy;

/**
 * A deployment that did not happen or did not hold: refused before anything was installed (an
 * unsigned, tampered, untrusted or downgraded artifact), or rolled back. The message says why.
 */
public class DeployException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeployException(String message) {
    super(message);
  }

  public DeployException(String message, Throwable cause) {
    super(message, cause);
  }
}
