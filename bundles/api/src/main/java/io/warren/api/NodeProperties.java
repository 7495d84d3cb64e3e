package io.warren.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.OptionalInt;

/**
 * Framework properties the launcher sets for every bundle ({@code BundleContext.getProperty}).
 */
public final class NodeProperties {
  /** Absolute path of the node's data directory. */
  public static final String DATA_DIR = "warren.data.dir";
  /** Absolute path of the installation (holds bin/, system/, deploy/, etc/). */
  public static final String HOME = "warren.home";
  /** The Warren version. */
  public static final String VERSION = "warren.version";
  /** When the launcher started, epoch milliseconds. */
  public static final String START_MILLIS = "warren.start.millis";
  /** {@code --root-credentials} as given: {@code user:password} or {@code user:hashed_<bcrypt>}. */
  public static final String ROOT_CREDENTIALS = "warren.root.credentials";
  /** {@code --default-network-credentials} as given: {@code network:password}. */
  public static final String DEFAULT_NETWORK_CREDENTIALS = "warren.default.network.credentials";
  /** {@code --bootstrap}: a base64 identity string of a node to join through. */
  public static final String BOOTSTRAP = "warren.bootstrap";
  /** Location prefix of the bundles the launcher installed from the features. */
  public static final String SYSTEM_DIR = "warren.system.dir";

  /**
   * A listening port the launcher was given for a service ({@code --ssh-port}, {@code --relay-port},
   * {@code --metrics-port}), read from {@code property}: empty when not given, so the service's
   * configuration decides; a given port also turns the service on.
   *
   * @throws IllegalArgumentException naming the property when the value is not a port 0-65535
   */
  public static OptionalInt port(String property, String value) {
    if (value == null || value.isBlank()) {
      return OptionalInt.empty();
    }
    try {
      int port = Integer.parseInt(value.strip());
      if (port >= 0 && port <= 65535) {
        return OptionalInt.of(port);
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(property + " must be a port number 0-65535, got '" + value + "'");
  }

  /** Where a service listens, checked: whether it is on, its address and port, and whether that is loopback. */
  public record Listen(boolean enabled, String host, int port, boolean loopback) {}

  /**
   * The listening settings of service {@code pid}: its configured {@code enabled}, {@code host} and
   * {@code port}, a port the launcher was given in framework property {@code property}
   * ({@code value}) overriding the port and turning the service on.
   *
   * @throws IllegalArgumentException naming the pid when the port is out of range or the host is not
   *     an address here
   */
  public static Listen listen(String pid, String property, String value, boolean enabled, String host, int port) {
    OptionalInt given = port(property, value);
    int p = given.orElse(port);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(pid + ": port must be 0-65535, got " + p);
    }
    String h = host == null ? "" : host.strip();
    if (h.isEmpty()) {
      throw new IllegalArgumentException(pid + ": host must name an address to bind");
    }
    try {
      return new Listen(enabled || given.isPresent(), h, p, InetAddress.getByName(h).isLoopbackAddress());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(pid + ": host " + h + " is not an address here", e);
    }
  }

  private NodeProperties() {}
}
