package io.warren.metrics.command;

import io.warren.metrics.MetricsEndpointState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code metrics:} console scope. */
@Component(service = MetricsCommands.class, property = {"osgi.command.scope=metrics", "osgi.command.function=info"})
public final class MetricsCommands {
  private final MetricsEndpointState endpoint;

  @Activate
  public MetricsCommands(@Reference MetricsEndpointState endpoint) {
    this.endpoint = endpoint;
  }

  @Descriptor("The /metrics endpoint: its URL (or that it is off), whether scrapes need the bearer token, the sources "
      + "reporting (node:metrics shows their figures)")
  public Map<String, Object> info() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", endpoint.url().orElse("(off: enabled = true in etc/io.warren.metrics.cfg, or --metrics-port N)"));
    m.put("token", endpoint.tokenRequired() ? "required (Authorization: Bearer <bearer.token>)" : "none (loopback)");
    m.put("sources", String.join(", ", endpoint.sources()));
    return m;
  }
}
