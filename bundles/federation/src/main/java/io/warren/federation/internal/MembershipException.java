package io.warren.federation.internal;

import io.warren.api.TransportException;

/** A peer and this node could not prove to each other that they are members of the same network. */
final class MembershipException extends TransportException {
  private static final long serialVersionUID = 1L;

  MembershipException(String message) {
    super(message);
  }
}
