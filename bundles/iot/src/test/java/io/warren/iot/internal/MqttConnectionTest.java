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
        (user, pw) -> CompletableFuture.completedFuture(
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
        (u, p) -> CompletableFuture.completedFuture(null)));
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
}
