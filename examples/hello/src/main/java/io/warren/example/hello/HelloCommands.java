package io.warren.example.hello;

import io.warren.api.NodeIdentity;
import java.util.Arrays;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code hello:hello}: answers with the node's name and this plugin's version, so whoever pushed a
 * new version sees it running. Immediate, so the node that receives it can tell it is active.
 *
 * <p>Two manifest headers make the builds the tests need: {@code Hello-Fail-Activation: true}
 * refuses to activate (a broken version, which the node must roll back), and
 * {@code Hello-Activation-Delay-Millis: <n>} activates that much later (a slow one, to stop a node
 * in the middle of an update), and {@code Hello-Stop-Bundle: <symbolic name>} stops that bundle while
 * it is active and starts it again when it goes (a build that takes the node's transport down, which
 * the node's health check must notice and undo).
 */
@Component(service = HelloCommands.class, immediate = true,
    property = {"osgi.command.scope=hello", "osgi.command.function=hello"})
public final class HelloCommands {
  private final NodeIdentity identity;
  private final String version;
  private final Bundle stopped;

  @Activate
  public HelloCommands(BundleContext context, @Reference NodeIdentity identity)
      throws InterruptedException, BundleException {
    String delay = context.getBundle().getHeaders().get("Hello-Activation-Delay-Millis");
    if (delay != null) {
      Thread.sleep(Long.parseLong(delay.strip()));
    }
    if (Boolean.parseBoolean(context.getBundle().getHeaders().get("Hello-Fail-Activation"))) {
      throw new IllegalStateException("this build of the hello plugin is broken on purpose (Hello-Fail-Activation)");
    }
    this.identity = identity;
    this.version = context.getBundle().getVersion().toString();
    String stop = context.getBundle().getHeaders().get("Hello-Stop-Bundle");
    this.stopped = stop == null ? null : Arrays.stream(context.getBundles())
        .filter(b -> stop.strip().equals(b.getSymbolicName())).findFirst().orElse(null);
    if (stopped != null) {
      stopped.stop(Bundle.STOP_TRANSIENT);
    }
  }

  @Deactivate
  void deactivate() throws BundleException {
    if (stopped != null) {
      stopped.start(Bundle.START_TRANSIENT);
    }
  }

  /** The greeting: this node's name and the plugin's version. */
  public String hello() {
    return "hello from " + identity.name() + ", example plugin " + version;
  }
}
