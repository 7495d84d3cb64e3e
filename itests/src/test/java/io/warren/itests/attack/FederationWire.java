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
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.agreement.jpake.JPAKEPrimeOrderGroup;
import org.bouncycastle.crypto.agreement.jpake.JPAKEPrimeOrderGroups;
import org.bouncycastle.crypto.agreement.jpake.JPAKEUtil;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * The federation protocol as an attacker speaks it, written from its description (length-prefixed
 * messages of u8, big-endian u32/u64 and u32-length-prefixed bytes; see the federation bundle's
 * MembershipDialogue, SignedPeerRecord and Membership), over an in-process libp2p host. The
 * membership proof is J-PAKE (Bouncy Castle's, NIST 3072-bit group, SHA-256) with key confirmation:
 * numbers are sent as two's-complement big-endian bytes, a round 1 is g^x1, g^x2 and the proofs for
 * x1 and x2, a round 2 is A and the proof for x2*s, a proof is g^v and r; the secret is the network
 * key in lowercase hex, and a participant ID is "protocol network peerID".
 */
final class FederationWire {
  static final String PROTOCOL = "/warren/federation/3.0.0";
  static final int VERSION = 3;
  static final JPAKEPrimeOrderGroup GROUP = JPAKEPrimeOrderGroups.NIST_3072;
  static final SecureRandom RANDOM = new SecureRandom();

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

  static String participant(String network, String peerId) {
    return PROTOCOL + " " + network + " " + peerId;
  }

  static BigInteger s(byte[] key) throws Exception {
    return JPAKEUtil.calculateS(GROUP.getQ(), HexFormat.of().formatHex(key).toCharArray());
  }

  static void number(DataOutputStream w, BigInteger n) throws Exception {
    bytes(w, n.toByteArray());
  }

  static BigInteger number(ByteBuffer b) {
    int n = b.getInt();
    if (n < 1 || n > 385 || n > b.remaining()) {
      throw new IllegalArgumentException("a number of " + n + " bytes");
    }
    byte[] v = new byte[n];
    b.get(v);
    return new BigInteger(v);
  }

  static String text(ByteBuffer b) {
    byte[] v = new byte[b.getInt()];
    b.get(v);
    return new String(v, StandardCharsets.UTF_8);
  }

  /**
   * One J-PAKE participant with its secret exponents in the open, as an attacker keeps them: it
   * commits to {@code guess} (a network key) in its round 2, and can afterwards test any other key
   * against what the other side sent it.
   */
  static final class Pake {
    final String self;
    final String partner;
    final BigInteger x1 = JPAKEUtil.generateX1(GROUP.getQ(), RANDOM);
    final BigInteger x2 = JPAKEUtil.generateX2(GROUP.getQ(), RANDOM);
    final BigInteger gx1 = JPAKEUtil.calculateGx(GROUP.getP(), GROUP.getG(), x1);
    final BigInteger gx2 = JPAKEUtil.calculateGx(GROUP.getP(), GROUP.getG(), x2);
    BigInteger gx3;
    BigInteger gx4;
    BigInteger partnerA;

    Pake(String network, String self, String partner) {
      this.self = participant(network, self);
      this.partner = participant(network, partner);
    }

    void writeRound1(DataOutputStream w) throws Exception {
      BigInteger p = GROUP.getP();
      number(w, gx1);
      number(w, gx2);
      proof(w, JPAKEUtil.calculateZeroKnowledgeProof(p, GROUP.getQ(), GROUP.getG(), gx1, x1, self, new SHA256Digest(),
          RANDOM));
      proof(w, JPAKEUtil.calculateZeroKnowledgeProof(p, GROUP.getQ(), GROUP.getG(), gx2, x2, self, new SHA256Digest(),
          RANDOM));
    }

    /** Reads the partner's round 1 (its proofs unchecked: an attacker need not check them). */
    void readRound1(ByteBuffer b) {
      gx3 = number(b);
      gx4 = number(b);
      for (int i = 0; i < 4; i++) {
        number(b);
      }
    }

    void writeRound2(DataOutputStream w, byte[] guess) throws Exception {
      BigInteger p = GROUP.getP();
      BigInteger q = GROUP.getQ();
      BigInteger ga = JPAKEUtil.calculateGA(p, gx1, gx3, gx4);
      BigInteger x2s = JPAKEUtil.calculateX2s(q, x2, s(guess));
      BigInteger a = JPAKEUtil.calculateA(p, q, ga, x2s);
      number(w, a);
      proof(w, JPAKEUtil.calculateZeroKnowledgeProof(p, q, ga, a, x2s, self, new SHA256Digest(), RANDOM));
    }

    void readRound2(ByteBuffer b) {
      partnerA = number(b);
      number(b);
      number(b);
    }

    /** This side's key confirmation, were {@code key} the network key. */
    BigInteger confirmation(byte[] key) throws Exception {
      return JPAKEUtil.calculateMacTag(self, partner, gx1, gx2, gx3, gx4, keyingMaterial(key), new SHA256Digest());
    }

    /** Whether {@code tag}, the partner's key confirmation, fits {@code key}: the offline test. */
    boolean fits(byte[] key, BigInteger tag) throws Exception {
      return JPAKEUtil.calculateMacTag(partner, self, gx3, gx4, gx1, gx2, keyingMaterial(key), new SHA256Digest())
          .equals(tag);
    }

    private BigInteger keyingMaterial(byte[] key) throws Exception {
      return JPAKEUtil.calculateKeyingMaterial(GROUP.getP(), GROUP.getQ(), gx4, x2, s(key), partnerA);
    }

    private static void proof(DataOutputStream w, BigInteger[] zkp) throws Exception {
      number(w, zkp[0]);
      number(w, zkp[1]);
    }
  }

  /**
   * The dialer's side of the membership proof on {@code s}, up to and including the listener's
   * RESULT, which it returns: a member's proof with the right key, a guesser's with another.
   */
  static byte[] dialerProof(Stream s, BlockingQueue<byte[]> inbox, String network, String self, String listener,
      byte[] key) throws Exception {
    Pake pake = new Pake(network, self, listener);
    send(s, msg(w -> {
      w.writeByte(VERSION);
      text(w, network);
      text(w, "sync");
      pake.writeRound1(w);
    }));
    byte[] rounds = inbox.poll(20, TimeUnit.SECONDS);
    if (rounds == null || rounds[0] != 0) {
      throw new IllegalStateException("ROUNDS refused or missing");
    }
    ByteBuffer b = ByteBuffer.wrap(rounds, 1, rounds.length - 1);
    pake.readRound1(b);
    pake.readRound2(b);
    send(s, msg(w -> {
      pake.writeRound2(w, key);
      number(w, pake.confirmation(key));
    }));
    return inbox.poll(20, TimeUnit.SECONDS);
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
