package io.warren.iot.internal;

import java.util.concurrent.CompletionStage;

/** Checks a CONNECT's credentials: completes with the authenticated user, or null when refused. */
@FunctionalInterface
interface Authenticator {
  /** {@code source}: the client's IP address; {@code user}, {@code password}: null when absent. */
  CompletionStage<String> check(String source, String user, byte[] password);
}
