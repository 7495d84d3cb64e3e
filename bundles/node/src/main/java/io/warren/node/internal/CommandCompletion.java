package io.warren.node.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Tab completion from what the commands declare, for every console (the SSH console through
 * {@link io.warren.api.CommandRunner#complete}): the command names the Gogo services register
 * ({@code osgi.command.scope}/{@code osgi.command.function}), and a command's flags from the
 * {@link Parameter} annotations of its function's parameters, so a new flag completes with no
 * list to keep.
 */
final class CommandCompletion {
  private CommandCompletion() {}

  /** Candidates for the word after {@code before} (see {@link io.warren.api.CommandRunner#complete}). */
  static List<String> complete(BundleContext context, List<String> before) {
    if (before.isEmpty()) {
      return List.copyOf(commandNames(context));
    }
    String command = before.get(0);
    int colon = command.indexOf(':');
    String scope = colon < 0 ? "*" : command.substring(0, colon);
    String function = command.substring(colon + 1);
    if (!scope.matches("[A-Za-z0-9_.*-]+") || !function.matches("[A-Za-z0-9_.-]+")) {
      return List.of();
    }
    TreeSet<String> flags = new TreeSet<>();
    for (ServiceReference<?> r : references(context,
        "(&(osgi.command.scope=" + scope + ")(osgi.command.function=" + function + "))")) {
      Object service = context.getService(r);
      if (service != null) {
        try {
          flags.addAll(flags(service.getClass(), function, before));
        } finally {
          context.ungetService(r);
        }
      }
    }
    return List.copyOf(flags);
  }

  /**
   * The flags of {@code function}'s public methods on {@code type} (every name of each
   * {@link Parameter}, long ones first in order), less those {@code before} already gives.
   */
  static List<String> flags(Class<?> type, String function, List<String> before) {
    List<String> out = new ArrayList<>();
    for (Method m : type.getMethods()) {
      if (!m.getName().equals(function) || Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      for (Annotation[] annotations : m.getParameterAnnotations()) {
        for (Annotation a : annotations) {
          if (a instanceof Parameter p) {
            List<String> names = List.of(p.names());
            if (names.stream().noneMatch(before::contains)) {
              names.stream().filter(n -> !out.contains(n)).forEach(out::add);
            }
          }
        }
      }
    }
    return out;
  }

  /** Every console command's name ({@code scope:function}). */
  static Collection<String> commandNames(BundleContext context) {
    TreeSet<String> names = new TreeSet<>();
    for (ServiceReference<?> r : references(context, "(osgi.command.scope=*)")) {
      Object scope = r.getProperty("osgi.command.scope");
      Object functions = r.getProperty("osgi.command.function");
      for (Object f : functions instanceof Object[] a ? a : new Object[] {functions}) {
        if (f != null) {
          names.add(scope + ":" + f);
        }
      }
    }
    return names;
  }

  private static ServiceReference<?>[] references(BundleContext context, String filter) {
    try {
      ServiceReference<?>[] refs = context.getServiceReferences((String) null, filter);
      return refs == null ? new ServiceReference<?>[0] : refs;
    } catch (InvalidSyntaxException | IllegalStateException e) {
      return new ServiceReference<?>[0];
    }
  }
}
