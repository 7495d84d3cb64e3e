package io.warren.itests;

import io.warren.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A command run under util-linux {@code script}, so that it has a terminal: what it shows is
 * collected, keys are typed into it, and tests wait for text to show up.
 */
final class Terminal implements AutoCloseable {
  final Process process;
  private final Duration timeout;
  private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
  private final OutputStream keys;

  /** Starts {@code words} (quoted for {@code script -c}) in a terminal. */
  Terminal(List<String> words, Duration timeout) throws IOException {
    String line = String.join(" ", words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
    this.process = new ProcessBuilder("script", "-qec", line, "/dev/null").redirectErrorStream(true).start();
    this.timeout = timeout;
    this.keys = process.getOutputStream();
    Thread reader = new Thread(() -> copy(process.getInputStream()), "terminal-output");
    reader.setDaemon(true);
    reader.start();
  }

  private void copy(InputStream in) {
    byte[] b = new byte[4096];
    try {
      for (int n; (n = in.read(b)) >= 0;) {
        synchronized (seen) {
          seen.write(b, 0, n);
        }
      }
    } catch (IOException e) {
      // the process ended: what it showed is kept
    }
  }

  /** Everything shown so far. */
  String text() {
    synchronized (seen) {
      return seen.toString(StandardCharsets.UTF_8);
    }
  }

  void type(String text) throws IOException {
    keys.write(text.getBytes(StandardCharsets.UTF_8));
    keys.flush();
  }

  /** Waits until {@code what} shows at or after {@code from}; returns where it ends. */
  int awaitAfter(String what, int from) throws InterruptedException {
    try {
      Await.until(timeout, () -> text().indexOf(what, from) >= 0, "'" + what + "' on the terminal");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the terminal shows:\n" + text(), e);
    }
    return text().indexOf(what, from) + what.length();
  }

  @Override
  public void close() throws IOException {
    keys.close();
    process.destroyForcibly();
  }
}
