package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warren.api.CommandRunner;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.DefaultParser;
import org.junit.jupiter.api.Test;

/** The SSH console's Tab asks the node's CommandRunner, with the words typed before the cursor's. */
class ConsoleCompletionTest {
  private final List<List<String>> asked = new ArrayList<>();
  private final CommandRunner runner = new CommandRunner() {
    @Override
    public int execute(String line, InputStream in, PrintStream out, PrintStream err) {
      return 0;
    }

    @Override
    public Outcome run(List<String> words) {
      return new Outcome(true, "");
    }

    @Override
    public List<String> complete(List<String> before) {
      asked.add(before);
      return before.isEmpty() ? List.of("node:info", "ssh:shell") : List.of("--node", "-n");
    }
  };

  private List<String> complete(String typed) {
    ParsedLine line = new DefaultParser().parse(typed, typed.length());
    List<Candidate> candidates = new ArrayList<>();
    ConsoleShell.completer(runner).complete(null, line, candidates);
    return candidates.stream().map(Candidate::value).toList();
  }

  @Test
  void theFirstWordIsACommandAndLaterOnesItsFlags() {
    assertEquals(List.of("node:info", "ssh:shell"), complete("ss"));
    assertEquals(List.of("--node", "-n"), complete("ssh:shell --no"));
    assertEquals(List.of("--node", "-n"), complete("ssh:shell -c admin:x "));
    assertEquals(List.of(List.of(), List.of("ssh:shell"), List.of("ssh:shell", "-c", "admin:x")), asked);
  }
}
