package io.warren.launcher;

import java.lang.reflect.Method;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Hands JLine the capabilities of its dumb terminal before the Gogo shell builds one.
 *
 * <p>
 * Without a console (a service, {@code --no-console}, no terminal) the Gogo shell still runs its
 * login session on JLine's dumb terminal, and JLine reads a terminal type's capabilities by running
 * {@code infocmp -x <type>} unless they are already loaded: one process spawned at every start (and
 * the JDK's process reaper thread with it), for a description JLine ships in its own jar. When the
 * JLine bundle has started, its shipped descriptions of {@code dumb} and {@code dumb-color} are
 * loaded as if infocmp had answered. Other types (an interactive console's {@code TERM}, an SSH
 * client's) are still read from the system's terminfo. Reflection, since JLine is a bundle and the
 * launcher is outside the framework: a JLine without these methods runs infocmp as before.
 */
final class DumbTerminalCaps implements SynchronousBundleListener {
  private static final String JLINE = "org.jline";
  private static final List<String> TYPES = List.of("dumb", "dumb-color");

  private final BundleContext ctx;

  private DumbTerminalCaps(BundleContext ctx) {
    this.ctx = ctx;
  }

  /** Loads the descriptions once the JLine bundle has started. */
  static void install(BundleContext ctx) {
    ctx.addBundleListener(new DumbTerminalCaps(ctx));
  }

  @Override
  public void bundleChanged(BundleEvent event) {
    if (event.getType() != BundleEvent.STARTED || !JLINE.equals(event.getBundle().getSymbolicName())) {
      return;
    }
    ctx.removeBundleListener(this); // from the context it was added to: JLine's own would not remove it
    load(event.getBundle());
  }

  private static void load(Bundle jline) {
    try {
      Class<?> infoCmp = jline.loadClass("org.jline.utils.InfoCmp");
      Method shipped = infoCmp.getMethod("getDefaultInfoCmp", String.class);
      Method loaded = infoCmp.getMethod("setLoadedInfoCmp", String.class, String.class);
      for (String type : TYPES) {
        if (shipped.invoke(null, type) instanceof String caps && !caps.isEmpty()) {
          loaded.invoke(null, type, caps);
        }
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // a JLine without these methods runs infocmp as before; the start goes on either way, and the
      // launcher's output stays the banner (NodeLifecycleTest catches a JLine that changed)
    }
  }
}
