package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.LocalRelay;
import io.warren.api.PeerRef;
import io.warren.testing.Await;
import io.warren.testing.FakeLocalRelay;
import io.warren.testing.TestEventLoops;
import io.warren.voip.Call;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Device calls against a relay that records what the node publishes: a call from device A to
 * device B through two port pairs, and the refusals (a stranger's key, a stale, replayed or
 * malformed event, an unknown callee, the per-device limit).
 */
class DeviceCallsTest {
  private static final String NODE = "0".repeat(64);
  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);
  private static final String C = "c".repeat(64);
  private static final String STRANGER = "e".repeat(64);
  private static final long NOW = 1_700_000_000L;

  private final TestEventLoops loops = new TestEventLoops(1);
  private final FakeLocalRelay relay = new FakeLocalRelay(NODE, Set.of(A, B, C), NOW);
  private final List<Call> ended = new ArrayList<>();
  private final DeviceCalls devices;
  private int serial;

  DeviceCallsTest() {
    PortPairs ports = new PortPairs(loops, "127.0.0.1", 45400, 8);
    RelaySettings s = new RelaySettings(true, "127.0.0.1", "127.0.0.1", 0, 0, 16, 16, 30_000_000_000L, 200, 512);
    devices = new DeviceCalls(new DeviceCalls.Settings(16, 1, 30_000, false, List.of("pcmu"), "127.0.0.1"),
        new MediaRelay(loops, s, ports), loops.group(), () -> 0, ended::add, null, () -> NOW * 1000);
    devices.attach(relay);
    assertEquals(List.of(Set.copyOf(DeviceWire.KINDS)), relay.subscriptions());
  }

  private List<LocalRelay.Event> to(String key, int kind) {
    return relay.published().stream().filter(e -> e.kind() == kind && key.equals(e.tag("p"))).toList();
  }

  @AfterEach
  void close() {
    devices.close();
    loops.close();
  }

  private LocalRelay.Event event(String from, long createdAt, int kind, List<List<String>> tags) {
    return new LocalRelay.Event(String.format("%016x", ++serial) + "f".repeat(48), from, "npub1" + from.charAt(0),
        createdAt, kind, tags, "");
  }

  private LocalRelay.Event send(String from, int kind, List<List<String>> tags) {
    LocalRelay.Event e = event(from, NOW, kind, tags);
    devices.handle(relay, e);
    return e;
  }

  private static InetSocketAddress endpoint(LocalRelay.Event accept) {
    String rtp = accept.tag("rtp");
    return new InetSocketAddress(rtp.substring(0, rtp.lastIndexOf(':')),
        Integer.parseInt(rtp.substring(rtp.lastIndexOf(':') + 1)));
  }

  private String error(String to) {
    List<LocalRelay.Event> errors = to(to, DeviceWire.ERROR);
    return errors.isEmpty() ? null : errors.get(errors.size() - 1).content();
  }

  @Test
  void aDeviceCallsAnotherThroughTwoPortPairsOfTheNode() throws Exception {
    LocalRelay.Event request = send(A, DeviceWire.REQUEST, List.of(List.of("p", B), List.of("codecs", "opus,pcmu")));
    String call = request.id().substring(0, 16);
    assertEquals(request.id(), to(A, DeviceWire.RINGING).get(0).tag("e"));
    LocalRelay.Event incoming = to(B, DeviceWire.REQUEST).get(0);
    assertEquals(call, incoming.tag("call"));
    assertEquals(A, incoming.tag("from"));
    assertEquals("opus,pcmu", incoming.tag("codecs"));

    send(B, DeviceWire.ACCEPT, List.of(List.of("p", NODE), List.of("call", call), List.of("codec", "pcmu")));
    LocalRelay.Event toA = to(A, DeviceWire.ACCEPT).get(0);
    LocalRelay.Event toB = to(B, DeviceWire.ACCEPT).get(0);
    assertEquals("pcmu", toA.tag("codec"));
    assertTrue(endpoint(toA).getPort() != endpoint(toB).getPort());
    assertEquals((endpoint(toA).getPort() + 1) + "", toA.tag("rtcp").substring(toA.tag("rtcp").indexOf(':') + 1));

    try (DatagramSocket phoneA = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramSocket phoneB = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      phoneA.setSoTimeout(10_000);
      phoneB.setSoTimeout(10_000);
      byte[] hello = {(byte) 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 42};
      phoneA.send(new DatagramPacket(hello, hello.length, endpoint(toA))); // A latches (nowhere to go yet)
      Await.until(Duration.ofSeconds(10), () -> devices.views().get(0).mine().get().droppedUnlatched() == 1,
          "A's leg latched");
      phoneB.send(new DatagramPacket(hello, hello.length, endpoint(toB)));
      DatagramPacket got = new DatagramPacket(new byte[64], 64);
      phoneA.receive(got);
      assertArrayEquals(hello, Arrays.copyOf(got.getData(), got.getLength()));
      assertEquals(endpoint(toA), got.getSocketAddress());
    }
    Call row = devices.views().get(0);
    assertEquals("relay", row.role());
    assertEquals("active", row.state());
    assertEquals(new PeerRef(PeerRef.NOSTR, A), row.peer());

    send(B, DeviceWire.HANGUP, List.of(List.of("p", NODE), List.of("call", call)));
    assertEquals("hungup", to(A, DeviceWire.HANGUP).get(0).tag("reason"));
    assertTrue(to(B, DeviceWire.HANGUP).isEmpty(), "the one who hung up is not told");
    assertTrue(devices.views().isEmpty());
    assertEquals("hungup", ended.get(0).state());
  }

  @Test
  void refusalsLeaveTheCallInProgressAlone() {
    LocalRelay.Event request = send(A, DeviceWire.REQUEST, List.of(List.of("p", B), List.of("codecs", "pcmu")));
    String call = request.id().substring(0, 16);
    int before = relay.published().size();

    devices.handle(relay,
        event(STRANGER, NOW, DeviceWire.REQUEST, List.of(List.of("p", B), List.of("codecs", "pcmu"))));
    assertEquals(before, relay.published().size(), "a key the relay does not name is not answered");

    devices.handle(relay, event(C, NOW - 601, DeviceWire.REQUEST, List.of(List.of("p", B), List.of("codecs", "pcmu"))));
    assertTrue(error(C).contains("created_at is more than 600 s"), error(C));

    send(C, DeviceWire.REQUEST, List.of(List.of("p", B), List.of("codecs", "pc mu")));
    assertTrue(error(C).startsWith("voip: malformed: [\"codecs\", ...]"), error(C));

    send(C, DeviceWire.REQUEST, List.of(List.of("p", "9".repeat(64)), List.of("codecs", "pcmu")));
    assertEquals("voip: unknown device nostr:" + "9".repeat(64) + " (not in device.allow of io.warren.nostr.relay)",
        error(C));

    send(C, DeviceWire.REQUEST, List.of(List.of("p", A), List.of("codecs", "pcmu")));
    assertTrue(error(C).startsWith("voip: busy: 1 calls of nostr:" + A + " already (max.calls.per.device)"), error(C));

    send(C, DeviceWire.ACCEPT, List.of(List.of("call", call)));
    assertEquals("voip: no call " + call + " to this device", error(C));

    int errors = to(A, DeviceWire.ERROR).size();
    devices.handle(relay, request); // a replay: ignored, not answered
    assertEquals(errors, to(A, DeviceWire.ERROR).size());
    assertEquals(1, to(B, DeviceWire.REQUEST).size());

    assertEquals(1, devices.views().size());
    assertEquals("ringing", devices.views().get(0).state());
    send(B, DeviceWire.HANGUP, List.of(List.of("call", call)));
    assertEquals("refused", to(A, DeviceWire.HANGUP).get(0).tag("reason"));
  }

  @Test
  void theConsoleCallsANamedDeviceOnly() {
    assertThrows(IllegalArgumentException.class, () -> devices.call(new PeerRef(PeerRef.NOSTR, STRANGER),
        List.of("pcmu")));
    Call c = devices.call(new PeerRef(PeerRef.NOSTR, B), List.of("pcmu"));
    assertEquals(NODE, to(B, DeviceWire.REQUEST).get(0).tag("from"));
    send(B, DeviceWire.ACCEPT, List.of(List.of("call", c.id())));
    Call active = devices.views().get(0);
    assertEquals("caller", active.role());
    assertEquals("active", active.state());
    assertEquals(active.media(), "127.0.0.1:" + (endpoint(to(B, DeviceWire.ACCEPT).get(0)).getPort() == 45400
        ? 45402 : 45400));
    devices.hangup(devices.find(c.id().substring(0, 4)));
    assertEquals("hungup", to(B, DeviceWire.HANGUP).get(0).tag("reason"));
  }
}
