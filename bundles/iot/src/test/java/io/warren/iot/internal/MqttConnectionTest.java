package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.warren.iot.IotBroker.AclRule;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The connection handler fed packets through an {@link EmbeddedChannel}: the broker's rules without a socket. */
class MqttConnectionTest {
  private final Broker broker =
      new Broker(new Settings(true, "127.0.0.1", 0, false, 10, 3, 2, 10, 4096, 100, 10, 3600, 100, 100),
          Persistence.NONE);

  MqttConnectionTest() {
    broker.acl(List.of(new AclRule(1, "dev", "a/#", AclRule.Access.BOTH)));
  }

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(new MqttConnection(broker,
        (source, user, pw) -> CompletableFuture.completedFuture(
            "dev".equals(user) && pw != null && new String(pw, StandardCharsets.UTF_8).equals("secret1234") ? user
                : null)));
  }

  private static MqttMessage connect(String clientId, String password, boolean clean) {
    return MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1).username("dev")
        .password(password.getBytes(StandardCharsets.UTF_8)).cleanSession(clean).keepAlive(30).build();
  }

  private static <T> T next(EmbeddedChannel ch, Class<T> type) {
    ch.runPendingTasks();
    return assertInstanceOf(type, ch.readOutbound());
  }

  @Test
  void aWrongPasswordIsRefusedWithTheCodeForIt() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(connect("c1", "wrong-password", true));
    MqttConnAckMessage ack = next(ch, MqttConnAckMessage.class);
    assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
        ack.variableHeader().connectReturnCode());
    assertFalse(ch.isOpen());
  }

  @Test
  void anUnacknowledgedQos1MessageIsResentWithDupWhenThePersistentSessionComesBack() {
    EmbeddedChannel sub = channel();
    sub.writeInbound(connect("sub", "secret1234", false));
    assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
        next(sub, MqttConnAckMessage.class).variableHeader().connectReturnCode());
    sub.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#")
        .addSubscription(MqttQoS.AT_LEAST_ONCE, "b/#").build());
    assertEquals(List.of(1, 0x80), next(sub, MqttSubAckMessage.class).payload().reasonCodes());

    EmbeddedChannel pub = channel();
    pub.writeInbound(connect("pub", "secret1234", true));
    next(pub, MqttConnAckMessage.class);
    pub.writeInbound(MqttMessageBuilders.publish().topicName("a/x").qos(MqttQoS.AT_LEAST_ONCE).messageId(5)
        .payload(Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8)).build());
    pub.writeInbound(MqttMessageBuilders.publish().topicName("b/x").qos(MqttQoS.AT_LEAST_ONCE).messageId(6)
        .payload(Unpooled.copiedBuffer("no", StandardCharsets.UTF_8)).build());

    MqttPublishMessage first = next(sub, MqttPublishMessage.class);
    assertEquals("a/x", first.variableHeader().topicName());
    assertFalse(first.fixedHeader().isDup());
    first.release();
    assertNull(sub.readOutbound(), "b/x is not allowed to dev: nothing else arrives");
    sub.close();

    EmbeddedChannel again = channel();
    again.writeInbound(connect("sub", "secret1234", false));
    assertTrue(next(again, MqttConnAckMessage.class).variableHeader().isSessionPresent());
    MqttPublishMessage resent = next(again, MqttPublishMessage.class);
    assertTrue(resent.fixedHeader().isDup());
    assertEquals(first.variableHeader().packetId(), resent.variableHeader().packetId());
    assertArrayEquals("hi".getBytes(StandardCharsets.UTF_8), ByteBufUtil.getBytes(resent.content()));
    resent.release();
  }

  @Test
  void aMalformedPacketClosesItsConnectionOnly() {
    EmbeddedChannel other = channel();
    other.writeInbound(connect("other", "secret1234", true));
    next(other, MqttConnAckMessage.class);

    EmbeddedChannel bad = new EmbeddedChannel(new MqttDecoder(4096), new MqttConnection(broker,
        (src, u, p) -> CompletableFuture.completedFuture(null)));
    bad.writeInbound(
        Unpooled.wrappedBuffer(new byte[] {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}));
    assertFalse(bad.isOpen());
    assertEquals(1, broker.malformed.get());
    assertTrue(other.isOpen());
  }

  @Test
  void aConnectionThatNeverSendsConnectIsClosedAfterTheTimeout() {
    EmbeddedChannel ch = channel();
    ch.advanceTimeBy(9, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertTrue(ch.isOpen());
    ch.advanceTimeBy(2, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertFalse(ch.isOpen());
  }

  private static MqttMessage connect5(String clientId) {
    return MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_5).username("dev")
        .password("secret1234".getBytes(StandardCharsets.UTF_8)).cleanSession(true).keepAlive(2).build();
  }

  @Test
  void aSubscriptionBeyondThePerClientCapIsRefusedWithQuotaExceeded() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(connect5("many"));
    next(ch, MqttConnAckMessage.class);
    var sub = MqttMessageBuilders.subscribe().messageId(1);
    for (int i = 0; i < 4; i++) {
      sub.addSubscription(MqttQoS.AT_MOST_ONCE, "a/" + i);
    }
    ch.writeInbound(sub.build());
    assertEquals(List.of(0, 0, 0, 0x97), next(ch, MqttSubAckMessage.class).payload().reasonCodes());
  }

  @Test
  void aClientPublishingFasterThanTheRateIsDisconnectedWithTheReasonCode() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(connect5("fast"));
    next(ch, MqttConnAckMessage.class);
    // publish.rate 100: a burst of 100 passes, then about 100 a second; 300 at once cannot all pass
    for (int i = 0; i < 300 && ch.isOpen(); i++) {
      ch.writeInbound(MqttMessageBuilders.publish().topicName("a/x").qos(MqttQoS.AT_MOST_ONCE)
          .payload(Unpooled.buffer()).build());
    }
    MqttMessage disconnect = next(ch, MqttMessage.class);
    assertEquals(io.netty.handler.codec.mqtt.MqttMessageType.DISCONNECT, disconnect.fixedHeader().messageType());
    assertEquals(Packets.MESSAGE_RATE_TOO_HIGH,
        ((io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader) disconnect.variableHeader())
            .reasonCode());
    assertFalse(ch.isOpen());
  }

  @Test
  void connectionsBeyondTheCapAreRefusedWithTheCodeOfTheirVersion() {
    for (int i = 0; i < 10; i++) {
      EmbeddedChannel ch = channel();
      ch.writeInbound(connect("c" + i, "secret1234", true));
      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
          next(ch, MqttConnAckMessage.class).variableHeader().connectReturnCode());
    }
    EmbeddedChannel v3 = channel();
    v3.writeInbound(connect("one-more", "secret1234", true));
    assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
        next(v3, MqttConnAckMessage.class).variableHeader().connectReturnCode());
    EmbeddedChannel v5 = channel();
    v5.writeInbound(connect5("one-more-5"));
    assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED,
        next(v5, MqttConnAckMessage.class).variableHeader().connectReturnCode());
    assertFalse(v5.isOpen());
  }

  @Test
  void aPacketLargerThanTheLimitClosesTheConnection() {
    EmbeddedChannel ch = new EmbeddedChannel(new MqttDecoder(4096), new MqttConnection(broker,
        (src, u, p) -> CompletableFuture.completedFuture("dev")));
    ch.writeInbound(connect("big", "secret1234", true));
    next(ch, MqttConnAckMessage.class);
    byte[] header = {0x30, (byte) 0x80, (byte) 0x80, 0x01}; // PUBLISH QoS 0, remaining length 16384
    ch.writeInbound(Unpooled.wrappedBuffer(header, new byte[100]));
    assertFalse(ch.isOpen());
  }

  @Test
  void aClientSilentForOneAndAHalfKeepalivesIsClosedAndItsWillSent() {
    EmbeddedChannel watcher = channel();
    watcher.writeInbound(connect("watcher", "secret1234", true));
    next(watcher, MqttConnAckMessage.class);
    watcher.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_MOST_ONCE, "a/will")
        .build());
    next(watcher, MqttSubAckMessage.class);

    EmbeddedChannel ch = channel();
    ch.writeInbound(MqttMessageBuilders.connect().clientId("sleepy").protocolVersion(MqttVersion.MQTT_3_1_1)
        .username("dev").password("secret1234".getBytes(StandardCharsets.UTF_8)).keepAlive(2).willFlag(true)
        .willTopic("a/will").willMessage("bye".getBytes(StandardCharsets.UTF_8)).build());
    next(ch, MqttConnAckMessage.class);
    ch.advanceTimeBy(2500, TimeUnit.MILLISECONDS); // the loop's clock also runs in real time: leave a margin
    ch.runScheduledPendingTasks();
    assertTrue(ch.isOpen(), "2.5 s of silence with a keepalive of 2 s is allowed");
    ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertFalse(ch.isOpen());
    MqttPublishMessage will = next(watcher, MqttPublishMessage.class);
    assertEquals("a/will", will.variableHeader().topicName());
    will.release();
  }

  @Test
  void aSharedSubscriptionGivesEachMessageToOneMemberOfTheGroupInTurn() {
    List<EmbeddedChannel> members = new java.util.ArrayList<>();
    for (String id : List.of("w1", "w2")) {
      EmbeddedChannel ch = channel();
      ch.writeInbound(connect5(id));
      next(ch, MqttConnAckMessage.class);
      ch.writeInbound(MqttMessageBuilders.subscribe().messageId(1)
          .addSubscription(MqttQoS.AT_MOST_ONCE, "$share/workers/a/jobs").build());
      assertEquals(List.of(0), next(ch, MqttSubAckMessage.class).payload().reasonCodes());
      members.add(ch);
    }
    EmbeddedChannel v3 = channel();
    v3.writeInbound(connect("old", "secret1234", true));
    next(v3, MqttConnAckMessage.class);
    v3.writeInbound(MqttMessageBuilders.subscribe().messageId(1)
        .addSubscription(MqttQoS.AT_MOST_ONCE, "$share/workers/a/jobs").build());
    assertEquals(List.of(0x80), next(v3, MqttSubAckMessage.class).payload().reasonCodes(), "MQTT 5 only");

    for (int i = 0; i < 4; i++) {
      broker.publish(new Msg("a/jobs", new byte[] {(byte) i}, 0, false), false);
    }
    int[] got = new int[2];
    for (int k = 0; k < 2; k++) {
      MqttPublishMessage p;
      while ((p = members.get(k).readOutbound()) != null) {
        got[k]++;
        p.release();
      }
    }
    assertEquals(2, got[0], "each message to one member, in turn");
    assertEquals(2, got[1]);
  }

  private static MqttMessage connect5(String clientId, boolean clean, int sessionExpiry) {
    MqttProperties p = new MqttProperties();
    p.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(),
        sessionExpiry));
    return MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_5).username("dev")
        .password("secret1234".getBytes(StandardCharsets.UTF_8)).cleanSession(clean).keepAlive(30).properties(p)
        .build();
  }

  @Test
  void mqtt5PublishPropertiesReachSubscribersWithTheExpiryThatIsLeftAndExpiredMessagesDoNot() {
    EmbeddedChannel sub = channel();
    sub.writeInbound(connect5("sub5", true, 0));
    next(sub, MqttConnAckMessage.class);
    sub.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#")
        .build());
    next(sub, MqttSubAckMessage.class);

    EmbeddedChannel pub = channel();
    pub.writeInbound(connect5("pub5", true, 0));
    next(pub, MqttConnAckMessage.class);
    MqttProperties props = new MqttProperties();
    props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), 1));
    props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), 3600));
    props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), "application/json"));
    props.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), "a/replies"));
    props.add(new MqttProperties.BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), new byte[] {4, 2}));
    props.add(new MqttProperties.UserProperty("site", "north"));
    props.add(new MqttProperties.UserProperty("site", "south"));
    pub.writeInbound(MqttMessageBuilders.publish().topicName("a/x").qos(MqttQoS.AT_LEAST_ONCE).messageId(5)
        .properties(props).payload(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8)).build());

    MqttPublishMessage got = next(sub, MqttPublishMessage.class);
    MqttProperties p = got.variableHeader().properties();
    assertEquals(1, p.getProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value()).value());
    int left = (Integer) p.getProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value()).value();
    assertTrue(left > 0 && left <= 3600, "the expiry interval left: " + left);
    assertEquals("application/json", p.getProperty(MqttPropertyType.CONTENT_TYPE.value()).value());
    assertEquals("a/replies", p.getProperty(MqttPropertyType.RESPONSE_TOPIC.value()).value());
    assertArrayEquals(new byte[] {4, 2}, (byte[]) p.getProperty(MqttPropertyType.CORRELATION_DATA.value()).value());
    List<MqttProperties.StringPair> user = new java.util.ArrayList<>();
    p.getProperties(MqttPropertyType.USER_PROPERTY.value())
        .forEach(u -> user.add(((MqttProperties.UserProperty) u).value()));
    assertEquals(
        List.of(new MqttProperties.StringPair("site", "north"), new MqttProperties.StringPair("site", "south")),
        user, "user properties in the order sent");
    got.release();

    // a message whose expiry has passed is not delivered, nor kept as retained
    long past = System.currentTimeMillis() - 1;
    Props expired = new Props(-1, null, null, null, List.of(), past);
    broker.publish(new Msg("a/x", new byte[] {1}, 1, true, expired), false);
    sub.runPendingTasks();
    assertNull(sub.readOutbound(), "expired: not delivered");
    assertTrue(broker.retainedFor("a/#").isEmpty(), "expired: no longer retained");

    // one that expired while queued for an absent client is not sent when it comes back
    EmbeddedChannel away = channel();
    away.writeInbound(connect5("away5", false, 600));
    next(away, MqttConnAckMessage.class);
    away.writeInbound(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#")
        .build());
    next(away, MqttSubAckMessage.class);
    away.close();
    Session s = broker.sessions.get("away5");
    s.restore(new Session.Entry(1, new Msg("a/x", new byte[] {2}, 1, false, expired), false));
    s.restore(new Session.Entry(2, new Msg("a/x", new byte[] {3}, 1, false), false));
    EmbeddedChannel back = channel();
    back.writeInbound(connect5("away5", false, 600));
    next(back, MqttConnAckMessage.class);
    MqttPublishMessage only = next(back, MqttPublishMessage.class);
    assertArrayEquals(new byte[] {3}, ByteBufUtil.getBytes(only.content()), "the expired one is skipped");
    only.release();
    assertNull(back.readOutbound());
  }
}
