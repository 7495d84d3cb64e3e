package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssh:shell} to a Nostr device through a relay, three node processes: R runs the relay, D is a
 * device of it with its SSH console on and {@code device.logins = true} (C's key in its allow list), C is
 * a device of it too and opens D's console by D's callsign. D has no remote admin: C gives D's admin
 * login (or logs in with its client key once D's admin authorised it), and checks D's host key against D's
 * signed announcement. Refused: C's key before D authorised it, wrong credentials, a
 * caller D does not allow (R), a device announcing no host key, and every device once D turns
 * {@code device.logins} off.
 */
class SshDeviceShellTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final String LOGIN = "admin:DevPass";

  @TempDir static Path dir;

  private static Path device(String name, String relayUrl, String allow) throws Exception {
    Path home = NodeProcess.installation(dir.resolve(name), name);
    NodeProcess.configure(home, "io.warren.nostr.client", "relays = " + relayUrl + "\nallow = " + allow
        + "\nreconnect.max.seconds = 2\n");
    return home;
  }

  @Test
  void aShellOnADeviceThroughTheRelay() throws Exception {
    int relayPort = NodeProcess.freePort();
    String relayUrl = "ws://127.0.0.1:" + relayPort;
    try (NodeProcess r = NodeProcess.start(NodeProcess.installation(dir.resolve("r"), "r"), dir.resolve("r/data"),
        "--relay-port", String.valueOf(relayPort));
        NodeProcess c = NodeProcess.start(device("c", relayUrl, ""), dir.resolve("c/data"))) {
      r.awaitReady();
      c.awaitReady();
      String cNpub = c.banner("npub");
      Path dHome = device("d", relayUrl, cNpub);
      NodeProcess.configure(dHome, "io.warren.ssh", "device.logins = true\n");
      try (NodeProcess d =
          NodeProcess.start(dHome, dir.resolve("d/data"), "-rc", LOGIN, "--ssh-port", "0")) {
        d.awaitReady();
        String dNpub = d.banner("npub");
        String callsign = dNpub.substring(5, 17);
        String dIdentity = "\"peerId\":\"" + d.banner("peer ID") + "\"";
        assertTrue(d.client("ssh:info").out().contains("device-logins on"), d.client("ssh:info").toString());

        // D's announcement (with its host key) reaches C; from then on C opens D's console by callsign
        Result first = c.awaitClient(SYNC, o -> o.exit() == 0, "ssh:shell", "--node", callsign, "--credentials",
            LOGIN, "node:identity");
        assertTrue(first.out().contains(dIdentity), first.toString());
        assertTrue(d.err().matches("(?s).*overlay shell stream from [0-9a-f]{64} \\(relayed\\).*"),
            "D logged C's stream, through the relay: " + NodeProcess.tail(d.err()));

        // warren client shell, a command given: its output, a few times, timed from start to exit
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          long start = System.nanoTime();
          Result one = c.client("shell", callsign, "--credentials", LOGIN, "node:identity");
          millis.add((System.nanoTime() - start) / 1_000_000);
          assertEquals(0, one.exit(), one + "\n--- c:\n" + NodeProcess.tail(c.err()) + "\n--- d:\n"
              + NodeProcess.tail(d.err()));
          assertTrue(one.out().contains(dIdentity), one.toString());
        }
        // lines piped in, each run on D; a failing command's status comes back
        Result piped = c.clientWithInput("ssh:info\nexit\n", "ssh:shell", "--node", callsign, "--credentials", LOGIN);
        assertEquals(0, piped.exit(), piped.toString());
        assertTrue(piped.out().contains("device-logins on") && piped.out().contains("connections  1"),
            "ssh:info ran on D, within the session: " + piped);
        Result failing = c.client("ssh:shell", "--node", callsign, "--credentials", LOGIN, "no:such");
        assertNotEquals(0, failing.exit(), failing.toString());
        assertTrue(failing.err().contains("unknown command: no:such"), failing.toString());

        // without credentials C logs in with its client key, which D has not authorised yet; then D's admin does
        Result none = c.client("ssh:shell", "--node", callsign, "node:identity");
        assertNotEquals(0, none.exit(), none.toString());
        assertTrue(none.err().contains("refused the login as admin") && none.err().contains("ssh:fingerprint --client")
            && none.err().contains("--credentials user:password"), none.toString());
        String cKey = c.client("ssh:fingerprint", "--client").out().strip();
        assertTrue(cKey.startsWith("ssh-ed25519 "), cKey);
        Result added = d.client("ssh:keys", "add", cKey);
        assertEquals(0, added.exit(), added.toString());
        Result byKey = c.client("shell", callsign, "node:identity");
        assertEquals(0, byKey.exit(), byKey.toString());
        assertTrue(byKey.out().contains(dIdentity), byKey.toString());
        // from a terminal: D's console with a PTY (its prompt), through the relay, logged in by C's key
        long start = System.nanoTime();
        Terminal t = new Terminal(c.clientCommand("shell", callsign), SYNC);
        long promptMillis;
        try (t) {
          int at = t.awaitAfter("warren> ", 0);
          promptMillis = (System.nanoTime() - start) / 1_000_000;
          t.type("node:identity\r");
          at = t.awaitAfter(dIdentity, at);
          t.awaitAfter("warren> ", at);
          t.type("exit\r");
          assertTrue(t.process.waitFor(SYNC.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), t.text());
        }
        assertEquals(0, t.process.exitValue(), t.text());
        // refused: wrong credentials (D's admin check)
        Result wrong = c.client("ssh:shell", "--node", callsign, "--credentials", "admin:nope", "node:identity");
        assertNotEquals(0, wrong.exit(), wrong.toString());
        assertTrue(wrong.err().contains("refused the login as admin"), wrong.toString());
        // D's login limits count that guess against the relay it came through, not against D's own loopback
        Await.until(SYNC, () -> d.err().contains("failed admin login as 'admin' from relayed via ip 127.0.0.1"),
            "D's admin check saw the relay as the source: " + NodeProcess.tail(d.err()));
        // R holds D's announcement and reaches D directly, but D's allow list does not name R
        Result notAllowed = r.client("ssh:shell", "--node", dNpub, "--credentials", LOGIN, "node:identity");
        assertNotEquals(0, notAllowed.exit(), notAllowed.toString());
        assertTrue(notAllowed.err().contains("restricted"),
            notAllowed + "\n--- R's log tail:\n" + NodeProcess.tail(r.err()) + "\n--- D's log tail:\n"
                + NodeProcess.tail(d.err()));
        // R's first SSH client: no log line of it in the command's output (its set-up chatter, logged on the
        // command's thread, nor the closed connection's warning from its I/O threads), only the reason
        assertFalse(notAllowed.err().contains(" [INFO] ") || notAllowed.err().contains(" [WARN] "),
            notAllowed.toString());
        // C's SSH console is off: its announcement names no host key, so D does not even try
        String cCallsign = cNpub.substring(5, 17);
        Result noKey = d.awaitClient(SYNC, o -> o.err().contains("names no SSH host key"), "ssh:shell", "--node",
            cCallsign, "--credentials", LOGIN, "node:identity");
        assertNotEquals(0, noKey.exit(), noKey.toString());

        d.awaitClient(SYNC, o -> o.out().contains("connections  0"), "ssh:info");
        // D's operator turns device logins off (etc/ is watched): C's stream is refused there
        NodeProcess.configure(dHome, "io.warren.ssh", "device.logins = false\n");
        d.awaitClient(SYNC, o -> o.out().contains("device-logins off"), "ssh:info");
        Result off = c.awaitClient(SYNC, o -> o.exit() != 0 && o.err().contains("the stream was closed there"),
            "ssh:shell", "--node", callsign, "--credentials", LOGIN, "node:identity");
        assertTrue(d.err().contains("logins from Nostr devices are off"), NodeProcess.tail(d.err()));
        assertTrue(!off.out().contains(dIdentity), off.toString());
        if (Files.isDirectory(Path.of("/proc/self/task"))) {
          // each ssh:shell's SSH client stops its own I/O and timer threads when it ends: none stays on C
          Await.until(SYNC, () -> c.threadNames().stream().noneMatch(n -> n.startsWith("warren-ssh-cli")),
              "C's SSH client threads (warren-ssh-client-*) to end");
        }
        start = System.nanoTime();
        assertEquals(0, c.client("node:identity").exit());
        long localMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("ssh:shell to a Nostr device through a relay: warren client shell with one command, "
            + "start to exit: %s ms; the same command run on c itself: %d ms; warren client shell to D's prompt "
            + "%d ms%n", millis, localMillis, promptMillis);
      }
    }
  }
}
