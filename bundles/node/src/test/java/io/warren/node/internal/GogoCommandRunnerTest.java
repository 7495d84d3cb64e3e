package io.warren.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a command prints and why it failed reach the caller, with Gogo's own processor. */
class GogoCommandRunnerTest {
  private final ThreadIOImpl threadIo = new ThreadIOImpl();

  /** Commands as a bundle registers them. */
  public static final class Commands {
    /**
     * Fails after a helper thread it started (which inherits the command's streams, as MINA's do) wrote
     * to System.err while interrupted, as an executor shut down with interrupts does to a thread that
     * is logging.
     */
    public void failAfterInterruptedHelper() throws InterruptedException {
      Thread helper = new Thread(() -> {
        Thread.currentThread().interrupt();
        System.err.println("a helper's log line");
      });
      helper.start();
      helper.join();
      throw new IllegalStateException("the reason it failed");
    }

    public String answer() {
      return "forty-two";
    }
  }

  @AfterEach
  void stop() {
    threadIo.stop();
  }

  @Test
  void theFailureIsPrintedEvenWhenAHelperThreadClosedTheCommandsStreams() {
    threadIo.start();
    CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
    processor.addCommand("t", new Commands(), "failAfterInterruptedHelper");
    processor.addCommand("t", new Commands(), "answer");
    GogoCommandRunner runner = new GogoCommandRunner(null, processor);

    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    int status = runner.execute("t:failAfterInterruptedHelper", new ByteArrayInputStream(new byte[0]), out, err);
    assertEquals(1, status);
    assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("the reason it failed"),
        "stderr: " + errBytes.toString(StandardCharsets.UTF_8));
    assertFalse(err.checkError(), "the caller's stream is still open");

    // the same caller's streams serve the next command
    assertEquals(0, runner.execute("t:answer", new ByteArrayInputStream(new byte[0]), out, err));
    assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("forty-two"),
        outBytes.toString(StandardCharsets.UTF_8));
  }
}
