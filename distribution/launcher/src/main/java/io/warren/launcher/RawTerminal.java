package io.warren.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The terminal {@code warren client} runs in, switched to raw mode (no echo, no line editing, keys
 * passed on as typed) while another node's console owns it, and restored afterwards, also when the
 * JVM is stopped. It uses {@code stty} on the inherited terminal: the launcher has no terminal
 * library on its class path, and stty is what every Unix terminal understands.
 */
final class RawTerminal implements AutoCloseable {
  private final String saved;
  private final String spec;
  private final Thread restore;

  private RawTerminal(String saved, String spec) {
    this.saved = saved;
    this.spec = spec;
    this.restore = new Thread(this::restore, "warren-client-tty");
    Runtime.getRuntime().addShutdownHook(restore);
  }

  /**
   * Raw mode on this process's terminal; null (and a note on {@code err}) when stty cannot, so the
   * session goes on line by line.
   */
  static RawTerminal enter(String term, PrintStream err) {
    try {
      String saved = stty("-g");
      String[] size = stty("size").split("\\s+");
      String type = term == null || !term.matches("[A-Za-z0-9._+-]{1,64}") ? "vt100" : term;
      // a terminal that does not know its size (0 0, as under script without one) gets the classic 80x24
      int rows = Integer.parseInt(size[0]);
      int columns = Integer.parseInt(size[1]);
      String spec = type + ":" + (columns > 0 ? columns : 80) + "x" + (rows > 0 ? rows : 24);
      stty("raw", "-echo");
      return new RawTerminal(saved, spec);
    } catch (IOException | RuntimeException e) {
      err.println("warren: no raw terminal (" + e.getMessage() + "); the session reads lines");
      return null;
    }
  }

  /** The terminal's type and size as {@code ssh:shell --pty} takes them: {@code TERM:COLSxROWS}. */
  String spec() {
    return spec;
  }

  @Override
  public void close() {
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(restore);
    } catch (IllegalStateException e) {
      // the JVM is stopping: the hook restores
    }
  }

  private synchronized void restore() {
    try {
      stty(saved);
    } catch (IOException | RuntimeException e) {
      System.err.println("warren: cannot restore the terminal (" + e.getMessage() + "); try: stty sane");
    }
  }

  /** Runs stty with this process's terminal as its input; its output, or an exception saying why not. */
  private static String stty(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("stty"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("stty " + String.join(" ", args) + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return out;
  }
}
