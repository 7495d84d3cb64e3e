package io.warren.diag;

import io.warren.api.NodeIdentity;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code diag:} console scope: proves a drop-in plugin is installed and wired. */
@Component(service = DiagCommands.class, property = {
    "osgi.command.scope=diag",
    "osgi.command.function=hello"})
public final class DiagCommands {
  private final BundleContext context;
  private final NodeIdentity identity;

  @Activate
  public DiagCommands(BundleContext context, @Reference NodeIdentity identity) {
    this.context = context;
    this.identity = identity;
  }

  /** Greets from this plugin, naming its version and the node it runs in. */
  public String hello() {
    return "diag plugin " + context.getBundle().getVersion() + " on " + identity.peerId();
  }
}
