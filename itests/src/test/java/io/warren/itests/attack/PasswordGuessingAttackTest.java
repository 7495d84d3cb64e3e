package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 6: admin password guessing. Wrong passwords sent to the local console from a
 * fresh source port each time, and to remote admin from fresh peer IDs, are checked only a few
 * times before the source (the OS user; the IP address) is locked out, with a log line an operator
 * can alert on; the node's owner (console token) and a member holding a grant are served during the
 * attack, and the right password works again once the lockout expired.
 */
class PasswordGuessingAttackTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final int FREE = 3;
  /** Long enough that an attack loop finishes inside the first lockout on a slow machine. */
  private static final String LIMITS = "source.free.failures = " + FREE + "\naccount.free.failures = 100\n"
      + "first.lockout.millis = 20000\nmax.lockout.seconds = 40\n";
  @TempDir Path dir;

  /** What the node answered one console login: checked and refused, refused unchecked, or served. */
  enum Outcome {
    CHECKED, LOCKED, SERVED
  }

  @Test
  void consolePasswordsFromFreshPortsAreLockedOut() throws Exception {
    Path home = NodeProcess.installation(dir.resolve("t"), "t");
    NodeProcess.configure(home, "io.warren.identity.admin", LIMITS);
    try (NodeProcess t = NodeProcess.start(home, dir.resolve("t/data"), "-rc", "admin:RightPass")) {
      t.awaitReady();
      int attempts = 40;
      int checked = 0;
      int locked = 0;
      for (int i = 0; i < attempts; i++) {
        // every attempt is a new connection, so a new ephemeral source port
        switch (login(t, "admin", "guess" + i)) {
          case CHECKED -> checked++;
          case LOCKED -> locked++;
          case SERVED -> throw new AssertionError("a wrong password was accepted");
        }
      }
      System.out.printf("console attack: %d wrong passwords from fresh ports, %d checked, %d refused unchecked%n",
          attempts, checked, locked);
      assertTrue(checked >= FREE && checked <= 2 * FREE, checked + " of " + attempts + " attempts were checked");
      assertEquals(attempts, checked + locked);
      String alert = "failed admin logins for admin from local";
      Await.until(Duration.ofSeconds(10), () -> t.err().contains(alert), "the log line '" + alert + "'");
      assertTrue(t.err().matches("(?s).*auth: \\d+ failed admin logins for admin from local( user \\d+)?; locked for"
          + " \\d+ s.*"), NodeProcess.tail(t.err()));

      // during the lockout: the right password is refused too, the node's owner is served
      assertEquals(Outcome.LOCKED, login(t, "admin", "RightPass"));
      Result owner = t.client("node:info");
      assertEquals(0, owner.exit(), owner.toString());
      // once the lockout expired, the right password works
      Await.until(Duration.ofSeconds(60), Duration.ofSeconds(1), () -> login(t, "admin", "RightPass") == Outcome.SERVED,
          "the right password to be accepted after the lockout");
    }
  }

  @Test
  void remoteAdminPasswordsFromFreshPeerIdsAreLockedOut() throws Exception {
    Path tHome = NodeProcess.installation(dir.resolve("t"), "t");
    NodeProcess.configure(tHome, "io.warren.identity.admin", LIMITS);
    try (NodeProcess t = NodeProcess.startMember(tHome, dir.resolve("t/data"), "net:NetPass", "admin:RightPass",
        null)) {
      String tId = t.banner("peer ID");
      String boot = t.identity();
      try (NodeProcess a1 = member("a1", boot);
          NodeProcess a2 = member("a2", boot);
          NodeProcess r = member("r", boot)) {
        for (NodeProcess n : new NodeProcess[] {a1, a2, r}) {
          n.awaitReady();
          n.awaitClient(SYNC, o -> o.out().contains(tId), "net:nodes");
        }
        String rId = r.banner("peer ID");
        assertEquals(0, t.client("net:trust", rId, "admin").exit());
        assertTrue(!a1.banner("peer ID").equals(a2.banner("peer ID")), "two attackers, two peer IDs");

        int checked = 0;
        int locked = 0;
        for (NodeProcess attacker : new NodeProcess[] {a1, a1, a1, a1, a2, a2}) {
          Result res =
              attacker.client("node:metrics", "--node", tId, "--credentials", "admin:guess" + checked + locked);
          if (res.err().contains("admin credentials refused")) {
            checked++;
          } else if (res.err().contains("too many failed admin logins from ip 127.0.0.1")) {
            locked++;
          } else {
            throw new AssertionError("unexpected answer to a wrong password: " + res);
          }
        }
        System.out.printf("remote admin attack: 6 wrong passwords from 2 peer IDs, %d checked, %d refused unchecked%n",
            checked, locked);
        assertEquals(FREE, checked, "the source is the address, whatever the peer ID");
        assertEquals(3, locked);
        Await.until(Duration.ofSeconds(10), () -> t.err().contains("failed admin logins for admin from ip 127.0.0.1"),
            "the alert line");

        // a member with a grant is served during the lockout; the right password once it expired
        Result granted = r.client("node:metrics", "--node", tId);
        assertEquals(0, granted.exit(), granted.toString());
        a2.awaitClient(Duration.ofSeconds(60), o -> o.exit() == 0, "node:metrics", "--node", tId, "--credentials",
            "admin:RightPass");
      }
    }
  }

  private NodeProcess member(String name, String bootstrap) throws Exception {
    Path home = NodeProcess.installation(dir.resolve(name), name);
    return NodeProcess.start(home, dir.resolve(name + "/data"), "-dnc", "net:NetPass", "-rc", "admin:" + name + "Pass",
        "-bs", bootstrap);
  }

  /** One console login with a password over a new connection, as {@code warren client --user} makes it. */
  static Outcome login(NodeProcess node, String user, String password) throws IOException {
    Properties endpoint = new Properties();
    endpoint.load(new StringReader(Files.readString(node.dataDir().resolve("run/console"))));
    int port = Integer.parseInt(endpoint.getProperty("port"));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(30_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeUTF("WARREN-CONSOLE-1");
      out.writeUTF("password");
      out.writeUTF(user);
      out.writeUTF(password);
      byte[] command = "node:info".getBytes(StandardCharsets.UTF_8);
      out.writeInt(command.length);
      out.write(command);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      StringBuilder err = new StringBuilder();
      try {
        while (true) {
          int kind = in.readUnsignedByte();
          int n = in.readInt();
          if (kind == 'X') {
            if (n == 0) {
              return Outcome.SERVED;
            }
            break;
          }
          byte[] b = in.readNBytes(n);
          if (kind == 'E') {
            err.append(new String(b, StandardCharsets.UTF_8));
          }
        }
      } catch (EOFException e) {
        throw new AssertionError("the console closed without a status; stderr: " + err, e);
      }
      if (err.toString().contains("too many failed admin logins")) {
        return Outcome.LOCKED;
      }
      if (err.toString().contains("authentication failed")) {
        return Outcome.CHECKED;
      }
      throw new AssertionError("unexpected console answer: " + err);
    }
  }
}
