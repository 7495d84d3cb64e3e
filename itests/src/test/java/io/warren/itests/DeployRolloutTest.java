package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.EchoServer;
import io.warren.testing.Jars;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy:update-node} and rollouts between three node processes of one network: R (the
 * relay), P (the pusher) and Q; P and Q listen nowhere, so P reaches Q only through R's circuit relay.
 * P runs the example plugin 1.1.0 from its deploy/ folder; update-node brings Q from 1.0.0 to it
 * (only that bundle travels; the distribution's unsigned bundles are named as skipped), and a second
 * run sends nothing; a TCP stream through a proxy rule from P to Q runs during that update and comes
 * back byte for byte. A rollout of 1.2.0 to the network with Q as the canary: Q takes it, R refuses it
 * (it does not trust the publisher), so the rollout stops and Q goes back: both stay on 1.1.0, and
 * {@code deploy:rollouts} says so per node. P signs a build with its own key ({@code deploy:sign}) and
 * pushes a feature naming it: refused until Q trusts P's publisher certificate, then active. A build
 * that stops Q's libp2p bundle is undone by Q's own health check (it cannot reach P after the update).
 */
class DeployRolloutTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final String BUNDLE = "io.warren.example.hello";

  @TempDir Path dir;

  @Test
  void updateNodeThroughARelayAndARolloutThatStops() throws Exception {
    DeployTest.Example built = DeployTest.Example.in(dir);
    Path example = built.plain();
    Path jars = built.jars();
    Jars.Publisher publisher = built.publisher();
    Path v100 = built.v100();
    Path v110 = build(example, jars, "1.1.0", publisher);
    Path v120 = build(example, jars, "1.2.0", publisher);

    try (ServerSocket echo = EchoServer.start(); Network net = new Network(dir, "rollnet:NetPass")) {
      NodeProcess r = net.member("r", "io.warren.deploy", "");
      NodeProcess p = net.member("p", "io.warren.libp2p", "listen.addresses =\n");
      NodeProcess q = net.member("q", Map.of("io.warren.libp2p", "listen.addresses =\n", "io.warren.deploy",
          "health.check.seconds = 8\n"));
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");
      p.awaitClient(SYNC, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");
      for (NodeProcess n : new NodeProcess[] {q, r}) {
        assertEquals(0, n.client("net:trust", pId, "admin").exit());
      }
      // P and Q trust the publisher, R does not; P and R run 1.1.0 dropped into their deploy/ folders
      assertEquals(0, p.client("deploy:trust", "add", publisher.certificate().toString()).exit());
      assertEquals(0, q.client("deploy:trust", "add", publisher.certificate().toString()).exit());
      Files.copy(v110, p.home().resolve("deploy/hello.jar"));
      Files.copy(v110, r.home().resolve("deploy/hello.jar"));
      p.awaitClient(SYNC, o -> o.out().contains("example plugin 1.1.0"), "hello:hello");
      r.awaitClient(SYNC, o -> o.out().contains("example plugin 1.1.0"), "hello:hello");
      Result first = p.client("deploy:push", "--node", "q", v100.toString());
      assertEquals(0, first.exit(), first.toString());
      assertHello(q, "1.0.0");

      // a TCP stream through a proxy rule from P to Q's echo service runs while the plugin is updated there
      int port = NodeProcess.freePort();
      assertEquals(0, p.client("proxy:add", "--direction", "egress", "--port", String.valueOf(port), "--target",
          qId + ":" + echo.getLocalPort()).exit());
      assertEquals(0, q.client("proxy:add", "--direction", "ingress", "--origin", pId + ":" + port, "--port",
          String.valueOf(echo.getLocalPort())).exit());
      Await.until(SYNC, () -> EchoServer.echoes(port), "the proxy rule to carry bytes");
      Transfer transfer = Transfer.start(port);
      Await.until(SYNC, () -> transfer.received.get() > 256 * 1024, "bytes to come back through the rule");

      // update-node through the relay: only the plugin differs; the unsigned bundles are named, not sent
      Result update = p.client("deploy:update-node", "--node", "q");
      long duringUpdate = transfer.received.get();
      transfer.finish();
      assertEquals(transfer.sentSha(), transfer.receivedSha.get(SYNC.toSeconds(), TimeUnit.SECONDS),
          "the stream through the proxy rule came back byte for byte while the plugin was updated");
      assertTrue(transfer.sent.get() > duringUpdate, "bytes went through after the update too");
      assertEquals(0, update.exit(), update + "\n--- q:\n" + NodeProcess.tail(q.err()));
      assertTrue(update.out().contains(BUNDLE + " 1.0.0 -> 1.1.0: " + BUNDLE + " 1.1.0 ACTIVE: updated from 1.0.0"),
          update.toString());
      assertTrue(update.out().matches("(?s).*\\d+ unsigned \\(the distribution's own bundles.*warren\\.deploy.*"),
          update.toString());
      assertHello(q, "1.1.0");
      assertTrue(q.err().contains("upload stream from " + pId + " (relayed)"), NodeProcess.tail(q.err()));
      Result again = p.client("deploy:update-node", "--node", "q");
      assertEquals(0, again.exit(), again.toString());
      assertFalse(again.out().contains(" -> "), again.toString());
      assertTrue(again.out().contains("1 signed bundle(s) already the same there"), again.toString());

      // a rollout to the network, Q first: R refuses, so the rollout stops and Q goes back to 1.1.0
      Result rollout = p.client("deploy:push", "--network", "rollnet", "--canary", "q", v120.toString());
      assertNotEquals(0, rollout.exit(), rollout.toString());
      assertTrue(rollout.err().contains("wave 1: 1 of 1 failed (more than 0 %)"), rollout.toString());
      assertTrue(rollout.err().contains("q: rolled back " + BUNDLE), rollout.toString());
      assertHello(q, "1.1.0");
      assertHello(r, "1.1.0");
      String progress = p.client("deploy:rollouts").out();
      assertTrue(progress.matches("(?s).*rollout \\d+ \\S+ stopped: push .*"
          + "wave 0 q\\s+rolled back\\s+rolled back " + BUNDLE + ".*"
          + "wave 1 r\\s+failed\\s+.*a publisher this node does not trust.*"), progress);
      assertTrue(q.client("deploy:history").out().contains("rolled back by hand"));

      // P signs a build with its own publisher key; once Q trusts P's certificate, a feature naming it goes to Q
      Path plain = Jars.rewrite(example, jars.resolve("1.3.0-plain.jar"), Map.of("Bundle-Version", "1.3.0"), Map.of());
      Path system = dir.resolve("feature/system/io/warren/examples/warren-example-hello/1.3.0");
      Files.createDirectories(system);
      Path signed = system.resolve("warren-example-hello-1.3.0.jar");
      Result sign = p.client("deploy:sign", plain.toString(), signed.toString());
      assertEquals(0, sign.exit(), sign.toString());
      assertTrue(sign.out().contains("as CN=Warren node p " + pId), sign.toString());
      Path certificate = dir.resolve("p-publisher.pem");
      assertEquals(0, p.client("deploy:publisher", certificate.toString()).exit());
      Path feature = Files.createDirectories(dir.resolve("feature/features")).resolve("hello.json");
      Files.writeString(feature, """
          {
            "id": "io.warren.examples:hello-feature:slingosgifeature:hello:1.3.0",
            "bundles": [
              // the example plugin, signed by node p
              { "id": "io.warren.examples:warren-example-hello:1.3.0", "start-order": "20" }
            ]
          }
          """);
      Result refused = p.client("deploy:push", "--node", "q", "--feature", feature.toString());
      assertNotEquals(0, refused.exit(), refused.toString());
      assertTrue(refused.err().contains("CN=Warren node p " + pId + ", a publisher this node does not trust"),
          refused.toString());
      assertEquals(0, q.client("deploy:trust", "add", certificate.toString()).exit());
      Result pushed = p.client("deploy:push", "--node", "q", "--feature", feature.toString());
      assertEquals(0, pushed.exit(), pushed.toString());
      assertTrue(pushed.out().contains(BUNDLE + " 1.1.0 -> 1.3.0: " + BUNDLE + " 1.3.0 ACTIVE: updated from 1.1.0"),
          pushed.toString());
      assertHello(q, "1.3.0");
      // a build that stops Q's libp2p while it is active: Q cannot reach P after the update, so it goes back
      Path cutsOff = Jars.sign(Jars.rewrite(example, jars.resolve("1.4.0-plain.jar"), Map.of("Bundle-Version", "1.4.0",
          "Hello-Stop-Bundle", "io.warren.libp2p"), Map.of()), jars.resolve("1.4.0.jar"), publisher);
      Result cut = p.client("deploy:push", "--node", "q", cutsOff.toString());
      assertNotEquals(0, cut.exit(), cut.toString());
      try {
        // the check's time, then going back and libp2p starting again, on a loaded machine
        Await.until(SYNC.multipliedBy(2),
            () -> q.client("deploy:history").out().contains("this node lost its overlay connectivity"
                + " after the update"),
            "Q to notice it cannot reach P and go back");
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\n" + cut + "\n--- q's history:\n" + q.client("deploy:history")
            .out() + "\n--- q:\n" + NodeProcess.tail(q.err()), e);
      }
      assertTrue(q.client("deploy:history").out().contains("rolled back to 1.3.0, active again"), q.client(
          "deploy:history").out());
      assertHello(q, "1.3.0");
      p.awaitClient(SYNC, o -> o.exit() == 0 && o.out().contains("example plugin 1.3.0"), "net:exec", "q",
          "hello:hello");
      System.out.printf("update-node:%n%s%nrollout:%n%s%nfeature:%n%s%n", update.out(), rollout.err(), pushed.out());
    }
  }

  /**
   * A connection through a proxy rule to an echo service: a writer sends random bytes at about 3 MB/s
   * until {@link #finish}, then 1 MiB more and half-closes; a reader hashes what comes back.
   */
  private static final class Transfer {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final CompletableFuture<String> receivedSha = new CompletableFuture<>();
    private final MessageDigest out = sha256();
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final CompletableFuture<Void> written = new CompletableFuture<>();

    static Transfer start(int port) throws Exception {
      Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
      s.setSoTimeout(60_000);
      Transfer t = new Transfer();
      Thread reader = new Thread(() -> {
        MessageDigest in = sha256();
        byte[] b = new byte[65536];
        try (s; InputStream is = s.getInputStream()) {
          for (int n; (n = is.read(b)) > 0;) {
            in.update(b, 0, n);
            t.received.addAndGet(n);
          }
          t.receivedSha.complete(HexFormat.of().formatHex(in.digest()));
        } catch (IOException e) {
          t.receivedSha.completeExceptionally(e);
        }
      }, "transfer-reader");
      Thread writer = new Thread(() -> {
        Random r = new Random(7);
        byte[] chunk = new byte[65536];
        long after = 0;
        try {
          OutputStream os = s.getOutputStream();
          while (after < 1024 * 1024) {
            r.nextBytes(chunk);
            os.write(chunk);
            t.out.update(chunk);
            t.sent.addAndGet(chunk.length);
            after += t.finishing.get() ? chunk.length : 0;
            Thread.sleep(20);
          }
          s.shutdownOutput();
          t.written.complete(null);
        } catch (IOException | InterruptedException e) {
          t.written.completeExceptionally(e);
        }
      }, "transfer-writer");
      reader.setDaemon(true);
      writer.setDaemon(true);
      reader.start();
      writer.start();
      return t;
    }

    void finish() throws Exception {
      finishing.set(true);
      written.get(60, TimeUnit.SECONDS);
    }

    String sentSha() {
      return HexFormat.of().formatHex(out.digest());
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static Path build(Path example, Path jars, String version, Jars.Publisher by) throws Exception {
    Path plain = Jars.rewrite(example, jars.resolve(version + "-plain.jar"), Map.of("Bundle-Version", version),
        Map.of());
    return Jars.sign(plain, jars.resolve(version + ".jar"), by);
  }

  private static void assertHello(NodeProcess n, String version) throws Exception {
    Result h = n.client("hello:hello");
    assertEquals(0, h.exit(), h.toString());
    assertTrue(h.out().strip().endsWith("example plugin " + version), h.toString());
  }
}
