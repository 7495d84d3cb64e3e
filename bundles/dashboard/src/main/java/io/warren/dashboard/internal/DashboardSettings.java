package io.warren.dashboard.internal;

import io.warren.api.NodeProperties;
import java.time.Duration;
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
    NodeProperties.Listen listen =
        NodeProperties.listen(PID, PORT_PROPERTY, portProperty, c.enabled(), c.host(), c.port());
    if (listen.enabled() && !listen.loopback() && !c.plain_http_beyond_loopback()) {
      throw new IllegalArgumentException(PID + ": host " + listen.host() + " is not loopback and the dashboard speaks "
          + "plain HTTP; put a TLS proxy in front and set plain.http.beyond.loopback = true, or keep 127.0.0.1");
    }
    if (c.session_minutes() < 1 || c.session_minutes() > 24 * 60) {
      throw new IllegalArgumentException(PID + ": session.minutes must be 1-1440, got " + c.session_minutes());
    }
    if (c.refresh_seconds() < 1 || c.refresh_seconds() > 60) {
      throw new IllegalArgumentException(PID + ": refresh.seconds must be 1-60, got " + c.refresh_seconds());
    }
    return new DashboardSettings(listen.enabled(), listen.host(), listen.port(),
        Duration.ofMinutes(c.session_minutes()),
        Duration.ofSeconds(c.refresh_seconds()));
  }
}
