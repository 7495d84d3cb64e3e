package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.Closer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT broker as devices use it, with real mosquitto clients against node processes: delivery
 * across bridged nodes, retained messages, last wills, refusals, bad input, and a bridge cycle.
 */
class IotTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String USER = "dev";
  private static final String PASSWORD = "DevPass123";
  @TempDir Path dir;
  @RegisterExtension final Closer open = new Closer();

  private record Node(NodeProcess process, int port) {}

  /** Starts {@code names.length} members of one network, each with the broker on and user dev allowed {@code sensors/#} and {@code cycle/#}. */
  private List<Node> network(String extraConfig, String... names) throws Exception {
    List<Node> nodes = new ArrayList<>();
    String bootstrap = null;
    for (String name : names) {
      Path home = NodeProcess.installation(dir.resolve(name), name);
      int port = NodeProcess.freePort();
      NodeProcess.configure(home, "io.warren.iot", "enabled = true\nport = " + port + "\n" + extraConfig);
      NodeProcess p = NodeProcess.startMember(home, dir.resolve(name + "/data"), "iotnet:NetPass", "admin:A" + name,
          bootstrap);
      open.add(p);
      if (bootstrap == null) {
        bootstrap = p.identity();
      }
      ok(p.client("iot:users", "add", USER, "--password", PASSWORD));
      ok(p.client("iot:acl", "add", USER, "sensors/#", "both"));
      ok(p.client("iot:acl", "add", USER, "cycle/#", "both"));
      nodes.add(new Node(p, port));
    }
    return nodes;
  }

  private static Result ok(Result r) {
    assertEquals(0, r.exit(), r.toString());
    return r;
  }

  /** Bridges {@code filter} on every node and waits until each has its link to every other up. */
  private static void bridge(List<Node> nodes, String filter) throws Exception {
    for (Node n : nodes) {
      ok(n.process().client("iot:bridge", "--network", "iotnet", filter));
    }
    for (Node n : nodes) {
      n.process().awaitClient(WAIT, r -> count(r.out(), ": up,") == nodes.size() - 1, "iot:bridges");
    }
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private Mosquitto subscriber(Node n, String id, String filter, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("-u", USER, "-P", PASSWORD, "-i", id, "-q", "1", "-t", filter));
    args.addAll(List.of(extra));
    Mosquitto m = Mosquitto.sub(dir, id, n.port(), args.toArray(String[]::new));
    open.add(m);
    awaitSubscribed(n, id, 1);
    return m;
  }

  /** Waits until client {@code id} is connected to {@code n} with {@code subs} subscriptions. */
  private static void awaitSubscribed(Node n, String id, int subs) throws Exception {
    Pattern row = Pattern.compile("(?m)^" + Pattern.quote(id) + "\\s+\\S+\\s+\\S+\\s+\\S+\\s+connected\\s+(\\d+)");
    n.process().awaitClient(WAIT, r -> {
      Matcher m = row.matcher(r.out());
      return m.find() && Integer.parseInt(m.group(1)) == subs;
    }, "iot:clients");
  }

  private static Result publish(Node n, String topic, String message, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("-u", USER, "-P", PASSWORD, "-q", "1", "-t", topic, "-m", message));
    args.addAll(List.of(extra));
    return ok(Mosquitto.pub(n.port(), args.toArray(String[]::new)));
  }

  @Test
  void devicesOnTwoNodesTalkAsIfTheySharedOneBrokerAndStrangersAreRefused() throws Exception {
    List<Node> nodes = network("connect.timeout.seconds = 2\n", "a", "b");
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    bridge(nodes, "sensors/#");

    // delivery across the two nodes, QoS 1
    Mosquitto onB = subscriber(b, "sub-b", "sensors/#");
    publish(a, "sensors/kitchen/temp", "21.5");
    onB.await("sensors/kitchen/temp 21.5", WAIT);

    // a retained message reaches a subscriber that comes later, on the other node
    publish(a, "sensors/door", "closed", "-r");
    onB.await("sensors/door closed", WAIT);
    Mosquitto late = subscriber(b, "late-b", "sensors/door");
    late.await("sensors/door closed", WAIT);

    // the last will of a client that vanishes without DISCONNECT, delivered on the other node
    Mosquitto willer = Mosquitto.sub(dir, "willer", a.port(), "-u", USER, "-P", PASSWORD, "-i", "willer", "-t",
        "sensors/ignored", "--will-topic", "sensors/willer/status", "--will-payload", "gone", "--will-qos", "1");
    open.add(willer);
    awaitSubscribed(a, "willer", 1);
    willer.kill9();
    onB.await("sensors/willer/status gone", WAIT);

    // a wrong password is refused with its CONNACK code
    Result wrong = Mosquitto.pub(a.port(), "-u", USER, "-P", "not-the-password", "-t", "sensors/x", "-m", "x");
    assertNotEquals(0, wrong.exit(), wrong.toString());
    assertTrue(wrong.err().contains("bad user name or password"), wrong.toString());
    Result anonymous = Mosquitto.pub(a.port(), "-t", "sensors/x", "-m", "x");
    assertTrue(anonymous.err().contains("not authorised"), anonymous.toString());

    // a topic no rule allows: the subscription is refused, the publish never delivered
    Mosquitto denied = Mosquitto.sub(dir, "denied", b.port(), "-u", USER, "-P", PASSWORD, "-i", "denied", "-t",
        "secret/#", "-V", "mqttv5");
    open.add(denied);
    denied.awaitExit(WAIT);
    assertTrue(denied.err().contains("denied") || denied.err().contains("Not authorized"), denied.err());
    Mosquitto adminView = subscriber(a, "everything-a", "sensors/#");
    publish(a, "secret/plans", "leak");
    publish(a, "sensors/marker", "after-secret");
    adminView.await("sensors/marker after-secret", WAIT);
    assertTrue(adminView.lines().stream().noneMatch(l -> l.startsWith("secret/")), adminView.lines().toString());
    assertTrue(ok(a.process().client("iot:stats")).out().matches("(?s).*refused\\.acl\\s+[1-9].*"));

    // a malformed packet and a connection that never sends CONNECT are closed; the node keeps serving
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), a.port())) {
      s.setSoTimeout((int) WAIT.toMillis());
      OutputStream o = s.getOutputStream();
      o.write(new byte[] {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
      o.flush();
      assertEquals(-1, s.getInputStream().read(), "a CONNECT with a 5-byte remaining length closes the connection");
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), a.port())) {
      s.setSoTimeout((int) WAIT.toMillis());
      InputStream in = s.getInputStream();
      assertEquals(-1, in.read(), "a connection without CONNECT is closed after connect.timeout.seconds");
    }
    assertTrue(ok(a.process().client("iot:stats")).out().matches("(?s).*malformed\\s+1\\b.*"));
    publish(a, "sensors/after", "still-serving");
    onB.await("sensors/after still-serving", WAIT);
    assertTrue(a.process().alive());
  }

  @Test
  void aCycleOfThreeBridgedNodesDeliversEachMessageOnce() throws Exception {
    List<Node> nodes = network("", "x", "y", "z");
    bridge(nodes, "cycle/#");
    List<Mosquitto> subs = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      subs.add(subscriber(nodes.get(i), "cycle-sub-" + i, "cycle/#"));
    }
    int perNode = 10;
    for (int i = 0; i < nodes.size(); i++) {
      for (int k = 0; k < perNode; k++) {
        publish(nodes.get(i), "cycle/n" + i, "m" + k);
      }
    }
    // a last message from each node, after which nothing of that node's is still on its way
    for (int i = 0; i < nodes.size(); i++) {
      publish(nodes.get(i), "cycle/n" + i, "end");
    }
    for (Mosquitto s : subs) {
      for (int i = 0; i < nodes.size(); i++) {
        s.await("cycle/n" + i + " end", WAIT);
      }
    }
    for (Mosquitto s : subs) {
      List<String> lines = s.lines();
      assertEquals(nodes.size() * (perNode + 1), lines.size(), "each message once: " + lines);
      assertEquals(lines.size(), lines.stream().distinct().count(), "no duplicates: " + lines);
    }
  }

  @Test
  void qos1MessagesSurviveKill9OfTheReceivingAndTheSendingNodeAndArriveWhenTheClientComesBack() throws Exception {
    List<Node> nodes = network("", "p", "q");
    Node p = nodes.get(0);
    Node q = nodes.get(1);
    bridge(nodes, "sensors/#");
    // a device on Q with a persistent session (clean session off), gone for now
    Mosquitto first = subscriber(q, "device-q", "sensors/#", "-c");
    publish(p, "sensors/one", "before");
    first.await("sensors/one before", WAIT);
    // mosquitto_sub prints a QoS 1 message before it sends the PUBACK: a kill -9 right after the line
    // may leave "before" unacknowledged, and then MQTT's at-least-once rightly sends it again; so the
    // device goes once Q has the acknowledgement (nothing inflight, nothing queued)
    q.process().awaitClient(WAIT,
        r -> r.out().matches("(?s).*device-q\\s+\\S+\\s+\\S+\\s+\\S+\\s+connected\\s+1\\s+0\\s+0.*"), "iot:clients");
    first.kill9();
    q.process().awaitClient(WAIT, r -> r.out().matches("(?s).*device-q\\s+\\S+\\s+\\S+\\s+\\S+\\s+away.*"),
        "iot:clients");

    // one message reaches Q (stored for the device, then acknowledged to P), Q is killed, one more waits on P
    publish(p, "sensors/one", "while-away");
    q.process().awaitClient(WAIT, r -> r.out().matches("(?s).*device-q.*away\\s+1\\s+0\\s+1.*"), "iot:clients");
    // Q acknowledges the bridge frame only once its copy is written, and its writes run in order, so
    // then the device's acknowledgement of "before" is written too; Q's count above is its memory's
    // (a kill -9 before the writer's commit sent "before" again, as MQTT's at-least-once allows)
    p.process().awaitClient(WAIT, r -> r.out().matches("(?s).*: up,[^\\n]*, 0 unacked.*"), "iot:bridges");
    q.process().kill9();
    publish(p, "sensors/one", "while-q-down");
    // P holds that one for Q: in its store, so a kill -9 of P loses it no more than one of Q
    p.process().kill9();
    NodeProcess pAgain =
        NodeProcess.startMember(p.process().home(), p.process().dataDir(), "iotnet:NetPass", "admin:Ap",
            null);
    open.add(pAgain);

    NodeProcess again = NodeProcess.startMember(q.process().home(), q.process().dataDir(), "iotnet:NetPass", "admin:Aq",
        pAgain.identity());
    open.add(again);
    again.awaitClient(WAIT, r -> count(r.out(), ": up,") == 1, "iot:bridges");
    Mosquitto back = Mosquitto.sub(dir, "device-q-back", q.port(), "-u", USER, "-P", PASSWORD, "-i", "device-q", "-q",
        "1", "-c", "-t", "sensors/#");
    open.add(back);
    back.await("sensors/one while-away", WAIT);
    back.await("sensors/one while-q-down", WAIT);
    assertTrue(back.lines().stream().noneMatch(l -> l.endsWith(" before")), "the acknowledged one is not sent again: "
        + back.lines());
  }

  /** P and Q listen nowhere (they dial out only): the bridge between them runs through R's circuit relay. */
  @Test
  void aNodeReachableOnlyThroughARelayIsBridgedLikeAnyOther() throws Exception {
    NodeProcess r = NodeProcess.startMember(NodeProcess.installation(dir.resolve("r"), "r"), dir.resolve("r/data"),
        "iotnet:NetPass", "admin:Ar", null);
    open.add(r);
    String bootstrap = r.identity();
    List<Node> pq = new ArrayList<>();
    for (String name : List.of("p", "q")) {
      Path home = NodeProcess.installation(dir.resolve(name), name);
      java.nio.file.Files.writeString(home.resolve("etc/io.warren.libp2p.cfg"), "listen.addresses =\n");
      int port = NodeProcess.freePort();
      NodeProcess.configure(home, "io.warren.iot", "enabled = true\nport = " + port + "\n");
      NodeProcess n = NodeProcess.startMember(home, dir.resolve(name + "/data"), "iotnet:NetPass", "admin:A" + name,
          bootstrap);
      open.add(n);
      ok(n.client("iot:users", "add", USER, "--password", PASSWORD));
      ok(n.client("iot:acl", "add", USER, "sensors/#", "both"));
      pq.add(new Node(n, port));
    }
    Node p = pq.get(0);
    Node q = pq.get(1);
    String qId = q.process().banner("peer ID");
    p.process().awaitClient(WAIT, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"),
        "net:nodes");
    for (Node n : pq) {
      ok(n.process().client("iot:bridge", "--network", "iotnet", "sensors/#"));
    }
    String qSuffix = qId.substring(qId.length() - 8);
    p.process().awaitClient(WAIT, o -> o.out().contains(qSuffix + ": up, relayed,"), "iot:bridges");
    Mosquitto onQ = subscriber(q, "sub-q", "sensors/#");
    publish(p, "sensors/behind-nat", "relayed-hello");
    onQ.await("sensors/behind-nat relayed-hello", WAIT);
  }

  /** What a late MQTT 5 subscriber to {@code topic} on {@code n} gets as its retained message, formatted with {@code format}; empty for none. */
  private static String retainedNow(Node n, String topic, String format) throws Exception {
    Result r = NodeProcess.run(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(n.port()), "-u", USER,
        "-P", PASSWORD, "-V", "mqttv5", "-t", topic, "--retained-only", "-C", "1", "-W", "2", "-F", format), null);
    return r.out().strip();
  }

  @Test
  void mqtt5PublishPropertiesCrossTheBridgeAndExpiredMessagesAreNotDelivered() throws Exception {
    List<Node> nodes = network("", "a5", "b5");
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    bridge(nodes, "sensors/#");
    String format = "%t %p|%P|%C|%R|%D|%F|%E";
    Mosquitto onB = subscriber(b, "props-b", "sensors/#", "-V", "mqttv5", "-F", format);
    Mosquitto onA = subscriber(a, "props-a", "sensors/#", "-V", "mqttv5", "-F", format);
    publish(a, "sensors/req", "hello", "-V", "mqttv5", "-D", "publish", "user-property", "site", "north", "-D",
        "publish", "user-property", "unit", "celsius", "-D", "publish", "content-type", "text/plain", "-D", "publish",
        "response-topic", "sensors/reply", "-D", "publish", "correlation-data", "req-42", "-D", "publish",
        "payload-format-indicator", "1", "-D", "publish", "message-expiry-interval", "3600");
    // the same on this node and across the bridge; the expiry is what is left of 3600 s (mosquitto prints it as is)
    Pattern expected = Pattern.compile(
        "sensors/req hello\\|site:north unit:celsius\\|text/plain\\|sensors/reply\\|req-42\\|1\\|(\\d+)");
    for (Mosquitto m : List.of(onA, onB)) {
      Await.until(WAIT, () -> m.lines().stream().anyMatch(l -> expected.matcher(l).matches()),
          "the message with its properties, got " + m.lines() + " " + m.err());
      String line = m.lines().stream().filter(l -> expected.matcher(l).matches()).findFirst().orElseThrow();
      Matcher left = expected.matcher(line);
      assertTrue(left.matches());
      int seconds = Integer.parseInt(left.group(1));
      assertTrue(seconds > 0 && seconds <= 3600, line);
    }
    // a message without properties gets none added
    publish(a, "sensors/plain", "x", "-V", "mqttv5");
    onB.await("sensors/plain x||||||", WAIT);

    // a retained message bridged to B: a late subscriber there is sent the interval that is left, which shrinks
    publish(a, "sensors/short", "soon-gone", "-r", "-V", "mqttv5", "-D", "publish", "message-expiry-interval", "8");
    Await.until(WAIT, () -> onB.lines().stream().anyMatch(l -> l.matches("sensors/short soon-gone\\|{6}[1-8]")),
        "the retained message with its expiry on b, got " + onB.lines());
    Await.until(WAIT, Duration.ofMillis(500), () -> retainedNow(b, "sensors/short", "%p %E").matches("soon-gone [1-6]"),
        "a late subscriber on b gets less than the 8 s published");
    // and once it has expired, it is not delivered at all, on either node
    for (Node n : nodes) {
      Await.until(WAIT, Duration.ofMillis(500), () -> retainedNow(n, "sensors/short", "%p").isEmpty(),
          "the expired retained message is no longer sent");
    }
  }
}
