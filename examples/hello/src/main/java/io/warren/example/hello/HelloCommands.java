package io.warren.example.hello;

import io.warren.api.NodeIdentity;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code hello:hello}: answers with the node's name and this plugin's version, so whoever pushed a
 * new version sees it running. Immediate, so the node that receives it can tell it is active.
 *
 * <p>A bundle whose manifest says {@code Hello-Fail-Activation: true} refuses to activate: that is
 * how the tests make a broken version of this plugin, which the node must roll back.
 */
@Component(service = HelloCommands.class, immediate = true,
    property = {"osgi.command.scope=hello", "osgi.command.function=hello"})
public final class HelloCommands {
  private final NodeIdentity identity;
  private final String version;

  @Activate
  public HelloCommands(BundleContext context, @Reference NodeIdentity identity) {
    if (Boolean.parseBoolean(context.getBundle().getHeaders().get("Hello-Fail-Activation"))) {
      throw new IllegalStateException("this build of the hello plugin is broken on purpose (Hello-Fail-Activation)");
    }
    this.identity = identity;
    this.version = context.getBundle().getVersion().toString();
  }

  /** The greeting: this node's name and the plugin's version. */
  public String hello() {
    return "hello from " + identity.name() + ", example plugin " + version;
  }
}
