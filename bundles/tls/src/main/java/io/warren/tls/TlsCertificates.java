package io.warren.tls;

import java.time.Instant;
import java.util.List;

/**
 * The node's TLS keys (certificate, key, chain) and routes ({@code tls:} commands). Never exposes
 * key material.
 */
public interface TlsCertificates {

  /** The name a route of the listener's default takes: ClientHellos naming nothing else, or no name. */
  String DEFAULT_ROUTE = "*";

  /** How the listener treats a hostname's TLS. */
  enum Mode {
    /** TLS ends on this node with a stored key; the plaintext goes on to the target. */
    TERMINATE,
    /** The TLS bytes go on to the target untouched; the target's node holds the key. */
    PASSTHROUGH,
    /** Plain HTTP on the HTTP listener, routed by the Host header. */
    HTTP;

    /** {@code terminate}, {@code passthrough} or {@code http} (what users type). */
    public static Mode parse(String text) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(text.strip())) {
          return m;
        }
      }
      throw new IllegalArgumentException("--mode must be terminate, passthrough or http, got '" + text + "'");
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One stored key: its name (the seeds' key prefix), the hostnames its certificate covers, serial
   * (hex), validity, where it came from ({@code acme}, {@code import}, {@code copy from <peer>}) and
   * the routes that serve it.
   */
  record KeyInfo(String name, List<String> hostnames, String serial, Instant notBefore, Instant notAfter,
      String origin, List<String> usedBy) {}

  /** One place a route's connections may go: {@code port} on {@code peer} ({@code localhost}: this node's loopback). */
  record Target(String peer, int port) {
    @Override
    public String toString() {
      return peer + ":" + port;
    }
  }

  /**
   * A route: {@code hostname} on the listener goes to one of {@code targets}, in {@code mode}. A new
   * connection goes to the first target that answered its last health check (in the order given),
   * and on to the next when that one cannot be connected; when none answered, each is tried in
   * order all the same.
   */
  record Route(String hostname, List<Target> targets, Mode mode) {
    public Route {
      targets = List.copyOf(targets);
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("a route needs at least one target");
      }
    }

    /** A route with one target. */
    public Route(String hostname, String peer, int port, Mode mode) {
      this(hostname, List.of(new Target(peer, port)), mode);
    }

    /** The first target's peer. */
    public String peer() {
      return targets.get(0).peer();
    }

    /** The first target's port. */
    public int port() {
      return targets.get(0).port();
    }

    /** The key under which routes are kept: a hostname has one TLS route and one HTTP route. */
    public String key() {
      return (mode == Mode.HTTP ? "http " : "tls ") + hostname;
    }
  }

  /**
   * Whether a route's target answered its last health check over the overlay ({@code localhost}
   * is always live), since when, and what the check found; {@code since} is null before the first
   * check.
   */
  record TargetState(Target target, boolean live, Instant since, String detail) {}

  /**
   * Obtains a certificate for {@code hostnames} from the ACME server at {@code acmeUrl} (the
   * configured one when null), answering its HTTP-01 challenges, and keeps it as {@code name} (the
   * first hostname when null); blocks until done.
   *
   * @throws IllegalArgumentException for a bad hostname; IllegalStateException saying why ACME failed
   */
  KeyInfo request(String name, List<String> hostnames, String acmeUrl);

  /** Renews the ACME key {@code name} now, whatever its expiry. */
  KeyInfo renew(String name);

  /**
   * Keeps a certificate chain (leaf first) and its private key, both PEM, as {@code name}.
   *
   * @throws IllegalArgumentException when they do not parse or the key is not the certificate's
   */
  KeyInfo importPem(String name, String chainPem, String keyPem, String origin);

  /** The stored keys. */
  List<KeyInfo> keys();

  /** Removes key {@code name}; false when there was none. */
  boolean remove(String name);

  /**
   * Sends key {@code name} (chain and private key) to {@code node} over the overlay: that node's
   * admin authorisation ({@code credentials} {@code user:password}, or null for a standing grant)
   * lets this node send it once; blocks until that node kept it.
   *
   * @return what that node says it now holds
   * @throws Exception the other node's refusal, or why it could not be reached
   */
  String copy(String name, String node, String credentials) throws Exception;

  /**
   * For {@code tls:copy}, run on the receiving node as the sender's admin call: lets {@code peer}
   * send one key of {@code size} bytes with SHA-256 {@code sha256} within a minute.
   *
   * @return the one-time token the sender presents
   */
  String expectCopy(String peer, String name, int size, String sha256);

  /**
   * Adds or replaces the route for {@code hostname} in {@code mode}; {@code target} is {@code
   * <peer|name>:<port>} or {@code localhost:<port>}, or several of them separated by commas (tried
   * in that order, the live ones first).
   */
  Route addRoute(String hostname, String target, Mode mode);

  /** Removes the TLS route (or with {@code http}, the HTTP route) for {@code hostname}; false when there was none. */
  boolean removeRoute(String hostname, boolean http);

  /** The routes. */
  List<Route> routes();

  /** The health of each of {@code route}'s targets, in the route's order. */
  List<TargetState> health(Route route);

  /** Where the TLS listener listens ({@code host:port}), or empty when it is off. */
  String listenAddress();

  /** What ends TLS with the node's keys: OpenSSL through netty-tcnative, or the JDK and why. */
  String engine();

  /** Where the HTTP listener listens ({@code host:port}), or empty when it is off. */
  String httpAddress();
}
