package io.warren.metrics.internal;

import io.warren.api.NodeProperties;
import java.util.Optional;
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
    NodeProperties.Listen listen =
        NodeProperties.listen(PID, PORT_PROPERTY, portProperty, c.enabled(), c.host(), c.port());
    String token = c.bearer_token() == null ? "" : c.bearer_token().strip();
    if (!token.isEmpty() && (token.length() < 16 || !token.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f))) {
      throw new IllegalArgumentException(
          PID + ": bearer.token must be at least 16 printable characters without spaces");
    }
    if (listen.enabled() && token.isEmpty() && !listen.loopback()) {
      throw new IllegalArgumentException(PID + ": host " + listen.host() + " is not loopback; set bearer.token so "
          + "that only your Prometheus can scrape it");
    }
    return new MetricsSettings(listen.enabled(), listen.host(), listen.port(),
        token.isEmpty() ? Optional.empty() : Optional.of(token), c.jvm());
  }
}
