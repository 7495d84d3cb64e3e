package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.nostr.Event;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.testing.Await;
import io.warren.testing.Closer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IoT broker's Nostr bridge on a real node with its relay on, nostr-tools as the device and
 * mosquitto clients on the node: a named device's signed event reaches mosquitto_sub, a
 * mosquitto_pub reaches the device as an event signed by the node, and a key the node does not
 * name is not delivered (nor is a named device's event outside its topic rules).
 */
class IotNostrTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String DEVICE_KEY = "0000000000000000000000000000000000000000000000000000000000000003";
  private static final String STRANGER_KEY = "0000000000000000000000000000000000000000000000000000000000000007";
  @TempDir Path dir;
  @RegisterExtension final Closer open = new Closer();

  private static String pubkey(String secretHex) {
    return Event.sign(HexFormat.of().parseHex(secretHex), 0, 1, List.of(), "").pubkey();
  }

  private static List<String> script(String... args) {
    Path itests = Path.of(System.getProperty("warren.itests.dir"));
    List<String> cmd = new ArrayList<>(List.of("node", "--experimental-websocket", "--no-warnings",
        itests.resolve("src/test/js/nostr-iot-device.mjs").toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static void devicePublishes(String url, String key, String topic, String text) throws Exception {
    Result r = NodeProcess.run(script("publish", url, key, topic, text), null);
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().startsWith("ok published"), r.toString());
  }

  @Test
  void namedDevicesAndMqttClientsTalkThroughTheNodesRelay() throws Exception {
    Path home = NodeProcess.installation(dir.resolve("n"), "n");
    int mqtt = NodeProcess.freePort();
    int relayPort = NodeProcess.freePort();
    NodeProcess.configure(home, "io.warren.nostr.relay", "enabled = true\nport = " + relayPort
        + "\ndevice.allow = " + pubkey(DEVICE_KEY) + "\n");
    NodeProcess.configure(home, "io.warren.iot", "enabled = true\nport = " + mqtt
        + "\nallow.anonymous = true\nnostr.topics = sensors/#, secret/#\n");
    NodeProcess node = open.add(NodeProcess.start(home, dir.resolve("n/data")));
    node.awaitClient(WAIT, r -> r.out().contains("sensors/#"), "iot:stats");
    String url = "ws://127.0.0.1:" + relayPort;
    String npub = node.client("node:info").out().replaceAll("(?s).*\\b(npub1[0-9a-z]+).*", "$1");
    assertTrue(npub.startsWith("npub1"), npub);
    // both keys may publish to sensors/# (so only the device allow list stops the stranger); the
    // anonymous mosquitto clients use sensors/# and may read secret/#, which no device may publish to
    for (String key : List.of(DEVICE_KEY, STRANGER_KEY)) {
      assertEquals(0, node.client("iot:acl", "add", TunnelWire.npub(pubkey(key)), "sensors/#", "pub").exit());
    }
    assertEquals(0, node.client("iot:acl", "add", "anonymous", "sensors/#", "both").exit());
    assertEquals(0, node.client("iot:acl", "add", "anonymous", "secret/#", "sub").exit());

    Mosquitto sub = open.add(Mosquitto.sub(dir, "sub", mqtt, "-i", "watcher", "-t", "sensors/#", "-t", "secret/#"));
    node.awaitClient(WAIT, r -> r.out().matches("(?s).*watcher\\s+anonymous\\s.*connected.*"), "iot:clients");

    // (c) first, so the delivery that follows shows it was decided: a key not in device.allow, and
    // the named device outside its rules; the relay answers OK only after the broker saw the event
    devicePublishes(url, STRANGER_KEY, "sensors/x", "forged");
    devicePublishes(url, DEVICE_KEY, "secret/x", "outside-the-rules");
    // (a) the named device's event reaches the MQTT subscriber as a publish
    devicePublishes(url, DEVICE_KEY, "sensors/x", "21.5");
    try {
      sub.await("sensors/x 21.5", WAIT);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + node.client("iot:stats") + "\n" + node.out() + node.err(), e);
    }
    assertTrue(sub.lines().stream().noneMatch(l -> l.contains("forged") || l.contains("outside-the-rules")),
        sub.lines().toString());
    Result stats = node.client("iot:stats");
    assertTrue(stats.out().matches("(?s).*nostr\\.refused\\s+2\\b.*"), stats.toString());
    assertTrue(stats.out().matches("(?s).*nostr\\.received\\s+1\\b.*"), stats.toString());

    // (b) a message published on the node reaches a nostr-tools subscriber as an event signed by the node
    Path out = dir.resolve("device-sub.out");
    Process listener = new ProcessBuilder(script("subscribe", url, "sensors/cmd", npub, "open"))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    open.add(() -> {
      listener.destroy();
      listener.waitFor(10, TimeUnit.SECONDS);
    });
    Await.until(WAIT, () -> Files.exists(out) && Files.readString(out).contains("subscribed"),
        "the nostr-tools subscriber's EOSE");
    assertEquals(0, Mosquitto.pub(mqtt, "-t", "sensors/cmd", "-m", "open").exit());
    assertTrue(listener.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the subscriber ended");
    String got = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, listener.exitValue(), got);
    assertTrue(got.contains("ok received open [[\"t\",\"sensors/cmd\"],[\"qos\",\"0\"]]"), got);
    assertTrue(node.alive());
  }
}
