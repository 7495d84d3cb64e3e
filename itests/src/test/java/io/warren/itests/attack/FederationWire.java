package io.warren.itests.attack;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.warren.api.PeerId;
import io.warren.api.Stream;
import io.warren.libp2p.internal.HostServices;
import io.warren.libp2p.internal.crypto.Ed25519Identity;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ProtocolRegistry;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.relay.CircuitRelay;
import io.warren.testing.TestEventLoops;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The federation protocol as an attacker speaks it, written from its description (length-prefixed
 * messages of u8, big-endian u32/u64 and u32-length-prefixed bytes; see the federation bundle's
 * MembershipDialogue, SignedPeerRecord and Membership), over an in-process libp2p host.
 */
final class FederationWire {
  static final String PROTOCOL = "/warren/federation/2.0.0";

  private FederationWire() {}

  interface Body {
    void write(DataOutputStream w) throws Exception;
  }

  static byte[] msg(Body body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    body.write(new DataOutputStream(out));
    return out.toByteArray();
  }

  static void bytes(DataOutputStream w, byte[] b) throws Exception {
    w.writeInt(b.length);
    w.write(b);
  }

  static void text(DataOutputStream w, String s) throws Exception {
    bytes(w, s.getBytes(StandardCharsets.UTF_8));
  }

  static void send(Stream s, byte[] message) {
    ByteBuf b = Unpooled.buffer(4 + message.length);
    b.writeInt(message.length);
    b.writeBytes(message);
    s.channel().writeAndFlush(b);
  }

  /** The messages arriving on {@code s}, one byte array each. */
  static BlockingQueue<byte[]> frames(Stream s) {
    BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    s.channel().pipeline().addLast(new LengthFieldBasedFrameDecoder(4 << 20, 0, 4, 0, 4));
    s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        inbox.add(bytes);
        ctx.read();
      }
    });
    s.channel().config().setAutoRead(true);
    s.channel().read();
    return inbox;
  }

  /** A libp2p host with a fresh key, on loopback, serving nothing of Warren's. */
  static Host host(TestEventLoops loops) {
    Host h = new Host(Ed25519Identity.generate(),
        new HostConfig(List.of(Multiaddr.fromString("/ip4/127.0.0.1/tcp/0")), 16, 64, Duration.ofSeconds(10),
            Duration.ofSeconds(10)),
        new ProtocolRegistry(), loops);
    HostServices.install(h, "attacker/1", new CircuitRelay.Limits(1, 1, Duration.ZERO, 0, Duration.ofHours(1)), false);
    h.start();
    return h;
  }

  /** The network key every member derives from the password (what an insider knows). */
  static byte[] networkKey(String network, String password) throws Exception {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(),
        ("warren-network:" + network).getBytes(StandardCharsets.UTF_8), 210_000, 256);
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
  }

  static byte[] hmac(byte[] key, byte[] data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  static byte[] proof(byte[] key, String role, String network, String prover, String verifier, byte[] dialerNonce,
      byte[] listenerNonce) throws Exception {
    return hmac(key, msg(w -> {
      text(w, "warren/federation/membership/2");
      text(w, role);
      text(w, network);
      text(w, prover);
      text(w, verifier);
      bytes(w, dialerNonce);
      bytes(w, listenerNonce);
    }));
  }

  /** A node key of its own, as a sybil mints it: the peer ID and a signer. */
  record Key(String peerId, KeyPair pair) {
    static Key generate() throws Exception {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] x509 = pair.getPublic().getEncoded();
      return new Key(PeerId.ofEd25519(Arrays.copyOfRange(x509, x509.length - 32, x509.length)).toString(), pair);
    }

    /** A signed peer record, tagged as a member's with {@code networkKey} (none: untagged). */
    byte[] record(String network, String name, List<String> addresses, byte[] networkKey) throws Exception {
      byte[] body = msg(w -> {
        text(w, "warren/federation/peer-record/1");
        text(w, network);
        text(w, peerId);
        text(w, name);
        text(w, "attack");
        w.writeInt(addresses.size());
        for (String a : addresses) {
          text(w, a);
        }
        w.writeLong(System.currentTimeMillis());
      });
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(pair.getPrivate());
      s.update(body);
      byte[] signature = s.sign();
      byte[] tag = networkKey == null ? new byte[0] : hmac(networkKey, msg(w -> {
        text(w, "warren/federation/member/1");
        text(w, network);
        text(w, peerId);
      }));
      return msg(w -> {
        bytes(w, body);
        bytes(w, signature);
        bytes(w, tag);
      });
    }
  }
}
