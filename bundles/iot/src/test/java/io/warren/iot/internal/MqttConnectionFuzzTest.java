package io.warren.iot.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.warren.iot.IotBroker.AclRule;
import io.warren.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzz target for an MQTT connection (Netty's decoder and the broker's handler): whatever a client
 * sends, nothing is thrown out of the pipeline; the connection serves or closes.
 */
class MqttConnectionFuzzTest {

  private static byte[] encode(MqttMessage... messages) {
    EmbeddedChannel enc = new EmbeddedChannel(MqttEncoder.INSTANCE);
    for (MqttMessage m : messages) {
      enc.writeOutbound(m);
    }
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b; (b = enc.readOutbound()) != null;) {
      all.writeBytes(b);
      b.release();
    }
    byte[] out = new byte[all.readableBytes()];
    all.readBytes(out);
    return out;
  }

  private static MqttMessage connect(MqttVersion v) {
    return MqttMessageBuilders.connect().clientId("fuzz").protocolVersion(v).username("dev")
        .password("pw".getBytes(StandardCharsets.UTF_8)).willFlag(true).willTopic("a/will")
        .willMessage("bye".getBytes(StandardCharsets.UTF_8)).keepAlive(30).build();
  }

  @Provide
  Arbitrary<byte[]> streams() {
    return Fuzz.bytes(4096, List.of(encode(connect(MqttVersion.MQTT_3_1_1),
        MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "a/#")
            .addSubscription(MqttQoS.AT_MOST_ONCE, "$share/g/a/+").build(),
        MqttMessageBuilders.publish().topicName("a/b").qos(MqttQoS.AT_LEAST_ONCE).messageId(2).retained(true)
            .payload(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8)).build(),
        MqttMessageBuilders.unsubscribe().messageId(3).addTopicFilter("a/#").build(),
        Packets.simple(io.netty.handler.codec.mqtt.MqttMessageType.PINGREQ),
        MqttMessageBuilders.disconnect().build()), encode(connect(MqttVersion.MQTT_5))));
  }

  @Property(seed = Fuzz.SEED)
  void nothingIsThrownOutOfThePipeline(@ForAll("streams") byte[] input,
      @ForAll @IntRange(min = 1, max = 64) int chunk) {
    Broker broker = new Broker(new Settings(true, "127.0.0.1", 0, false, 10, 3, 2, 10, 4096, 100, 10, 3600, 100, 100),
        Persistence.NONE);
    broker.acl(List.of(new AclRule(1, "dev", "#", AclRule.Access.BOTH)));
    EmbeddedChannel ch = new EmbeddedChannel(new MqttDecoder(4096),
        new MqttConnection(broker, (src, u, p) -> CompletableFuture.completedFuture(u)));
    try {
      Fuzz.expect(input, () -> {
        for (int at = 0; at < input.length && ch.isOpen(); at += chunk) {
          ch.writeInbound(Unpooled.copiedBuffer(input, at, Math.min(chunk, input.length - at)));
          ch.runPendingTasks();
        }
        ch.checkException();
      });
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzMqttConnection(byte[] input) {
    nothingIsThrownOutOfThePipeline(input, Fuzz.chunk(input));
  }
}
