package io.warren.ssh.internal;

import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The SSH console's figures for {@code /metrics}: connections open, and those refused at the limits. */
@Component(service = MetricsSource.class, property = MetricsSource.NAME + "=ssh")
public final class SshMetrics implements MetricsSource {
  private final SshConsoleServer server;

  @Activate
  public SshMetrics(@Reference SshConsoleServer server) {
    this.server = server;
  }

  @Override
  public List<Metric> samples() {
    return List.of(
        Metric.gauge("warren_ssh_sessions", "SSH connections to the console open now, logged in or not.",
            server.sessions()),
        Metric.counter("warren_limit_refused_total",
            "Connections, streams or requests refused because a limit was reached, by limit.",
            server.sessionsRefused(), "limit", "ssh_sessions"));
  }
}
