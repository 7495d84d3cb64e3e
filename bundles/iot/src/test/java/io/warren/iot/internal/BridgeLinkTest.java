package io.warren.iot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.NetworkMembers;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import io.warren.testing.StreamProbes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The bridge with members of either protocol version: the link out falls back to 1.0.0, streams in of 1.0.0 are read as such. */
class BridgeLinkTest {
  private static final PeerRef OLD = PeerRef.parse("libp2p:12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
  private final Settings settings = new Settings(true, "127.0.0.1", 0, false, 10, 3, 2, 10, 4096, 100, 10, 3600, 100,
      100);

  /** A member that refuses {@code refused} (as multistream's "na" would) and accepts the rest on an embedded channel. */
  private static final class Member implements PeerDirectory {
    final List<String> asked = new ArrayList<>();
    final EmbeddedChannel channel = new EmbeddedChannel();
    private final String refused;

    Member(String refused) {
      this.refused = refused;
    }

    @Override
    public PeerRef resolve(String text) {
      return PeerRef.parse(text);
    }

    @Override
    public Optional<String> nameOf(PeerRef peer) {
      return Optional.empty();
    }

    @Override
    public List<String> transportsFor(PeerRef peer) {
      return List.of("libp2p");
    }

    @Override
    public CompletionStage<Stream> open(PeerRef peer, String protocolId) {
      asked.add(protocolId);
      if (protocolId.equals(refused)) {
        return CompletableFuture.failedFuture(new ProtocolException("multistream: peer supports none of ["
            + protocolId + "]"));
      }
      return CompletableFuture.completedFuture(StreamProbes.over(channel, peer, protocolId));
    }
  }

  private static Object sent(EmbeddedChannel ch, boolean withProps) {
    ByteBuf frame = ch.readOutbound();
    try {
      frame.skipBytes(4);
      return BridgeWire.read(frame, withProps, 0);
    } finally {
      frame.release();
    }
  }

  @Test
  void anOlderMemberGetsTheOlderFramesWithoutProperties() {
    Member old = new Member(BridgeWire.PROTOCOL);
    BridgeLink link = new BridgeLink(OLD, old, settings, Persistence.NONE, Map.of());
    link.connectIfDown();
    assertEquals(List.of(BridgeWire.PROTOCOL, BridgeWire.PROTOCOL_V1), old.asked, "1.1.0 first, then 1.0.0");
    assertTrue(link.state().startsWith("up, direct, 1.0.0"), link.state());
    Props props = new Props(1, "text/plain", null, null, List.of(), 0);
    link.send(7, new Msg("sensors/a", "21.5".getBytes(StandardCharsets.UTF_8), 1, false, props));
    BridgeWire.Publish p = (BridgeWire.Publish) sent(old.channel, false);
    assertEquals(7, p.seq());
    assertSame(Props.NONE, p.msg().props(), "the older format has no room for them");
    assertEquals("21.5", new String(p.msg().payload(), StandardCharsets.UTF_8));
  }

  @Test
  void aCurrentMemberGetsThePropertiesAndNoExpiredMessage() {
    Member current = new Member(null);
    BridgeLink link = new BridgeLink(OLD, current, settings, Persistence.NONE, Map.of());
    link.connectIfDown();
    assertEquals(List.of(BridgeWire.PROTOCOL), current.asked);
    Props props = new Props(1, "text/plain", null, null, List.of(), 0);
    link.send(8, new Msg("sensors/a", new byte[] {1}, 1, false, props));
    assertEquals(props, ((BridgeWire.Publish) sent(current.channel, true)).msg().props());
    link.send(9, new Msg("sensors/a", new byte[] {2}, 1, false,
        new Props(-1, null, null, null, List.of(), System.currentTimeMillis() - 1)));
    assertNull(current.channel.readOutbound(), "an expired message is not sent");
  }

  @Test
  void anOlderMembersStreamIsAcceptedAndItsFramesRead() {
    Broker broker = new Broker(settings, Persistence.NONE);
    NetworkMembers members = new NetworkMembers() {
      @Override
      public Optional<String> network() {
        return Optional.of("net");
      }

      @Override
      public List<PeerRef> peers() {
        return List.of(OLD);
      }

      @Override
      public boolean isMember(PeerRef peer) {
        return peer.equals(OLD);
      }
    };
    Bridges bridges = new Bridges(broker, new Member(null), () -> members, settings);
    bridges.filters.put("sensors/#", "net");
    EmbeddedChannel in = new EmbeddedChannel();
    bridges.accept(StreamProbes.over(in, OLD, BridgeWire.PROTOCOL_V1));
    Msg m = new Msg("sensors/door", "closed".getBytes(StandardCharsets.UTF_8), 1, true);
    in.writeInbound(BridgeWire.publish(in.alloc(), 5, m, false, 0));
    assertEquals(5L, sent(in, true), "acknowledged");
    List<Msg> retained = broker.retainedFor("sensors/#");
    assertEquals(1, retained.size());
    assertEquals("closed", new String(retained.get(0).payload(), StandardCharsets.UTF_8));
  }
}
