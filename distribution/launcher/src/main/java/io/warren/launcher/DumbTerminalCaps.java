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

  private DumbTerminalCaps() {}

  /** Loads the descriptions once the JLine bundle has started. */
  static void install(BundleContext ctx) {
    ctx.addBundleListener(new DumbTerminalCaps());
  }

  @Override
  public void bundleChanged(BundleEvent event) {
    if (event.getType() != BundleEvent.STARTED || !JLINE.equals(event.getBundle().getSymbolicName())) {
      return;
    }
    event.getBundle().getBundleContext().removeBundleListener(this);
    load(event.getBundle());
  }

  /** Whether every type's shipped description was loaded (tests). */
  static boolean load(Bundle jline) {
    try {
      Class<?> infoCmp = jline.loadClass("org.jline.utils.InfoCmp");
      Method shipped = infoCmp.getMethod("getDefaultInfoCmp", String.class);
      Method loaded = infoCmp.getMethod("setLoadedInfoCmp", String.class, String.class);
      boolean all = true;
      for (String type : TYPES) {
        Object caps = shipped.invoke(null, type);
        if (caps instanceof String s && !s.isEmpty()) {
          loaded.invoke(null, type, s);
        } else {
          all = false;
        }
      }
      return all;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false; // another JLine: it runs infocmp as before
    }
  }
}
