package io.warren.api;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs one console command in its own session, the same way for every way in: the local console
 * streams its output to the client, a remote admin call or an SSH session collects or streams it.
 * Errors come out as one line without a stack trace ({@link #describe}).
 *
 * <p>{@link #run(List)} takes the command as words: the first must name a scoped command, and
 * every other word is passed as one literal argument (single-quoted, so the shell expands nothing
 * in it), which is why a word may not contain a single quote.
 */
public interface CommandRunner {

  /** What a command printed, and whether it succeeded. */
  record Outcome(boolean ok, String text) {}

  /**
   * Runs {@code line}, printing its result to {@code out} and a failure, described in one line, to
   * {@code err}; returns 0 on success and 1 on failure.
   */
  int execute(String line, InputStream in, PrintStream out, PrintStream err);

  /**
   * Session variable a way in sets when it can show a progress line in place (a terminal): a
   * {@code java.util.function.Consumer<String>} taking each new progress line. A long command
   * (files:send) hands its progress to it; without it, the command prints progress as lines.
   */
  String PROGRESS = "warren.progress";

  /** {@link #execute(String, InputStream, PrintStream, PrintStream)} with these session variables set first. */
  default int execute(String line, InputStream in, PrintStream out, PrintStream err, Map<String, Object> variables) {
    return execute(line, in, out, err);
  }

  /** Runs {@code words} (see the class comment) and collects everything it printed. */
  Outcome run(List<String> words);

  /**
   * For a console's Tab: what the word being typed may be, given the words typed before it on the
   * line ({@code before}, empty for the first word). The first word is a command
   * ({@code scope:function}); after it, that command's flags not given yet. A runner that knows
   * nothing of its commands offers none.
   */
  default List<String> complete(List<String> before) {
    return List.of();
  }

  /** Checks {@code words} can be run: a scoped command name, then arguments without single quotes. */
  static void checkWords(List<String> words) {
    if (words.isEmpty()) {
      throw new IllegalArgumentException("no command given");
    }
    if (!Words.COMMAND.matcher(words.get(0)).matches()) {
      throw new IllegalArgumentException(
          "'" + words.get(0) + "' is not a console command (expected scope:name, e.g. node:info)");
    }
    for (String w : words) {
      if (w.indexOf('\'') >= 0 || w.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a command word may not contain a single quote or NUL: " + w);
      }
    }
  }

  /** The shell's text for {@code words}: the command, then each argument single-quoted. */
  static String line(List<String> words) {
    checkWords(words);
    StringBuilder b = new StringBuilder(words.get(0));
    for (String w : words.subList(1, words.size())) {
      b.append(" '").append(w).append('\'');
    }
    return b.toString();
  }

  /** One line that says what went wrong, without a stack trace. */
  static String describe(Throwable e) {
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

  /** Holder of the command-name pattern (interfaces cannot have private static fields). */
  final class Words {
    static final Pattern COMMAND = Pattern.compile("[a-z][a-z0-9]*:[a-zA-Z][a-zA-Z0-9_-]*");

    private Words() {}
  }
}
