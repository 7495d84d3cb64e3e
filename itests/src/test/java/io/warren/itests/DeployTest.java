package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.Jars;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy:push} between two node processes of one network: P pushes signed builds of the example
 * plugin (examples/hello) to Q with Q's admin credentials; Q installs, updates, awaits the plugin's
 * component, rolls a broken build back by itself, and refuses unsigned, tampered, downgraded and
 * untrusted builds, and a push without its admin authorisation, with nothing changed; and the same
 * pushes through a circuit relay to a node that listens nowhere; a kill -9 in the middle of an update
 * leaves the node on the version before when it starts again. Prints the time from push to active
 * for a ~100 KB and a ~5 MB bundle, direct and relayed, and the time to roll a broken one back.
 */
class DeployTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final String BUNDLE = "io.warren.example.hello";

  @TempDir static Path dir;
  static Jars.Publisher publisher;
  static Path v100;
  static Path v110;
  static Path v120;
  static Path broken;
  static Path unsigned;
  static Path untrusted;
  static Path tampered;
  static Path downgrade;
  static Path slow;

  /** Builds of the example plugin: versions, a ~100 KB and a ~5 MB one, a broken one, and bad ones. */
  @BeforeAll
  static void builds() throws Exception {
    Path example = Path.of(System.getProperty("warren.example.jar"));
    assertTrue(Files.isRegularFile(example), "the example plugin is built by the reactor: " + example);
    Path jars = Files.createDirectories(dir.resolve("jars"));
    publisher = Jars.publisher(dir.resolve("keys"), "publisher");
    Jars.Publisher stranger = Jars.publisher(dir.resolve("keys"), "stranger");
    v100 = Jars.sign(example, jars.resolve("v100.jar"), publisher);
    v110 = build(example, jars, "1.1.0", publisher, Map.of(), 100 * 1024);
    v120 = build(example, jars, "1.2.0", publisher, Map.of(), 5 * 1024 * 1024);
    broken = build(example, jars, "1.3.0", publisher, Map.of("Hello-Fail-Activation", "true"), 0);
    unsigned = Jars.rewrite(example, jars.resolve("unsigned.jar"), Map.of("Bundle-Version", "1.4.0"), Map.of());
    untrusted = build(example, jars, "1.4.0", stranger, Map.of(), 0);
    tampered = Jars.tamper(build(example, jars, "1.5.0", publisher, Map.of(), 0), jars.resolve("tampered.jar"),
        "META-INF/maven/io.warren.examples/warren-example-hello/pom.properties", "version=6.6.6\n");
    downgrade = build(example, jars, "0.9.0", publisher, Map.of(), 0);
    slow = build(example, jars, "1.6.0", publisher, Map.of("Hello-Activation-Delay-Millis", "5000"), 0);
  }

  @Test
  void signedPushesUpdatesRollbacksAndRefusals() throws Exception {
    try (NodeProcess p = NodeProcess.startMember(NodeProcess.installation(dir.resolve("p"), "p"), dir.resolve("p/data"),
        "mynet:NetPass", "admin:PAdmin", null)) {
      try (NodeProcess q = NodeProcess.startMember(NodeProcess.installation(dir.resolve("q"), "q"),
          dir.resolve("q/data"), "mynet:NetPass", "admin:QAdmin", p.identity())) {
        String qId = q.banner("peer ID");
        p.awaitClient(SYNC, o -> o.out().contains(qId), "net:nodes");

        // nobody trusted yet: refused, nothing installed
        assertRefused(p, q, v100, "does not trust", null);
        Result trust = q.client("deploy:trust", "add", publisher.certificate().toString());
        assertEquals(0, trust.exit(), trust.toString());
        assertTrue(q.client("deploy:trust", "list").out().contains("CN=publisher"));

        // no admin authorisation on Q: refused there before any upload
        Result none = p.client("deploy:push", "--node", "q", v100.toString());
        assertNotEquals(0, none.exit(), none.toString());
        assertTrue(none.err().contains("requires admin authorization"), none.toString());
        Result wrong = p.client("deploy:push", "--node", "q", "--credentials", "admin:nope", v100.toString());
        assertNotEquals(0, wrong.exit(), wrong.toString());
        assertHello(q, null);

        // first install, then updates of ~100 KB and ~5 MB: each active (and answering) when the push returns
        push(p, q, v100, "1.0.0", "installed");
        Result same = pushAs(p, v100);
        assertEquals(0, same.exit(), same.toString());
        assertTrue(same.out().contains("1.0.0 ACTIVE: already installed, nothing changed"), same.toString());
        Took small = push(p, q, v110, "1.1.0", "updated from 1.0.0");
        Took large = push(p, q, v120, "1.2.0", "updated from 1.1.0");
        long client = System.nanoTime();
        assertEquals(0, p.client("deploy:trust", "list").exit());
        client = (System.nanoTime() - client) / 1_000_000;

        // a build whose component fails to activate: Q goes back to 1.2.0 by itself and says why
        long start = System.nanoTime();
        Result b = pushAs(p, broken);
        long rollback = (System.nanoTime() - start) / 1_000_000;
        assertNotEquals(0, b.exit(), b.toString());
        assertTrue(b.err().contains("broken on purpose") && b.err().contains("rolled back to 1.2.0"), b.toString());
        assertHello(q, "1.2.0");

        // refused before anything changes
        assertRefused(p, q, unsigned, "unsigned", "1.2.0");
        assertRefused(p, q, untrusted, "CN=stranger", "1.2.0");
        assertRefused(p, q, tampered, "tampered", "1.2.0");
        assertRefused(p, q, downgrade, "downgrade from 1.2.0 to 0.9.0", "1.2.0");

        // by hand: back to the version before the last successful update
        Result back = p.client("deploy:rollback", "--node", "q", "--credentials", "admin:QAdmin", BUNDLE);
        assertEquals(0, back.exit(), back.toString());
        assertHello(q, "1.1.0");
        // a downgrade when asked for
        Result forced = p.client("deploy:push", "--node", "q", "--credentials", "admin:QAdmin", "--force",
            downgrade.toString());
        assertEquals(0, forced.exit(), forced.toString());
        assertHello(q, "0.9.0");

        String history = q.client("deploy:history").out();
        String pId = p.banner("peer ID");
        for (String x : new String[] {"installed", "updated from 1.0.0", "component io.warren.example.hello"
            + ".HelloCommands failed to activate", "rolled back by hand", "refused: unsigned", "by p (" + pId + ")"}) {
          assertTrue(history.contains(x), x + " in\n" + history);
        }

        System.out.printf("deploy figures (direct, loopback; deploy:push until it reports ACTIVE, a warren client"
            + " process included, which takes %d ms for deploy:trust list): ~100 KB %d ms (on the target, update to"
            + " active %s ms), ~5 MB %d ms (%s ms); a broken bundle pushed, rolled back and reported in %d ms%n",
            client, small.millis(), small.there(), large.millis(), large.there(), rollback);

        // kill -9 in the middle of an update (the new version's component takes 5 s to activate): Q starts
        // again on the version before, and says so
        Process push = new ProcessBuilder(p.clientCommand("deploy:push", "--node", "q", "--credentials",
            "admin:QAdmin", slow.toString())).redirectErrorStream(true).start();
        try {
          Await.until(SYNC, () -> q.err().contains(BUNDLE + " 1.6.0 from p (" + pId + "): updating from 0.9.0"),
              "Q began the update");
          q.kill9();
        } finally {
          push.destroyForcibly();
        }
        try (NodeProcess again = NodeProcess.startMember(q.home(), q.dataDir(), "mynet:NetPass", "admin:QAdmin",
            p.identity())) {
          try {
            again.awaitClient(SYNC, o -> o.exit() == 0 && o.out().contains("example plugin 0.9.0"), "hello:hello");
          } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- q before the kill:\n" + NodeProcess.tail(q.err())
                + "\n--- q after:\n" + NodeProcess.tail(again.err()), e);
          }
          String after = again.client("deploy:history").out();
          assertTrue(after.contains("1.6.0") && after.contains("interrupted update (the node stopped during it);"
              + " rolled back to 0.9.0, active again"), after);

          // a publisher no longer trusted: its builds are refused again
          String fingerprint = again.client("deploy:trust", "list").out().lines().skip(1).findFirst().orElseThrow()
              .split("\\s+")[0];
          Result removed = again.client("deploy:trust", "remove", fingerprint.substring(0, 12));
          assertEquals(0, removed.exit(), removed.toString());
          assertTrue(again.client("deploy:trust", "list").out().contains("no trusted publishers"));
          assertRefused(p, again, v110, "a publisher this node does not trust", "0.9.0");
        }
      }
    }
  }

  /** P and Q listen nowhere (they dial out only): the pushes travel through R's circuit relay. */
  @Test
  void aPushThroughARelay() throws Exception {
    try (NodeProcess r = NodeProcess.startMember(NodeProcess.installation(dir.resolve("r2"), "r"),
        dir.resolve("r2/data"), "relnet:NetPass", "admin:RAdmin", null)) {
      String bootstrap = r.identity();
      try (NodeProcess p = NodeProcess.startMember(privateInstallation(dir.resolve("p2"), "p"), dir.resolve("p2/data"),
          "relnet:NetPass", "admin:PAdmin", bootstrap);
          NodeProcess q = NodeProcess.startMember(privateInstallation(dir.resolve("q2"), "q"), dir.resolve("q2/data"),
              "relnet:NetPass", "admin:QAdmin", bootstrap)) {
        String qId = q.banner("peer ID");
        p.awaitClient(SYNC, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");
        assertEquals(0, q.client("deploy:trust", "add", publisher.certificate().toString()).exit());
        Took small = push(p, q, v110, "1.1.0", "installed");
        Took large = push(p, q, v120, "1.2.0", "updated from 1.1.0");
        assertTrue(q.err().contains("upload stream from " + p.banner("peer ID") + " (relayed)"),
            "the upload came through the relay: " + NodeProcess.tail(q.err()));
        System.out.printf("deploy figures (relayed through a third node, loopback): ~100 KB %d ms (on the target %s"
            + " ms), ~5 MB %d ms (%s ms)%n", small.millis(), small.there(), large.millis(), large.there());
      }
    }
  }

  private static Path privateInstallation(Path dir, String name) throws java.io.IOException {
    Path home = NodeProcess.installation(dir, name);
    Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "listen.addresses =\n");
    return home;
  }

  /** The example plugin as the reactor built it, a publisher's keys, and 1.0.0 signed by it, under a test's folder. */
  record Example(Path plain, Path jars, Jars.Publisher publisher, Path v100) {
    static Example in(Path dir) throws Exception {
      Path plain = Path.of(System.getProperty("warren.example.jar"));
      Path jars = Files.createDirectories(dir.resolve("jars"));
      Jars.Publisher publisher = Jars.publisher(dir.resolve("keys"), "publisher");
      return new Example(plain, jars, publisher, Jars.sign(plain, jars.resolve("v100.jar"), publisher));
    }
  }

  /** The example with {@code version}, {@code headers} and {@code pad} bytes of noise, signed by {@code by}. */
  static Path build(Path example, Path jars, String version, Jars.Publisher by, Map<String, String> headers,
      int pad) throws Exception {
    Map<String, String> h = new java.util.HashMap<>(headers);
    h.put("Bundle-Version", version);
    byte[] noise = new byte[pad];
    new Random(pad).nextBytes(noise);
    Path plain = Jars.rewrite(example, jars.resolve(version + "-" + by.alias() + "-plain.jar"), h,
        pad == 0 ? Map.of() : Map.of("padding.bin", noise));
    return Jars.sign(plain, jars.resolve(version + "-" + by.alias() + (headers.isEmpty() ? "" : "-x") + ".jar"), by);
  }

  /** A push's time at the pusher, and the target's own from update to active (as it reported). */
  private record Took(long millis, String there) {}

  private static Result pushAs(NodeProcess p, Path jar) throws Exception {
    return p.client("deploy:push", "--node", "q", "--credentials", "admin:QAdmin", jar.toString());
  }

  /** Pushes {@code jar}; it must be active with {@code version} when the push returns. Answers the time taken. */
  private static Took push(NodeProcess p, NodeProcess q, Path jar, String version, String what) throws Exception {
    long start = System.nanoTime();
    Result r = pushAs(p, jar);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(0, r.exit(), r + "\n--- q:\n" + NodeProcess.tail(q.err()));
    assertTrue(r.out().contains(BUNDLE + " " + version + " ACTIVE: " + what), r.toString());
    assertTrue(r.out().contains("io.warren.example.hello.HelloCommands active"), r.toString());
    assertHello(q, version);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("active in (\\d+) ms").matcher(r.out());
    return new Took(millis, m.find() ? m.group(1) : "?");
  }

  private static void assertRefused(NodeProcess p, NodeProcess q, Path jar, String why, String version)
      throws Exception {
    Result r = pushAs(p, jar);
    assertNotEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains(why), why + " in " + r);
    assertHello(q, version);
  }

  /** Q's hello:hello answers with {@code version}, or (null) there is no such command. */
  private static void assertHello(NodeProcess q, String version) throws Exception {
    Result h = q.client("hello:hello");
    if (version == null) {
      assertNotEquals(0, h.exit(), h.toString());
    } else {
      assertEquals(0, h.exit(), h.toString());
      assertEquals("hello from q, example plugin " + version, h.out().strip());
    }
  }
}
