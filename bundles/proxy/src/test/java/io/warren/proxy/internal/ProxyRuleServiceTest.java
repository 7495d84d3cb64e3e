package io.warren.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerId;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.proxy.ProxyRules;
import io.warren.proxy.Rule;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import io.warren.testing.FakeDirectory;
import io.warren.testing.TestEventLoops;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyRuleServiceTest {
  private static final String SELF = PeerId.ofEd25519(key(1)).toString();
  private static final String OTHER = PeerId.ofEd25519(key(2)).toString();

  @TempDir Path dir;
  private H2Store store;
  private TestEventLoops loops;
  private ProxyRuleService rules;

  @BeforeEach
  void open() {
    store = H2Store.open(dir);
    loops = new TestEventLoops(1);
  }

  @AfterEach
  void close() {
    if (rules != null) {
      rules.deactivate();
    }
    loops.close();
    store.close();
  }

  @Test
  void aRuleStoredWithALibp2pPeerIdLoadsAfterARestart() {
    new ProxyStore(store)
        .insert(new Rule("", Rule.Direction.INGRESS, "127.0.0.1", 8080, "libp2p:" + OTHER, "q", 0, null,
            Instant.now()));
    rules = start();
    List<Rule> all = rules.list();
    assertEquals(1, all.size());
    assertEquals("libp2p:" + OTHER, all.get(0).peer());
    assertEquals(PeerRef.libp2p(PeerId.parse(OTHER)), rules.active().iterator().next().peer);
    assertTrue(rules.status(all.get(0).id()).startsWith("accepting from q"), rules.status(all.get(0).id()));
  }

  @Test
  void aNewRuleKeepsTheResolvedReferenceAndItsNameAndThisNodeIsRefused() {
    rules = start();
    Rule r = rules.add(Rule.Direction.INGRESS, null, 8080, PeerRef.libp2p(PeerId.parse(OTHER)), 0, null);
    assertEquals("libp2p:" + OTHER, r.peer());
    assertEquals("q", r.peerName(), "the directory's name for the peer");
    IllegalArgumentException self = assertThrows(IllegalArgumentException.class,
        () -> rules.add(Rule.Direction.INGRESS, null, 8081, PeerRef.libp2p(PeerId.parse(SELF)), 0, null));
    assertTrue(self.getMessage().contains("is this node"), self.getMessage());
    assertEquals(1, rules.list().size(), "nothing stored for the refused rule");
  }

  @Test
  void aRulesOtherNodeThatDoesNotAnswerItsHealthCheckIsShownNotLiveWithTheReason() throws Exception {
    rules = start();
    Rule r = rules.add(Rule.Direction.INGRESS, null, 8080, PeerRef.libp2p(PeerId.parse(OTHER)), 0, null);
    // the fake directory reaches no one: the first round (at once) finds q not live
    Await.until(Duration.ofSeconds(10), Duration.ofMillis(20), () -> !rules.peerHealth(r.id()).live(),
        "q checked and found not live");
    ProxyRules.PeerHealth h = rules.peerHealth(r.id());
    assertTrue(h.since() != null && !h.detail().isEmpty(), h.toString());
    assertEquals(null, rules.peerHealth("999"), "no such rule");
  }

  @Test
  void anIngressStreamNoRuleAllowsIsRefusedWithAReasonAndClosed() {
    rules = start();
    rules.add(Rule.Direction.INGRESS, null, 8080, PeerRef.libp2p(PeerId.parse(OTHER)), 0, null);
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setOption(ChannelOption.AUTO_READ, false);
    new IngressHandler(rules, loops).handle(stream(ch, PeerRef.libp2p(PeerId.parse(OTHER))));
    ch.writeInbound(Unpooled.buffer().writeByte(ProxyWire.VERSION).writeShort(9999).writeShort(0));
    ByteBuf reply = ch.readOutbound();
    assertEquals(ProxyWire.NOT_ALLOWED, reply.readUnsignedByte());
    String reason = reply.readCharSequence(reply.readUnsignedShort(), StandardCharsets.UTF_8).toString();
    reply.release();
    assertTrue(reason.contains("no ingress rule") && reason.contains("9999"), reason);
    ch.runPendingTasks();
    assertFalse(ch.isOpen(), "the stream is closed after the answer");
  }

  private ProxyRuleService start() {
    return new ProxyRuleService(store, identity(), directory(), loops, defaults());
  }

  private static byte[] key(int fill) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) fill);
    return k;
  }

  /** The configuration with every attribute at the default its annotation declares. */
  private static ProxyRuleService.Config defaults() {
    return (ProxyRuleService.Config) Proxy.newProxyInstance(ProxyRuleService.Config.class.getClassLoader(),
        new Class<?>[] {ProxyRuleService.Config.class}, (p, m, a) -> m.getDefaultValue());
  }

  private static Stream stream(Channel ch, PeerRef peer) {
    return new Stream() {
      @Override
      public Channel channel() {
        return ch;
      }

      @Override
      public PeerRef peer() {
        return peer;
      }

      @Override
      public String protocol() {
        return ProxyWire.PROTOCOL;
      }

      @Override
      public boolean relayed() {
        return false;
      }
    };
  }

  private static PeerDirectory directory() {
    return new FakeDirectory().naming(Map.of(OTHER, "q")).resolving(text -> {
      throw new UnsupportedOperationException();
    });
  }

  private static NodeIdentity identity() {
    return new NodeIdentity() {
      @Override
      public String peerId() {
        return SELF;
      }

      @Override
      public byte[] publicKey() {
        return key(1);
      }

      @Override
      public byte[] sign(byte[] data) {
        throw new UnsupportedOperationException();
      }

      @Override
      public byte[] nostrPublicKey() {
        return key(3);
      }

      @Override
      public String npub() {
        return "npub1";
      }

      @Override
      public byte[] signNostr(byte[] message32) {
        throw new UnsupportedOperationException();
      }

      @Override
      public String name() {
        return "p";
      }
    };
  }
}
