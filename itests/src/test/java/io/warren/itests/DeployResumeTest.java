package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Jars;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push whose connection drops in the middle resumes: P and Q listen nowhere, so P reaches Q only
 * through R's circuit relay, and R cuts each circuit after 3 MiB each way (members get no unlimited
 * circuits there). A ~5 MB bundle cannot pass one circuit, so the push must go on over a new one from
 * where Q says it stopped; Q reports the bytes it received in all, which are the jar's size, not twice
 * it. Prints the time of that push.
 */
class DeployResumeTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final String BUNDLE = "io.warren.example.hello";
  private static final long CIRCUIT_BYTES = 3L << 20;

  @TempDir Path dir;

  @Test
  void aPushCutByTheRelayResumesWithOnlyTheRest() throws Exception {
    Path example = Path.of(System.getProperty("warren.example.jar"));
    Jars.Publisher publisher = Jars.publisher(dir.resolve("keys"), "publisher");
    Path jar = DeployTest.build(example, Files.createDirectories(dir.resolve("jars")), "1.2.0", publisher, Map.of(),
        5 * 1024 * 1024);
    long size = Files.size(jar);
    assertTrue(size > CIRCUIT_BYTES + (1 << 20), "the jar needs more than one circuit: " + size);

    try (Network net = new Network(dir, "resnet:NetPass")) {
      net.member("r", "io.warren.libp2p", "relay.hop.enabled = true\nrelay.hop.members = false\nrelay.circuit.bytes = "
          + CIRCUIT_BYTES + "\n");
      NodeProcess p = net.member("p", "io.warren.libp2p", "listen.addresses =\n");
      NodeProcess q = net.member("q", "io.warren.libp2p", "listen.addresses =\n");
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");
      p.awaitClient(SYNC, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");
      assertEquals(0, q.client("net:trust", pId, "admin").exit());
      assertEquals(0, q.client("deploy:trust", "add", publisher.certificate().toString()).exit());

      long start = System.nanoTime();
      Result push = p.client("deploy:push", "--node", "q", jar.toString());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(0, push.exit(), push + "\n--- q:\n" + NodeProcess.tail(q.err()) + "\n--- p:\n"
          + NodeProcess.tail(p.err()));
      assertTrue(push.out().contains(BUNDLE + " 1.2.0 ACTIVE: installed"), push.toString());
      Result hello = q.client("hello:hello");
      assertEquals("hello from q, example plugin 1.2.0", hello.out().strip(), hello.toString());

      // Q counted what arrived: the jar once, over more than one stream, each after the first resuming
      Matcher m =
          Pattern.compile("upload: (\\d+) bytes received over (\\d+) stream\\(s\\), resumed at \\[([\\d, ]+)\\]")
              .matcher(push.out());
      assertTrue(m.find(), push.toString());
      long received = Long.parseLong(m.group(1));
      assertTrue(Integer.parseInt(m.group(2)) >= 2, push.toString());
      assertEquals(size, received, "only the rest travelled after each cut: " + push.out());
      assertTrue(received < 2 * size);
      for (String at : m.group(3).split(",\\s*")) {
        assertTrue(Long.parseLong(at) > 0 && Long.parseLong(at) < size, push.toString());
      }
      assertTrue(push.out().contains("the connection dropped; resumed at "), push.toString());
      assertTrue(q.err().contains("upload from " + pId + " resumes at "), NodeProcess.tail(q.err()));
      System.out.printf("deploy figures (resumed): a ~5 MB bundle (%d bytes) through a relay that cuts each circuit"
          + " at %d bytes, deploy:push until ACTIVE %d ms; %s%n", size, CIRCUIT_BYTES, millis, m.group());
    }
  }
}
