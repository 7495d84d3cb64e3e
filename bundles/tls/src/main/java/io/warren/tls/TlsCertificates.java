package io.warren.tls;

import java.time.Instant;
import java.util.List;

/** The node's TLS certificates and routes ({@code tls:} commands). Never exposes key material. */
public interface TlsCertificates {

  /** One stored certificate: its hostname, serial (hex) and validity. */
  record CertInfo(String hostname, String serial, Instant notBefore, Instant notAfter) {}

  /** A route: TLS for {@code hostname} on the listener goes to {@code port} on {@code peer}. */
  record Route(String hostname, String peer, int port) {}

  /**
   * Obtains a certificate for {@code hostname} from the ACME server at {@code acmeUrl} (the
   * configured one when null), answering its HTTP-01 challenge, and stores it; blocks until done.
   *
   * @throws IllegalArgumentException for a bad hostname; IllegalStateException saying why ACME failed
   */
  CertInfo request(String hostname, String acmeUrl);

  /** The stored certificates. */
  List<CertInfo> certificates();

  /** Adds or replaces the route for {@code hostname}; {@code target} is {@code <peer|name>:<port>}. */
  Route addRoute(String hostname, String target);

  /** Removes the route for {@code hostname}; false when there was none. */
  boolean removeRoute(String hostname);

  /** The routes. */
  List<Route> routes();

  /** Where the TLS listener listens ({@code host:port}), or empty when it is off. */
  String listenAddress();
}
