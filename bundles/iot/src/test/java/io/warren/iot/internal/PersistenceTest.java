package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.warren.store.internal.H2Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A persistent session, its unacknowledged QoS 1 messages and retained messages come back from the store after a restart. */
class PersistenceTest {
  private static final Settings SETTINGS =
      new Settings(true, "127.0.0.1", 0, false, 10, 3, 2, 10, 4096, 100, 10, 3600, 100, 100);
  @TempDir Path dir;

  /** A stored session of {@code broker}'s, subscribed to a/# at QoS 1, expiring 600 s after it goes. */
  private static Session persistentSession(Broker broker, Persistence p, String clientId) {
    Session s = new Session(clientId, 2, 10, broker.messagesOut, broker.messagesDropped);
    s.user = "dev";
    s.expirySeconds = 600;
    s.subscriptions.put("a/#", 1);
    broker.sessions.put(s.clientId, s);
    p.saveSession(s);
    return s;
  }

  @Test
  void aSessionAndItsUnacknowledgedMessagesSurviveARestart() throws Exception {
    H2Store store = H2Store.open(dir);
    try {
      store.migrate(IotStore.OWNER, IotStore.MIGRATIONS);
      Persistence p = new Persistence(store);
      Broker before = new Broker(SETTINGS, p);
      Session s = persistentSession(before, p, "dev-1");
      EmbeddedChannel ch = new EmbeddedChannel();
      s.attach(ch);
      before.publish(new Msg("a/1", "one".getBytes(StandardCharsets.UTF_8), 1, false), false).get();
      before.publish(new Msg("a/2", "two".getBytes(StandardCharsets.UTF_8), 1, false), false).get();
      before.publish(new Msg("r/1", "kept".getBytes(StandardCharsets.UTF_8), 1, true), false).get();
      before.publish(new Msg("r/2", "dropped".getBytes(StandardCharsets.UTF_8), 1, true), false).get();
      before.publish(new Msg("r/2", new byte[0], 1, true), false).get();
      MqttPublishMessage first = assertInstanceOf(MqttPublishMessage.class, ch.readOutbound());
      before.acked(s, first.variableHeader().packetId());
      first.release();
      s.detach(ch);
      p.saveSession(s);
      p.close(); // waits for the writes, as a stopped node would have them; a kill loses none acknowledged

      Persistence again = new Persistence(store);
      Broker after = new Broker(SETTINGS, again);
      Session back = after.sessions.get("dev-1");
      assertEquals(1, back.subscriptions.get("a/#"));
      assertEquals(1, after.retainedFor("r/#").size(), "the retained message, not the one cleared");
      assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8), after.retainedFor("r/#").get(0).payload());
      assertEquals(600, back.expirySeconds);
      assertEquals(1, back.queuedCount(), "a/1 was acknowledged, a/2 was not");
      EmbeddedChannel ch2 = new EmbeddedChannel();
      back.attach(ch2);
      MqttPublishMessage resent = assertInstanceOf(MqttPublishMessage.class, ch2.readOutbound());
      assertEquals("a/2", resent.variableHeader().topicName());
      assertTrue(resent.fixedHeader().isDup(), "it may have been sent before the restart");
      assertArrayEquals("two".getBytes(StandardCharsets.UTF_8), ByteBufUtil.getBytes(resent.content()));
      resent.release();
      again.deleteSession("dev-1");
      again.close();
      assertFalse(new Broker(SETTINGS, new Persistence(store)).sessions.containsKey("dev-1"));
    } finally {
      store.close();
    }
  }

  /**
   * A client can acknowledge a message before the thread that delivered it has returned (its
   * connection runs on another event loop): the stored copy must still go. Here the acknowledgement
   * comes within the write itself, the tightest such race.
   */
  @Test
  void aMessageAcknowledgedAtOnceIsNotLeftInTheStore() throws Exception {
    H2Store store = H2Store.open(dir);
    try {
      store.migrate(IotStore.OWNER, IotStore.MIGRATIONS);
      Persistence p = new Persistence(store);
      Broker broker = new Broker(SETTINGS, p);
      Session s = persistentSession(broker, p, "dev-3");
      EmbeddedChannel ch = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
        @Override
        public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
            io.netty.channel.ChannelPromise promise) {
          if (msg instanceof MqttPublishMessage m) {
            broker.acked(s, m.variableHeader().packetId()); // the PUBACK, before deliver() has returned
          }
          ctx.write(msg, promise);
        }
      });
      s.attach(ch);
      broker.publish(new Msg("a/1", "one".getBytes(StandardCharsets.UTF_8), 1, false), false).get();
      MqttPublishMessage sent = assertInstanceOf(MqttPublishMessage.class, ch.readOutbound());
      sent.release();
      assertEquals(0, s.inflightCount(), "acknowledged");
      s.detach(ch);
      p.saveSession(s);
      p.close();

      Session back = new Broker(SETTINGS, new Persistence(store)).sessions.get("dev-3");
      assertEquals(0, back.queuedCount(), "the acknowledged message is not kept to be sent again");
    } finally {
      store.close();
    }
  }

  @Test
  void theWriterThreadStartsWithTheFirstWriteAndEndsWithClose() throws Exception {
    H2Store store = H2Store.open(dir);
    try {
      store.migrate(IotStore.OWNER, IotStore.MIGRATIONS);
      Persistence idle = new Persistence(store);
      new Broker(SETTINGS, idle); // loads what is kept: reads only
      assertFalse(idle.writerRunning(), "a broker that writes nothing (off, or idle) keeps no writer thread");
      idle.close();
      assertFalse(idle.writerRunning());

      Persistence p = new Persistence(store);
      Broker broker = new Broker(SETTINGS, p);
      Session s = new Session("dev-2", 2, 10, broker.messagesOut, broker.messagesDropped);
      s.user = "dev";
      s.expirySeconds = 60;
      p.saveSession(s);
      assertTrue(p.writerRunning(), "the first write starts the writer");
      p.close();
      assertFalse(p.writerRunning(), "close() writes what is queued and stops it");
      assertEquals(1L, (long) store.transact(c -> {
        try (var q = c.prepareStatement("SELECT COUNT(*) FROM iot_session WHERE client_id = 'dev-2'");
            var rs = q.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }), "the write was committed");
    } finally {
      store.close();
    }
  }
}
