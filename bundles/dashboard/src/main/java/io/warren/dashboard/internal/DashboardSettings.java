package io.warren.dashboard.internal;

import io.warren.api.NodeProperties;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.OptionalInt;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The dashboard's configuration, checked: a bad value stops the component with the reason. */
record DashboardSettings(boolean enabled, String host, int port, Duration session, Duration refresh) {
  static final String PID = "io.warren.dashboard";
  /** The framework property that turns the dashboard on, on a port (the launcher's --dashboard-port). */
  static final String PORT_PROPERTY = "warren.dashboard.port";

  @ObjectClassDefinition(name = "Warren dashboard", description = "The web dashboard served by the node")
  public @interface Config {
    @AttributeDefinition(description = "Serve the dashboard (also on when the warren.dashboard.port property is set, "
        + "as --dashboard-port does)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Address to bind. It speaks plain HTTP, so anything but loopback needs "
        + "plain.http.beyond.loopback = true (and a TLS proxy in front of it)")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port; 0 picks a free port (warren.dashboard.port overrides it)")
    int port() default 8090;

    @AttributeDefinition(description = "Allow a host other than loopback although logins then cross the network "
        + "in clear unless a TLS proxy is in front")
    boolean plain_http_beyond_loopback() default false;

    @AttributeDefinition(description = "Minutes a login lasts without being used")
    int session_minutes() default 30;

    @AttributeDefinition(description = "Seconds between live updates while a page is open (1-60)")
    int refresh_seconds() default 2;
  }

  static DashboardSettings of(Config c, String portProperty) {
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
    if (enabled && !loopback(host) && !c.plain_http_beyond_loopback()) {
      throw new IllegalArgumentException(PID + ": host " + host + " is not loopback and the dashboard speaks plain "
          + "HTTP; put a TLS proxy in front and set plain.http.beyond.loopback = true, or keep 127.0.0.1");
    }
    if (c.session_minutes() < 1 || c.session_minutes() > 24 * 60) {
      throw new IllegalArgumentException(PID + ": session.minutes must be 1-1440, got " + c.session_minutes());
    }
    if (c.refresh_seconds() < 1 || c.refresh_seconds() > 60) {
      throw new IllegalArgumentException(PID + ": refresh.seconds must be 1-60, got " + c.refresh_seconds());
    }
    return new DashboardSettings(enabled, host, port, Duration.ofMinutes(c.session_minutes()),
        Duration.ofSeconds(c.refresh_seconds()));
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(PID + ": host " + host + " is not an address here", e);
    }
  }
}
