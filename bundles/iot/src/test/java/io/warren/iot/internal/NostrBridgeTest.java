package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.LocalRelay;
import io.warren.iot.IotBroker.AclRule;
import io.warren.testing.FakeLocalRelay;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The broker's Nostr bridge against a stand-in relay: which local messages become events, which
 * events become messages (named devices, topic rules, time window, replays), and no loops.
 */
class NostrBridgeTest {
  private static final String NODE = "0".repeat(64);
  private static final String DEVICE = "d".repeat(64);
  private static final String STRANGER = "e".repeat(64);

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private final Broker broker =
      new Broker(new Settings(true, "127.0.0.1", 0, false, 10, 3, 2, 10, 4096, 100, 10, 3600, 100, 100),
          Persistence.NONE);
  private final FakeLocalRelay relay = new FakeLocalRelay(NODE, Set.of(DEVICE), now());
  private final NostrBridge bridge;

  NostrBridgeTest() {
    broker.acl(List.of(new AclRule(1, "npub1device", "sensors/#", AclRule.Access.PUB),
        new AclRule(2, "npub1stranger", "sensors/#", AclRule.Access.PUB)));
    Settings s = broker.settings();
    bridge = new NostrBridge(NostrBridge.filters(new String[] {"sensors/#, cmd/+"}), broker,
        new Bridges(broker, null, () -> null, s));
    broker.bridges(m -> {
      bridge.forward(m);
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    });
    broker.fromMembers(bridge::forward);
    bridge.attach(relay);
    assertEquals(List.of(Set.of(NostrWire.KIND)), relay.subscriptions());
  }

  private static LocalRelay.Event from(String key, String npub, String id, long createdAt, String topic) {
    return new LocalRelay.Event(id, key, npub, createdAt, NostrWire.KIND, List.of(List.of("t", topic)), "on");
  }

  @Test
  void aLocalMessageOnABridgedTopicBecomesOneEventAndOurOwnEventIsNotReadBack() {
    broker.publish(new Msg("sensors/x", "1".getBytes(StandardCharsets.UTF_8), 0, false), false);
    broker.publish(new Msg("other/x", "2".getBytes(StandardCharsets.UTF_8), 0, false), false);
    assertEquals(1, relay.published().size());
    assertEquals(List.of("t", "sensors/x"), relay.published().get(0).tags().get(0));
    assertEquals(1, bridge.sent.get());
    assertEquals(0, bridge.received.get()); // the echo of our own event was dropped
    assertEquals(0, broker.fromBridges.get());
  }

  @Test
  void anEventFromANamedDeviceIsPublishedLocallyOnceAndNeverSentBackToNostr() {
    bridge.accept(from(DEVICE, "npub1device", "1", now(), "sensors/x"));
    assertEquals(1, bridge.received.get());
    assertEquals(1, broker.fromBridges.get());
    assertEquals(0, relay.published().size()); // no loop
    bridge.accept(from(DEVICE, "npub1device", "1", now(), "sensors/x")); // replayed
    assertEquals(1, bridge.received.get());
    assertEquals(1, bridge.refused.get());
  }

  @Test
  void aMessageAMemberBridgedHereReachesTheDevicesButNotTheMembersAgain() {
    broker.publishFromMember(new Msg("sensors/y", "3".getBytes(StandardCharsets.UTF_8), 0, false));
    assertEquals(1, relay.published().size(), "a device on this relay sees the whole network's messages");
    assertEquals(List.of("t", "sensors/y"), relay.published().get(0).tags().get(0));
    assertEquals(1, broker.fromBridges.get());
  }

  @Test
  void eventsFromOtherKeysOutsideTheRulesOrTheWindowAreRefused() {
    bridge.accept(from(STRANGER, "npub1stranger", "2", now(), "sensors/x")); // not in device.allow
    bridge.accept(from(DEVICE, "npub1device", "3", now(), "cmd/door")); // bridged, but no rule for the device
    bridge.accept(from(DEVICE, "npub1device", "4", now() - 3600, "sensors/x")); // an hour old
    bridge.accept(from(DEVICE, "npub1device", "5", now(), "elsewhere/x")); // not a bridged topic: ignored
    assertEquals(3, bridge.refused.get());
    assertEquals(0, bridge.received.get());
    assertEquals(0, broker.fromBridges.get());
  }

  @Test
  void aBadTopicFilterInTheConfigurationIsRefusedWithItsName() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NostrBridge.filters(new String[] {"a/#/b"}))
        .getMessage().contains("nostr.topics"));
    assertEquals(List.of(), NostrBridge.filters(new String[0]));
  }
}
