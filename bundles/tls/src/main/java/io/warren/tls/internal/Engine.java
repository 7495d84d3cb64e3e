package io.warren.tls.internal;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * What ends TLS on the listener with the node's keys: OpenSSL (BoringSSL from
 * netty-tcnative-boringssl-static) where it loads and {@code native} is on, else the JDK, and why.
 *
 * @param provider the provider the keys' server contexts are built with
 * @param description what {@code tls:route list} and the log say
 */
record Engine(SslProvider provider, String description) {

  /** The JDK's TLS, for tests and when native TLS is off. */
  static final Engine JDK = new Engine(SslProvider.JDK, "the JDK");

  /** OpenSSL when {@code wanted} and netty-tcnative loaded, else the JDK with the reason. */
  static Engine choose(boolean wanted) {
    if (!wanted) {
      return new Engine(SslProvider.JDK, "the JDK (native.tls = false in etc/" + TlsSettings.PID + ".cfg)");
    }
    try {
      if (OpenSsl.isAvailable()) {
        return new Engine(SslProvider.OPENSSL, OpenSsl.versionString() + " through netty-tcnative (native)");
      }
      return new Engine(SslProvider.JDK, "the JDK (netty-tcnative did not load: " + OpenSsl.unavailabilityCause()
          + ")");
    } catch (LinkageError e) { // netty-tcnative's classes not installed
      return new Engine(SslProvider.JDK, "the JDK (netty-tcnative missing: " + e + ")");
    }
  }
}
