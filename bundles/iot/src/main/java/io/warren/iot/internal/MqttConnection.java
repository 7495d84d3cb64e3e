package io.warren.iot.internal;

import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.*;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.iot.IotBroker.AclRule.Access;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT client connection: CONNECT (within the connect timeout, authenticated off the event
 * loop), then publishes, subscriptions and acknowledgements against its {@link Session}. Bad input
 * closes this connection only, with a CONNACK or DISCONNECT reason code where the protocol has one.
 */
final class MqttConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
  /** Packets a client may send behind its CONNECT before the password check answers; one more closes. */
  private static final int MAX_EARLY_PACKETS = 32;

  private final Broker broker;
  private final Settings settings;
  private final Authenticator authenticator;
  private final Subscriptions subscriptions;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> connectTimeout;
  private ArrayDeque<Object> early;
  private Session session;
  private String user;
  private int version = Packets.V311;
  private Msg will;
  private boolean cleanDisconnect;
  private final Set<Integer> qos2Received = new HashSet<>();
  private double tokens;
  private long lastRefill;
  private long lastRead;
  private CompletableFuture<Void> acks = CompletableFuture.completedFuture(null);

  MqttConnection(Broker broker, Authenticator authenticator) {
    this.broker = broker;
    this.settings = broker.settings();
    this.authenticator = authenticator;
    this.subscriptions = new Subscriptions(broker);
    this.tokens = settings.publishRate();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    lastRead = lastRefill = now();
    // sockets before CONNECT count too: twice max.connections at most, so silent strangers cannot pile up
    if (broker.sockets.incrementAndGet() > 2L * settings.maxConnections()) {
      broker.sockets.decrementAndGet();
      broker.refusedLimits.incrementAndGet();
      LOG.info("iot: {} closed at once: {} sockets open (twice max.connections)", ctx.channel().remoteAddress(),
          2L * settings.maxConnections());
      ctx.close();
      return;
    }
    ctx.channel().closeFuture().addListener(f -> broker.sockets.decrementAndGet());
    connectTimeout = ctx.executor().schedule(() -> {
      if (session == null && early == null) {
        LOG.info("iot: {} sent no CONNECT within {} s; closed", ctx.channel().remoteAddress(),
            settings.connectTimeoutSeconds());
        ctx.close();
      }
    }, settings.connectTimeoutSeconds(), TimeUnit.SECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastRead = now();
    try {
      if (early != null) {
        if (early.size() >= MAX_EARLY_PACKETS) {
          ctx.close();
        } else {
          early.add(ReferenceCountUtil.retain(msg));
        }
        return;
      }
      handle((MqttMessage) msg);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void handle(MqttMessage m) {
    if (m.decoderResult().isFailure()) {
      badPacket(m.decoderResult().cause());
      return;
    }
    MqttMessageType type = m.fixedHeader().messageType();
    if (session == null) {
      if (type != MqttMessageType.CONNECT) {
        LOG.info("iot: {} sent {} before CONNECT; closed", ctx.channel().remoteAddress(), type);
        ctx.close();
        return;
      }
      connect((MqttConnectMessage) m);
      return;
    }
    switch (type) {
      case PUBLISH -> publish((MqttPublishMessage) m);
      case PUBACK -> broker.acked(session, ((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
      case PUBREL -> {
        int id = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
        qos2Received.remove(id);
        ctx.writeAndFlush(Packets.reply(MqttMessageType.PUBCOMP, id));
      }
      case SUBSCRIBE -> subscriptions.subscribe(ctx, session, user, version,
          (MqttSubscribeMessage) m);
      case UNSUBSCRIBE -> subscriptions.unsubscribe(ctx, session, version,
          (MqttUnsubscribeMessage) m);
      case PINGREQ -> ctx.writeAndFlush(Packets.simple(MqttMessageType.PINGRESP));
      case DISCONNECT -> {
        byte reason = m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h ? h.reasonCode() : 0;
        cleanDisconnect = reason != 0x04; // MQTT 5 "disconnect with will message" keeps the will
        ctx.close();
      }
      default -> {
        LOG.info("iot: {} ({}) sent {} which a client may not send here; closed", session.clientId,
            ctx.channel().remoteAddress(), type);
        Packets.disconnect(ctx.channel(), version, Packets.PROTOCOL_ERROR, "unexpected " + type);
      }
    }
  }

  private void badPacket(Throwable cause) {
    broker.malformed.incrementAndGet();
    String who = session == null ? String.valueOf(ctx.channel().remoteAddress()) : session.clientId;
    LOG.info("iot: malformed packet from {}: {}; connection closed", who, cause.toString());
    if (session == null && cause instanceof MqttUnacceptableProtocolVersionException) {
      Packets.refuseConnect(ctx.channel(), Packets.V311, CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION,
          CONNECTION_REFUSED_UNSUPPORTED_PROTOCOL_VERSION);
    } else if (session == null && cause instanceof MqttIdentifierRejectedException) {
      Packets.refuseConnect(ctx.channel(), version, CONNECTION_REFUSED_IDENTIFIER_REJECTED,
          CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID);
    } else if (session != null) {
      boolean tooLarge = cause instanceof TooLongFrameException;
      Packets.disconnect(ctx.channel(), version, tooLarge ? Packets.PACKET_TOO_LARGE : Packets.MALFORMED,
          tooLarge ? "packet larger than " + settings.maxMessageBytes() + " bytes" : "malformed packet");
    } else {
      ctx.close();
    }
  }

  private void connect(MqttConnectMessage m) {
    var h = m.variableHeader();
    var p = m.payload();
    version = h.version() == Packets.V5 ? Packets.V5 : Packets.V311;
    int open = 0;
    for (Session s : broker.allSessions()) {
      open += s.channel() != null ? 1 : 0;
    }
    if (open >= settings.maxConnections()) {
      broker.refusedLimits.incrementAndGet();
      LOG.info("iot: {} refused: {} connections open (max.connections)", ctx.channel().remoteAddress(), open);
      Packets.refuseConnect(ctx.channel(), version, CONNECTION_REFUSED_SERVER_UNAVAILABLE,
          CONNECTION_REFUSED_QUOTA_EXCEEDED);
      return;
    }
    early = new ArrayDeque<>();
    ctx.channel().config().setAutoRead(false);
    String source = ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a
        ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    authenticator.check(source, h.hasUserName() ? p.userName() : null, h.hasPassword() ? p.passwordInBytes() : null)
        .whenComplete((u, err) -> ctx.executor().execute(() -> connected(m, u, err)));
  }

  private void connected(MqttConnectMessage m, String authenticated, Throwable err) {
    try {
      ctx.channel().config().setAutoRead(true);
      if (!ctx.channel().isActive()) {
        return;
      }
      var h = m.variableHeader();
      var p = m.payload();
      if (err != null) {
        broker.refusedLimits.incrementAndGet();
        LOG.info("iot: {} refused: {}", ctx.channel().remoteAddress(), err.getMessage());
        Packets.refuseConnect(ctx.channel(), version, CONNECTION_REFUSED_SERVER_UNAVAILABLE,
            CONNECTION_REFUSED_SERVER_BUSY);
        return;
      }
      if (authenticated == null) {
        broker.refusedAuth.incrementAndGet();
        LOG.info("iot: {} refused: bad user name or password (user {})", ctx.channel().remoteAddress(),
            h.hasUserName() ? p.userName() : "none");
        Packets.refuseConnect(ctx.channel(), version, h.hasUserName() ? CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD
            : CONNECTION_REFUSED_NOT_AUTHORIZED,
            h.hasUserName() ? CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                : CONNECTION_REFUSED_NOT_AUTHORIZED_5);
        return;
      }
      user = authenticated;
      MqttProperties props = h.properties();
      String clientId = p.clientIdentifier();
      boolean assigned = clientId == null || clientId.isEmpty();
      if (assigned) {
        if (version != Packets.V5 && !h.isCleanSession()) {
          Packets.refuseConnect(ctx.channel(), version, CONNECTION_REFUSED_IDENTIFIER_REJECTED,
              CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID);
          return;
        }
        clientId = "auto-" + UUID.randomUUID();
      }
      long expiry;
      if (version == Packets.V5) {
        var e = props.getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL);
        expiry = e == null ? 0 : Integer.toUnsignedLong((Integer) e.value());
      } else {
        expiry = h.isCleanSession() ? 0 : settings.maxSessionExpirySeconds();
      }
      expiry = Math.min(expiry, settings.maxSessionExpirySeconds());
      if (h.isWillFlag()) {
        Topics.checkName(p.willTopic());
        will = new Msg(p.willTopic(), p.willMessageInBytes(), Math.min(1, h.willQos()), h.isWillRetain(),
            Props.of(p.willProperties(), System.currentTimeMillis()));
      }
      Session existing = broker.sessions.get(clientId);
      if (existing != null && existing.channel() != null) {
        LOG.info("iot: client {} connected again from {}; the older connection is closed", clientId,
            ctx.channel().remoteAddress());
        Packets.disconnect(existing.channel(), existing.protocol, Packets.SESSION_TAKEN_OVER, "session taken over");
        existing.detach(existing.channel());
      }
      boolean present = existing != null && !h.isCleanSession() && user.equals(existing.user);
      if (existing != null && !present && existing.stored) {
        broker.persistence.deleteSession(clientId);
      }
      Session s = present ? existing
          : new Session(clientId, settings.maxInflightPerClient(), settings.maxQueuedPerClient(),
              broker.messagesOut, broker.messagesDropped);
      s.user = user;
      s.protocol = version;
      s.expirySeconds = expiry;
      s.address = String.valueOf(ctx.channel().remoteAddress());
      String id = clientId;
      s.onExpired = k -> {
        if (s.expirySeconds > 0) {
          broker.persistence.deleteMessage(id, k);
        }
      };
      broker.sessions.put(clientId, s);
      if (expiry > 0) {
        broker.persistence.saveSession(s);
      }
      session = s;
      connectTimeout.cancel(false);
      if (h.keepAliveTimeSeconds() > 0) {
        keepAlive(h.keepAliveTimeSeconds() * 1500L, h.keepAliveTimeSeconds() * 1500L); // 1.5 times the keepalive (MQTT 3.1.1 3.1.2.10)
      }
      ctx.writeAndFlush(Packets.connAck(version, settings, present, assigned ? clientId : null, expiry));
      s.attach(ctx.channel());
      LOG.debug("iot: client {} connected as {} from {} (MQTT {})", clientId, user, s.address,
          version == Packets.V5 ? "5.0" : "3.1.1");
    } catch (IllegalArgumentException e) {
      badPacket(e);
    } finally {
      ArrayDeque<Object> queued = early;
      early = null;
      while (queued != null && !queued.isEmpty()) {
        Object o = queued.poll();
        try {
          if (session != null && ctx.channel().isActive()) {
            handle((MqttMessage) o);
          }
        } finally {
          ReferenceCountUtil.release(o);
        }
      }
    }
  }

  private void publish(MqttPublishMessage m) {
    long now = now();
    tokens = Math.min(settings.publishRate(), tokens + (now - lastRefill) / 1e9 * settings.publishRate());
    lastRefill = now;
    if (tokens < 1) {
      broker.refusedLimits.incrementAndGet();
      LOG.info("iot: client {} publishes faster than {}/s (publish.rate); disconnected", session.clientId,
          settings.publishRate());
      Packets.disconnect(ctx.channel(), version, Packets.MESSAGE_RATE_TOO_HIGH,
          "more than " + settings.publishRate() + " messages/s");
      return;
    }
    tokens--;
    String topic = m.variableHeader().topicName();
    int qos = m.fixedHeader().qosLevel().value();
    int id = m.variableHeader().packetId();
    boolean allowed = broker.allowed(user, topic, Access.PUB);
    if (qos == 2 && !qos2Received.add(id)) {
      allowed = false; // a resent QoS 2 publish already delivered: acknowledge, deliver nothing
    } else if (!allowed) {
      broker.refusedAcl.incrementAndGet();
      LOG.info("iot: client {} ({}) may not publish to {}; dropped", session.clientId, user, topic);
    }
    CompletableFuture<Void> written = allowed ? broker.publish(
        new Msg(topic, ByteBufUtil.getBytes(m.content()), Math.min(qos, 1), m.fixedHeader().isRetain(),
            Props.of(m.variableHeader().properties(), System.currentTimeMillis())),
        false)
        : CompletableFuture.completedFuture(null);
    if (qos == 0) {
      return;
    }
    MqttMessage ack;
    if (qos == 1) {
      var b = MqttMessageBuilders.pubAck().packetId(id);
      if (version == Packets.V5 && !broker.allowed(user, topic, Access.PUB)) {
        b.reasonCode(Packets.NOT_AUTHORIZED);
      }
      ack = b.build();
    } else {
      ack = Packets.reply(MqttMessageType.PUBREC, id);
    }
    // acknowledged once the copies for persistent sessions are stored, in the order received (3.1.1 4.6)
    acks = CompletableFuture.allOf(acks, written);
    if (acks.isDone()) {
      ctx.writeAndFlush(ack);
    } else {
      acks.whenComplete((v, e) -> ctx.executor().execute(() -> ctx.writeAndFlush(ack)));
    }
  }

  /** The event loop's clock (the system's; a test's own in an EmbeddedChannel). */
  private long now() {
    return ctx.executor().ticker().nanoTime();
  }

  /** Closes the connection when nothing arrives for {@code millis}; checked on its event loop after {@code delay}. */
  private void keepAlive(long millis, long delay) {
    ctx.executor().schedule(() -> {
      if (!ctx.channel().isActive()) {
        return;
      }
      long silent = (now() - lastRead) / 1_000_000;
      if (silent >= millis) {
        LOG.info("iot: client {} silent for 1.5 keepalive periods; closed", session.clientId);
        Packets.disconnect(ctx.channel(), version, Packets.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
      } else {
        keepAlive(millis, millis - silent);
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (connectTimeout != null) {
      connectTimeout.cancel(false);
    }
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early.clear();
    }
    if (session != null && session.detach(ctx.channel())) {
      if (session.expirySeconds == 0) {
        broker.sessions.remove(session.clientId, session);
        if (session.stored) {
          broker.persistence.deleteSession(session.clientId);
        }
      } else {
        broker.persistence.saveSession(session); // when it went away: its expiry runs across restarts too
      }
      if (!cleanDisconnect && will != null) {
        if (broker.allowed(user, will.topic(), Access.PUB)) {
          LOG.debug("iot: client {} went away without DISCONNECT; its will goes to {}", session.clientId,
              will.topic());
          broker.publish(will, false);
        } else {
          broker.refusedAcl.incrementAndGet();
        }
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("iot: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
