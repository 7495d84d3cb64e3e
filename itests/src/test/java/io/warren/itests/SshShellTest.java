package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssh:shell --node} between two node processes of one network: P opens Q's console through
 * the overlay, with Q's admin credentials or a standing grant, with lines piped in or a command
 * given; Q serves SSH on a loopback port of its own, and no ticket (a one-time login key) is left.
 */
class SshShellTest {
  private static final Duration SYNC = Duration.ofSeconds(60);

  @TempDir static Path dir;

  @Test
  void aShellOnAnotherNodeThroughTheOverlay() throws Exception {
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    NodeProcess.configure(qHome, "io.warren.ssh", "enabled = true\nport = 0\n");
    try (NodeProcess p = NodeProcess.startMember(NodeProcess.installation(dir.resolve("p"), "p"), dir.resolve("p/data"),
        "mynet:NetPass", "admin:PAdmin", null)) {
      String pId = p.banner("peer ID");
      try (NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin",
          p.identity())) {
        String qId = q.banner("peer ID");
        p.awaitClient(SYNC, o -> o.out().contains(qId), "net:nodes");
        // Q's host key reached P in Q's signed record, which ssh:shell checks the key it is shown against
        String qFingerprint = q.client("ssh:fingerprint").out().strip();
        assertTrue(qFingerprint.startsWith("SHA256:"), qFingerprint);
        p.awaitClient(SYNC,
            o -> o.out().matches("(?s)(.*\\s)?ssh\\.hostkey\\s+" + java.util.regex.Pattern.quote(qFingerprint)
                + "(\\s.*)?"),
            "net:attributes", "q");
        assertFalse(p.client("net:attributes").out().contains("ssh.hostkey"), "P's SSH is off: nothing to vouch for");

        // no authorisation: refused by Q's admin check, before any SSH
        Result none = p.client("ssh:shell", "--node", "q", "node:identity");
        assertNotEquals(0, none.exit(), none.toString());
        assertTrue(none.err().contains("requires admin authorization"), none.toString());
        Result wrong = p.client("ssh:shell", "--node", "q", "--credentials", "admin:nope", "node:identity");
        assertNotEquals(0, wrong.exit(), wrong.toString());
        assertTrue(q.client("ssh:info").out().contains("tickets      0"), "no ticket for a refused call");

        // lines piped in, with Q's credentials: each runs on Q
        long start = System.nanoTime();
        Result piped = p.clientWithInput("node:identity\nssh:info\nexit\n", "ssh:shell", "--node", "q",
            "--credentials", "admin:QAdmin");
        long pipedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, piped.exit(), piped + "\n--- p:\n" + NodeProcess.tail(p.err()) + "\n--- q:\n"
            + NodeProcess.tail(q.err()));
        assertTrue(piped.out().contains("\"peerId\":\"" + qId + "\""), piped.toString());
        assertTrue(piped.out().contains("connections  1"), "ssh:info ran on Q, within the session: " + piped);

        // a standing grant instead of credentials, and a command given instead of lines
        assertEquals(0, q.client("net:trust", pId, "admin").exit());
        start = System.nanoTime();
        Result granted = p.client("shell", qId, "node:identity"); // warren client shell: ssh:shell --node
        long grantedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, granted.exit(), granted.toString());
        assertTrue(granted.out().contains("\"peerId\":\"" + qId + "\""), granted.toString());
        // from a terminal, warren client shell hands it over raw: Q's console runs with a PTY (its prompt,
        // and Tab completing on Q), which the piped sessions above never show
        start = System.nanoTime();
        Terminal t = new Terminal(p.clientCommand("shell", "q"), SYNC);
        long promptMillis;
        try (t) {
          int at = t.awaitAfter("warren> ", 0);
          promptMillis = (System.nanoTime() - start) / 1_000_000;
          t.type("node:ident\t\r");
          at = t.awaitAfter("\"peerId\":\"" + qId + "\"", at);
          t.awaitAfter("warren> ", at);
          t.type("exit\r");
          assertTrue(t.process.waitFor(SYNC.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
              "exit ends the session: " + t.text());
        }
        assertEquals(0, t.process.exitValue(), t.text());
        Result badPty = p.client("ssh:shell", "--node", "q", "--pty", "xterm;rm:80x24");
        assertNotEquals(0, badPty.exit(), badPty.toString());
        assertTrue(badPty.err().contains("--pty expects TERM:COLSxROWS"), badPty.toString());
        Result failing = p.client("ssh:shell", "--node", "q", "no:such");
        assertNotEquals(0, failing.exit(), failing.toString());
        assertTrue(failing.err().contains("unknown command: no:such"), failing.toString());

        // afterwards: no ticket left, no SSH connection open on Q
        q.awaitClient(SYNC, o -> o.out().contains("tickets      0") && o.out().contains("connections  0"),
            "ssh:info");
        start = System.nanoTime();
        assertEquals(0, p.client("node:identity").exit());
        long localMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("ssh:shell direct: piped session %d ms, one command %d ms; the same command run on p "
            + "itself %d ms (warren client start to exit); warren client shell to q's prompt %d ms%n", pipedMillis,
            grantedMillis, localMillis, promptMillis);
      }
    }
  }

  /** P and Q listen nowhere (they dial out only) and reach each other through R's circuit. */
  @Test
  void aShellThroughARelay() throws Exception {
    try (NodeProcess r = NodeProcess.startMember(NodeProcess.installation(dir.resolve("r2"), "r"),
        dir.resolve("r2/data"), "relnet:NetPass", "admin:RAdmin", null)) {
      String bootstrap = r.identity();
      Path qHome = privateInstallation(dir.resolve("q2"), "q");
      NodeProcess.configure(qHome, "io.warren.ssh", "enabled = true\nport = 0\n");
      try (NodeProcess p = NodeProcess.startMember(privateInstallation(dir.resolve("p2"), "p"), dir.resolve("p2/data"),
          "relnet:NetPass", "admin:PAdmin", bootstrap);
          NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q2/data"), "relnet:NetPass", "admin:QAdmin",
              bootstrap)) {
        String qId = q.banner("peer ID");
        p.awaitClient(SYNC, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");
        long start = System.nanoTime();
        Result relayed = p.client("ssh:shell", "--node", "q", "--credentials", "admin:QAdmin", "node:identity");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, relayed.exit(), relayed + "\n--- p:\n" + NodeProcess.tail(p.err()) + "\n--- q:\n"
            + NodeProcess.tail(q.err()));
        assertTrue(relayed.out().contains("\"peerId\":\"" + qId + "\""), relayed.toString());
        assertTrue(q.err().contains("overlay shell stream from " + p.banner("peer ID") + " (relayed)"),
            "the stream came through the relay: " + NodeProcess.tail(q.err()));
        q.awaitClient(SYNC, o -> o.out().contains("tickets      0") && o.out().contains("connections  0"),
            "ssh:info");
        start = System.nanoTime();
        Terminal t = new Terminal(p.clientCommand("shell", "q", "--credentials", "admin:QAdmin"), SYNC);
        long promptMillis;
        try (t) {
          int at = t.awaitAfter("warren> ", 0);
          promptMillis = (System.nanoTime() - start) / 1_000_000;
          t.type("exit\r");
          assertTrue(t.process.waitFor(SYNC.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), t.text());
        }
        assertEquals(0, t.process.exitValue(), t.text());
        System.out.printf("ssh:shell relayed: one command %d ms (warren client start to exit); warren client shell "
            + "to q's prompt %d ms%n", millis, promptMillis);
      }
    }
  }

  private static Path privateInstallation(Path dir, String name) throws java.io.IOException {
    Path home = NodeProcess.installation(dir, name);
    java.nio.file.Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "listen.addresses =\n");
    return home;
  }
}
