package io.warren.federation.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Runs one console command, given as words, in its own Gogo session, as the local console would:
 * a remote admin call is the same command with the same output. The first word must name a scoped
 * command; every other word is passed as one literal argument (single-quoted, so Gogo expands
 * nothing in it), which is why a word may not contain a single quote.
 */
@Component(service = CommandRunner.class)
public final class CommandRunner {
  private static final Pattern COMMAND = Pattern.compile("[a-z][a-z0-9]*:[a-zA-Z][a-zA-Z0-9_-]*");

  /** What a command printed, and whether it succeeded. */
  public record Outcome(boolean ok, String text) {}

  private final CommandProcessor processor;

  @Activate
  public CommandRunner(@Reference CommandProcessor processor) {
    this.processor = processor;
  }

  /** Checks {@code words} can be run: a scoped command name, then arguments without single quotes. */
  static void checkWords(List<String> words) {
    if (words.isEmpty()) {
      throw new IllegalArgumentException("no command given");
    }
    if (!COMMAND.matcher(words.get(0)).matches()) {
      throw new IllegalArgumentException("'" + words.get(0) + "' is not a console command (expected scope:name, e.g. node:info)");
    }
    for (String w : words) {
      if (w.indexOf('\'') >= 0 || w.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a command word may not contain a single quote or NUL: " + w);
      }
    }
  }

  /** Gogo's text for {@code words}: the command, then each argument single-quoted. */
  static String line(List<String> words) {
    checkWords(words);
    StringBuilder b = new StringBuilder(words.get(0));
    for (String w : words.subList(1, words.size())) {
      b.append(" '").append(w).append('\'');
    }
    return b.toString();
  }

  public Outcome run(List<String> words) {
    String line;
    try {
      line = line(words);
    } catch (IllegalArgumentException e) {
      return new Outcome(false, e.getMessage());
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
    try {
      Object result = session.execute(line);
      if (result != null) {
        out.println(session.format(result, Converter.INSPECT));
      }
      out.flush();
      return new Outcome(true, buffer.toString(StandardCharsets.UTF_8));
    } catch (Exception e) {
      out.flush();
      String printed = buffer.toString(StandardCharsets.UTF_8);
      return new Outcome(false, printed + describe(e));
    } finally {
      session.close();
    }
  }

  private static String describe(Throwable e) {
    if (e.getClass().getSimpleName().equals("CommandNotFoundException")) {
      String m = e.getMessage() == null ? "" : e.getMessage().replace("Command not found: ", "");
      return "unknown command: " + m;
    }
    Throwable t = e;
    while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
