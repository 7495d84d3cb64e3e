package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.LocalRelay;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.testing.Configs;
import io.warren.testing.FakeDirectory;
import io.warren.testing.FakeLocalRelay;
import io.warren.testing.TestEventLoops;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The answers of {@link VoipService#serve} to members, strangers and bad requests, with a real relay on loopback. */
class VoipServiceTest {
  private static final PeerRef A = peer(1);
  private static final PeerRef B = peer(2);
  private static final PeerRef STRANGER = peer(3);
  private static final String ID = "00112233445566aa";
  private final TestEventLoops loops = new TestEventLoops(1);
  private VoipService voip;

  private static PeerRef peer(int n) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) n);
    return PeerRef.nostr(k);
  }

  private VoipService service(Map<String, Object> config) {
    PeerDirectory none = new FakeDirectory().resolving(text -> {
      throw new IllegalArgumentException("no peer " + text);
    }).opening((peer, protocolId) -> {
      throw new UnsupportedOperationException();
    });
    voip = new VoipService(none, loops, Configs.of(VoipConfig.class, config));
    voip.setMembers(Members.of(A, B));
    return voip;
  }

  private VoipService relay() {
    return service(Map.of("relay_enabled", true, "relay_bind", "127.0.0.1", "relay_address", "127.0.0.1",
        "relay_ports", "45100-45119", "relay_max_sessions_per_peer", 2));
  }

  @AfterEach
  void stop() throws Exception {
    if (voip != null) {
      voip.deactivate();
    }
    loops.close();
  }

  @Test
  void strangersAndBadRequestsGetAReasonNotAService() {
    VoipService v = relay();
    assertEquals("ERR not a member of this node's network", v.serve(STRANGER, "ALLOCATE " + ID + " " + B));
    assertTrue(v.serve(A, "ALLOCATE ../../x").startsWith("ERR expected <VERB> <16 hex digit id>"));
    assertTrue(v.serve(A, "DIAL " + ID).startsWith("ERR unknown request DIAL"));
    assertTrue(v.serve(A, "ALLOCATE " + ID).startsWith("ERR ALLOCATE needs 1 arguments"));
    assertTrue(v.serve(A, "ALLOCATE " + ID + " nonsense").startsWith("ERR "));
    assertTrue(v.serve(B, "OFFER " + ID + " pcmu example.org:5 -").startsWith("ERR expected an RTP endpoint"));
    assertTrue(v.calls().isEmpty(), "nothing was kept");
  }

  @Test
  void onlyTheOwnerReleasesAndOnlyThePartiesSeeTheCounters() {
    VoipService v = relay();
    String ok = v.serve(A, "ALLOCATE " + ID + " " + B);
    assertTrue(ok.matches("OK 127\\.0\\.0\\.1:451\\d\\d 127\\.0\\.0\\.1:451\\d\\d"), ok);
    assertTrue(v.serve(A, "ALLOCATE " + ID + " " + B).contains("already allocated"));
    assertTrue(v.serve(B, "STATS " + ID).startsWith("OK - 0 0 0 0 0 0 0 0 - 0"), "the callee may read them");
    assertEquals("ERR no such call", v.serve(B, "RELEASE " + ID), "only the caller releases");
    assertEquals(1, v.calls().size());
    assertEquals("OK released", v.serve(A, "RELEASE " + ID));
    assertEquals("ERR no such call", v.serve(A, "STATS " + ID));
    assertTrue(v.calls().isEmpty());
  }

  @Test
  void aMemberMayHoldOnlySoManySessions() {
    VoipService v = relay();
    assertTrue(v.serve(A, "ALLOCATE 0000000000000001 " + B).startsWith("OK "));
    assertTrue(v.serve(A, "ALLOCATE 0000000000000002 " + B).startsWith("OK "));
    assertTrue(v.serve(A, "ALLOCATE 0000000000000003 " + B).contains("relay.max.sessions.per.peer"));
    assertTrue(v.serve(B, "ALLOCATE 0000000000000004 " + A).startsWith("OK "), "another member still may");
  }

  @Test
  void offersRingUntilAnsweredRefusedOrHungUpByTheOtherSide() {
    VoipService v = service(Map.of("codecs", "pcma,opus"));
    assertEquals("ERR this node relays no media", v.serve(A, "ALLOCATE " + ID + " " + B));
    assertEquals("ERR no common codec: offered pcmu,g722, this side takes pcma,opus",
        v.serve(A, "OFFER " + ID + " pcmu,g722 overlay"));
    assertTrue(v.serve(A, "OFFER " + ID + " PCMU;rm overlay").startsWith("ERR expected codec names"));
    assertTrue(v.calls().isEmpty(), "a refused offer is not kept");
    assertEquals("OK ringing", v.serve(A, "OFFER " + ID + " pcmu,opus,pcma overlay"));
    assertTrue(v.serve(A, "OFFER " + ID + " pcma overlay").contains("exists"));
    assertEquals("ringing", v.calls().get(0).state());
    assertEquals("ERR no such call", v.serve(A, "ANSWER " + ID + " opus"), "only a caller takes an answer");
    assertEquals("ERR no such call", v.serve(B, "HANGUP " + ID), "only the other side hangs up");
    assertEquals("OK bye", v.serve(A, "HANGUP " + ID));
    assertEquals("hungup", v.calls().get(0).state(), "the ended call is listed as such");
    var e = assertThrows(IllegalArgumentException.class, () -> v.call("b", null, List.of("pcmu"), null));
    assertEquals("no peer b", e.getMessage());
    var bad = assertThrows(IllegalArgumentException.class, () -> v.answer(ID, null, null));
    assertTrue(bad.getMessage().contains("no call " + ID), bad.getMessage());
  }

  @Test
  void anUnansweredCallTimesOutAtTheCallee() throws Exception {
    VoipService v = service(Map.of("ring_timeout_seconds", 1));
    assertEquals("OK ringing", v.serve(A, "OFFER " + ID + " pcmu overlay"));
    io.warren.testing.Await.until(java.time.Duration.ofSeconds(20), java.time.Duration.ofMillis(50),
        () -> v.calls().get(0).state().equals("timeout"), "the call timed out");
    assertEquals("ERR no such call", v.serve(A, "HANGUP " + ID), "it is gone");
  }

  @Test
  void oneOtherNodeMayHaveOnlySoManyCallsWithThisOne() {
    VoipService v = service(Map.of("max_calls_per_peer", 2, "max_calls", 3));
    assertEquals("OK ringing", v.serve(A, "OFFER 0000000000000001 pcmu overlay"));
    assertEquals("OK ringing", v.serve(A, "OFFER 0000000000000002 pcmu overlay"));
    assertEquals("ERR busy: 2 calls with " + A + " already (max.calls.per.peer)",
        v.serve(A, "OFFER 0000000000000003 pcmu overlay"));
    assertEquals("OK ringing", v.serve(B, "OFFER 0000000000000004 pcmu overlay"), "another node still may");
    assertEquals("ERR busy: 3 calls already (max.calls)", v.serve(B, "OFFER 0000000000000005 pcmu overlay"));
    assertEquals(3, v.calls().size(), "the refused offers were not kept");
  }

  @Test
  void anOfferMayRingADeviceOfThisNodesRelayInsteadOfTheConsole() throws Exception {
    String node = "0".repeat(64);
    String device = "d".repeat(64);
    PeerDirectory keys = new FakeDirectory().resolving(PeerRef::parse).opening((peer, protocolId) -> {
      throw new UnsupportedOperationException("no streams in this test");
    });
    voip = new VoipService(keys, loops, Configs.of(VoipConfig.class, Map.of("answer_auto", true)));
    voip.setMembers(Members.of(A, B));
    VoipService v = voip;
    assertEquals("ERR voip: this node's Nostr relay does not run (io.warren.nostr.relay)",
        v.serve(A, "OFFER " + ID + " pcmu overlay nostr:" + device));
    FakeLocalRelay relay = new FakeLocalRelay(node, Set.of(device), System.currentTimeMillis() / 1000);
    v.setLocalRelay(relay);
    assertEquals("ERR unknown device nostr:" + "e".repeat(64) + " (not in device.allow of io.warren.nostr.relay)",
        v.serve(A, "OFFER " + ID + " pcmu overlay nostr:" + "e".repeat(64)));
    String nobody = v.serve(A, "OFFER " + ID + " pcmu overlay nobody");
    assertTrue(nobody.startsWith("ERR unknown device nobody: "), nobody);
    assertTrue(v.calls().isEmpty(), "a refused offer is not kept");

    assertEquals("OK ringing nostr:" + device, v.serve(A, "OFFER " + ID + " pcmu,opus overlay nostr:" + device));
    LocalRelay.Event request = relay.published().get(0);
    assertEquals(List.of(device, ID, "pcmu,opus", node, A.id()), List.of(request.tag("p"), request.tag("call"),
        request.tag("codecs"), request.tag("from"), request.tag("peer")));
    assertEquals("ringing", v.calls().get(0).state(), "not answered by the console (answer.auto is for the console)");
    assertEquals(PeerRef.parse("nostr:" + device), v.calls().get(0).device().orElseThrow());
    var e = assertThrows(IllegalArgumentException.class, () -> v.answer(ID, null, null));
    assertEquals("voip: call " + ID + " rings device nostr:" + device + ", which answers it", e.getMessage());

    // the device refuses: the call ends refused (the caller is told so), the device's row with it
    relay.deliver(new LocalRelay.Event("f".repeat(64), device, "npub1d", System.currentTimeMillis() / 1000,
        DeviceWire.HANGUP, List.of(List.of("p", node), List.of("call", ID)), "busy"));
    io.warren.testing.Await.until(java.time.Duration.ofSeconds(20), java.time.Duration.ofMillis(50),
        () -> v.calls().get(0).state().equals("refused"), "the device's refusal ended the call");
    assertEquals(PeerRef.parse("nostr:" + device), v.calls().get(0).device().orElseThrow());
    assertEquals("ERR no such call", v.serve(A, "HANGUP " + ID), "it is gone");
    assertEquals(1, relay.published().size(), "the device that refused is not told again");
  }

  @Test
  void aDeviceThatDoesNotAnswerIsToldTheCallTimedOut() throws Exception {
    String node = "0".repeat(64);
    String device = "d".repeat(64);
    voip = new VoipService(new FakeDirectory().resolving(PeerRef::parse), loops,
        Configs.of(VoipConfig.class, Map.of("ring_timeout_seconds", 1)));
    voip.setMembers(Members.of(A, B));
    FakeLocalRelay relay = new FakeLocalRelay(node, Set.of(device), System.currentTimeMillis() / 1000);
    voip.setLocalRelay(relay);
    assertEquals("OK ringing nostr:" + device, voip.serve(A, "OFFER " + ID + " pcmu overlay nostr:" + device));
    io.warren.testing.Await.until(java.time.Duration.ofSeconds(20), java.time.Duration.ofMillis(50),
        () -> voip.calls().get(0).state().equals("timeout"), "the call timed out");
    LocalRelay.Event told = relay.published().get(relay.published().size() - 1);
    assertEquals(List.of(DeviceWire.HANGUP, device, ID, "timeout"), List.of(told.kind(), told.tag("p"),
        told.tag("call"), told.tag("reason")), "the device stops ringing");
  }
}
