package io.warren.iot.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption.RetainedHandlingPolicy;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.warren.iot.IotBroker.AclRule.Access;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SUBSCRIBE and UNSUBSCRIBE: filters checked, topic rules applied, the per-client cap, retained messages sent. */
final class Subscriptions {
  private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
  private final Broker broker;

  Subscriptions(Broker broker) {
    this.broker = broker;
  }

  void subscribe(ChannelHandlerContext ctx, Session session, String user, int version, MqttSubscribeMessage m) {
    List<Integer> codes = new ArrayList<>();
    List<Msg> toSend = new ArrayList<>();
    for (MqttTopicSubscription t : m.payload().topicSubscriptions()) {
      String filter = t.topicFilter();
      int code = grant(session, user, filter, Math.min(1, t.qualityOfService().value()), version);
      codes.add(code < 3 || version == Packets.V5 ? code : 0x80); // MQTT 3.1.1 has one failure code
      // retained messages are not sent for shared subscriptions (MQTT 5.0 section 4.8.2)
      if (code < 3 && !filter.startsWith(Broker.SHARE) && t.option()
          .retainHandling() != RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE) {
        for (Msg r : broker.retainedFor(filter)) {
          toSend.add(r.withQos(Math.min(code, r.qos())));
        }
      }
    }
    ctx.writeAndFlush(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE,
        false, 0),
        new MqttMessageIdAndPropertiesVariableHeader(m.idAndPropertiesVariableHeader().messageId(),
            MqttProperties.NO_PROPERTIES),
        new MqttSubAckPayload(codes)));
    if (session.expirySeconds > 0) {
      broker.persistence.saveSession(session);
    }
    for (Msg r : toSend) {
      broker.deliverRetained(session, r);
    }
  }

  /** The QoS granted (0, 1), or an MQTT 5 failure reason code (0x80 and above) after logging why. */
  private int grant(Session session, String user, String filter, int qos, int version) {
    String topics = filter;
    try {
      if (filter.startsWith(Broker.SHARE)) {
        if (version != Packets.V5) {
          throw new IllegalArgumentException("shared subscriptions are MQTT 5: " + filter);
        }
        topics = Topics.sharedFilter(filter);
      } else {
        Topics.checkFilter(filter);
      }
    } catch (IllegalArgumentException e) {
      LOG.info("iot: client {} subscribed to a bad filter: {}", session.clientId, e.getMessage());
      return Packets.TOPIC_FILTER_INVALID & 0xff;
    }
    if (!broker.allowed(user, topics, Access.SUB)) {
      broker.refusedAcl.incrementAndGet();
      LOG.info("iot: client {} ({}) may not subscribe to {}; refused", session.clientId, user, filter);
      return Packets.NOT_AUTHORIZED & 0xff;
    }
    if (!session.subscriptions.containsKey(filter)
        && session.subscriptions.size() >= broker.settings().maxSubscriptionsPerClient()) {
      broker.refusedLimits.incrementAndGet();
      LOG.info("iot: client {} has {} subscriptions (max.subscriptions.per.client); {} refused", session.clientId,
          session.subscriptions.size(), filter);
      return Packets.QUOTA_EXCEEDED & 0xff;
    }
    session.subscriptions.put(filter, qos);
    return qos;
  }

  void unsubscribe(ChannelHandlerContext ctx, Session session, int version, MqttUnsubscribeMessage m) {
    var ack = MqttMessageBuilders.unsubAck().packetId(m.idAndPropertiesVariableHeader().messageId());
    for (String filter : m.payload().topics()) {
      boolean had = session.subscriptions.remove(filter) != null;
      if (version == Packets.V5) {
        ack.addReasonCode(had ? (short) 0 : Packets.NO_SUBSCRIPTION_EXISTED);
      }
    }
    ctx.writeAndFlush(ack.build());
    if (session.expirySeconds > 0) {
      broker.persistence.saveSession(session);
    }
  }
}
