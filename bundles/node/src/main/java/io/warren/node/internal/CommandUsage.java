package io.warren.node.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Turns Gogo's "Cannot coerce f(Token) to any of [(boolean)]", which it throws when a command's
 * arguments fit none of its methods (an unknown flag, a missing or extra argument), into what the
 * user needs: which arguments did not fit and the command's usage, from the {@code @Descriptor}
 * and {@code @Parameter} annotations every command carries. No console path shows Gogo's message.
 */
final class CommandUsage {
  private static final Pattern COERCE = Pattern.compile("Cannot coerce ([A-Za-z0-9_-]+)\\(");
  /** The method Gogo calls for a function without a method of its name, with that name as the last argument. */
  private static final String MAIN = "_main";
  private static final String UNSPECIFIED = org.apache.felix.service.command.Parameter.UNSPECIFIED;

  private CommandUsage() {}

  /** The usage message for {@code e} if it is Gogo's coercion failure, else empty. */
  static Optional<String> explain(BundleContext context, String line, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = t instanceof IllegalArgumentException && t.getMessage() != null ? COERCE.matcher(t.getMessage())
          : null;
      if (m != null && m.lookingAt()) {
        String function = m.group(1);
        return Optional.of(explain(context, line, function));
      }
    }
    return Optional.empty();
  }

  private static String explain(BundleContext context, String line, String function) {
    String[] words = line.strip().split("\\s+");
    int at = 0;
    while (at < words.length && !words[at].equals(function) && !words[at].endsWith(":" + function)) {
      at++;
    }
    String typed = at < words.length ? words[at] : function;
    String scope = typed.contains(":") ? typed.substring(0, typed.indexOf(':')) : "*";
    String given = at + 1 < words.length ? String.join(" ", Arrays.asList(words).subList(at + 1, words.length)) : "";
    StringBuilder b = new StringBuilder(typed).append(": ")
        .append(given.isEmpty() ? "missing arguments" : "these arguments do not fit: " + given);
    try {
      ServiceReference<?>[] refs = context.getServiceReferences((String) null,
          "(&(osgi.command.scope=" + scope + ")(osgi.command.function=" + function + "))");
      for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
        Object service = context.getService(r);
        if (service == null) {
          continue;
        }
        try {
          List<Method> methods = Arrays.stream(service.getClass().getMethods())
              .filter(x -> x.getName().equals(function)).toList();
          if (methods.isEmpty()) {
            // a function Java cannot name (update-node): Gogo calls _main with the name first
            methods = Arrays.stream(service.getClass().getMethods()).filter(x -> x.getName().equals(MAIN)).toList();
          }
          b.append('\n').append(usage(r.getProperty("osgi.command.scope") + ":" + function, methods));
        } finally {
          context.ungetService(r);
        }
      }
    } catch (InvalidSyntaxException | IllegalStateException ex) {
      // no usage to add: the line says what did not fit
    }
    return b.toString();
  }

  /** {@code usage: scope:function [options] <arg> ...} and a line per option, for each of the methods. */
  static String usage(String command, List<Method> methods) {
    List<String> out = new ArrayList<>();
    for (Method method : methods) {
      StringBuilder head = new StringBuilder("usage: ").append(command);
      List<String> options = new ArrayList<>();
      for (Parameter p : method.getParameters()) {
        if (CommandSession.class.isAssignableFrom(p.getType())
            || method.getName().equals(MAIN) && p == method.getParameters()[method.getParameterCount() - 1]) {
          continue; // the session, and the function's name that Gogo gives _main
        }
        org.apache.felix.service.command.Parameter flag =
            p.getAnnotation(org.apache.felix.service.command.Parameter.class);
        Descriptor d = p.getAnnotation(Descriptor.class);
        String what = d == null ? "" : d.value();
        if (flag == null) {
          head.append(" <").append(what.isEmpty() ? p.getType().getSimpleName() : firstWords(what)).append('>');
          continue;
        }
        boolean takesValue = flag.presentValue().equals(UNSPECIFIED);
        String names = String.join(", ", flag.names()) + (takesValue ? " <" + p.getType().getSimpleName() + ">" : "");
        options.add(String.format("  %-28s %s", names, what));
      }
      if (!options.isEmpty()) {
        head.insert(head.indexOf(command) + command.length(), " [options]");
      }
      out.add(head.toString());
      out.addAll(options);
    }
    return String.join("\n", out);
  }

  private static String firstWords(String descriptor) {
    String[] w = descriptor.split("\\s+");
    return String.join(" ", Arrays.asList(w).subList(0, Math.min(3, w.length)));
  }
}
