package io.warren.iot.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;

/** The packets the broker sends, built on Netty's MQTT codec, and the reason codes it refuses with (MQTT 5.0 section 2.4). */
final class Packets {
  static final int V311 = 4;
  static final int V5 = 5;

  // MQTT 5.0 reason codes used here
  static final byte UNSPECIFIED = (byte) 0x80;
  static final byte MALFORMED = (byte) 0x81;
  static final byte PROTOCOL_ERROR = (byte) 0x82;
  static final byte NOT_AUTHORIZED = (byte) 0x87;
  static final byte KEEP_ALIVE_TIMEOUT = (byte) 0x8D;
  static final byte SESSION_TAKEN_OVER = (byte) 0x8E;
  static final byte TOPIC_FILTER_INVALID = (byte) 0x8F;
  static final byte TOPIC_NAME_INVALID = (byte) 0x90;
  static final byte PACKET_TOO_LARGE = (byte) 0x95;
  static final byte MESSAGE_RATE_TOO_HIGH = (byte) 0x96;
  static final byte QUOTA_EXCEEDED = (byte) 0x97;
  static final byte NO_SUBSCRIPTION_EXISTED = (byte) 0x11;

  private Packets() {}

  /**
   * A PUBLISH of {@code m} with its MQTT 5 properties, the message expiry interval being what is
   * left of it (Netty's encoder leaves properties out for an MQTT 3.1.1 connection).
   */
  static MqttPublishMessage publish(Msg m, int packetId, boolean dup) {
    MqttFixedHeader h = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(m.qos()), m.retain(), 0);
    return new MqttPublishMessage(h, new MqttPublishVariableHeader(m.topic(), m.qos() == 0 ? -1 : packetId,
        m.props().toMqtt(System.currentTimeMillis())), Unpooled.wrappedBuffer(m.payload()));
  }

  /** A refusing CONNACK, in the code of the client's version, then close. */
  static void refuseConnect(Channel ch, int version, MqttConnectReturnCode v3, MqttConnectReturnCode v5) {
    MqttMessage ack = MqttMessageBuilders.connAck().returnCode(version == V5 ? v5 : v3).sessionPresent(false).build();
    ch.writeAndFlush(ack).addListener(ChannelFutureListener.CLOSE);
  }

  /** MQTT 5: DISCONNECT with {@code reason} and a reason string, then close; MQTT 3.1.1 has no such packet: close. */
  static void disconnect(Channel ch, int version, byte reason, String why) {
    if (version != V5) {
      ch.close();
      return;
    }
    MqttProperties p = new MqttProperties();
    p.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, why));
    ch.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode(reason).properties(p).build())
        .addListener(ChannelFutureListener.CLOSE);
  }

  /** PUBREC or PUBCOMP for {@code packetId}. */
  static MqttMessage reply(MqttMessageType type, int packetId) {
    return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
        MqttMessageIdVariableHeader.from(packetId));
  }

  static MqttMessage simple(MqttMessageType type) {
    return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0));
  }

  /** The CONNACK accepting a client; MQTT 5 clients are told the broker's limits and what it lacks. */
  static MqttConnAckMessage connAck(int version, Settings settings, boolean present, String assignedId, long expiry) {
    var b = MqttMessageBuilders.connAck().returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(present);
    if (version == Packets.V5) {
      MqttProperties props = new MqttProperties();
      props.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_QOS, 1));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 1));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 1));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, settings.maxMessageBytes()));
      props.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) expiry));
      if (assignedId != null) {
        props.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, assignedId));
      }
      b.properties(props);
    }
    return b.build();
  }
}
