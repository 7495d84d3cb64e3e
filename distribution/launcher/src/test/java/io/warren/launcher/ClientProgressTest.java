package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress lines from the node: redrawn in place behind a bar on a terminal, one per line otherwise. */
class ClientProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String shown() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void onATerminalEachLineReplacesTheLastBehindABarAndOutputAfterItStartsBelow() {
    Client.Progress p = new Client.Progress(out, true);
    p.show("10% 1.0 of 10.0 MB, 1.0 MB/s, ETA 0:09\n");
    p.show("50% 5.0 of 10.0 MB, 1.0 MB/s, ETA 0:05\n");
    p.end();
    p.end();
    assertEquals("\r[===                           ] 10% 1.0 of 10.0 MB, 1.0 MB/s, ETA 0:09\033[K"
        + "\r[===============               ] 50% 5.0 of 10.0 MB, 1.0 MB/s, ETA 0:05\033[K\n", shown());
  }

  @Test
  void aLineWithoutAPercentageIsRedrawnWithoutABar() {
    Client.Progress p = new Client.Progress(out, true);
    p.show("waiting for the receiver\n");
    assertEquals("\rwaiting for the receiver\033[K", shown());
  }

  @Test
  void elsewhereEachLineIsPrintedAsItIs() {
    Client.Progress p = new Client.Progress(out, false);
    p.show("10% 1.0 of 10.0 MB, 1.0 MB/s, ETA 0:09\n");
    p.show("50% 5.0 of 10.0 MB, 1.0 MB/s, ETA 0:05\n");
    p.end();
    assertEquals("10% 1.0 of 10.0 MB, 1.0 MB/s, ETA 0:09\n50% 5.0 of 10.0 MB, 1.0 MB/s, ETA 0:05\n",
        shown().replace(System.lineSeparator(), "\n"));
  }
}
