package io.warren.metrics.internal;

import io.warren.api.NodeProperties;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.OptionalInt;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The endpoint's configuration, checked: a bad value stops the component with the reason. */
record MetricsSettings(boolean enabled, String host, int port, Optional<String> token, boolean jvm) {
  static final String PID = "io.warren.metrics";
  /** The framework property that turns the endpoint on, on a port (the launcher's --metrics-port). */
  static final String PORT_PROPERTY = "warren.metrics.port";

  @ObjectClassDefinition(name = "Warren metrics", description = "The /metrics endpoint for Prometheus")
  public @interface Config {
    @AttributeDefinition(description = "Serve /metrics (also on when the warren.metrics.port property is set, "
        + "as --metrics-port does)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Address to bind; anything but loopback needs bearer.token")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port; 0 picks a free port (warren.metrics.port overrides it)")
    int port() default 9464;

    @AttributeDefinition(description = "When set, scrapes must send 'Authorization: Bearer <this>' "
        + "(Prometheus: authorization.credentials); required when host is not loopback")
    String bearer_token() default "";

    @AttributeDefinition(description = "Include the JVM's figures (memory, GC, threads, classes: jvm_*, process_*)")
    boolean jvm() default true;
  }

  static MetricsSettings of(Config c, String portProperty) {
    OptionalInt given = NodeProperties.port(PORT_PROPERTY, portProperty);
    int port = given.orElse(c.port());
    boolean enabled = c.enabled() || given.isPresent();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(PID + ": port must be 0-65535, got " + port);
    }
    String host = c.host() == null ? "" : c.host().strip();
    if (host.isEmpty()) {
      throw new IllegalArgumentException(PID + ": host must name an address to bind");
    }
    String token = c.bearer_token() == null ? "" : c.bearer_token().strip();
    if (!token.isEmpty() && (token.length() < 16 || !token.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f))) {
      throw new IllegalArgumentException(
          PID + ": bearer.token must be at least 16 printable characters without spaces");
    }
    if (enabled && token.isEmpty() && !loopback(host)) {
      throw new IllegalArgumentException(PID + ": host " + host + " is not loopback; set bearer.token so that "
          + "only your Prometheus can scrape it");
    }
    return new MetricsSettings(enabled, host, port, token.isEmpty() ? Optional.empty() : Optional.of(token), c.jvm());
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(PID + ": host " + host + " is not an address here", e);
    }
  }
}
