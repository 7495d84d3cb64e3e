package io.warren.federation.internal;

import io.warren.api.ProtocolException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.agreement.jpake.JPAKEParticipant;
import org.bouncycastle.crypto.agreement.jpake.JPAKEPrimeOrderGroup;
import org.bouncycastle.crypto.agreement.jpake.JPAKEPrimeOrderGroups;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound1Payload;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound2Payload;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound3Payload;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * One side of one membership proof: a J-PAKE run (Bouncy Castle's, over the NIST 3072-bit group)
 * whose shared secret is the network key, with key confirmation. Round 1 depends on no password;
 * round 2 lets nobody test a password guess without the other side's secret exponents; only a key
 * confirmation would confirm one guess, the one its receiver committed to in its own round 2. So a
 * peer that does not know the password learns at most whether that one guess was right, per run.
 *
 * <p>Each side's J-PAKE participant ID is {@link #participant}: the protocol, the network and the
 * libp2p peer ID that Noise authenticated. The IDs are not sent: each side takes the other's from
 * the connection, and they enter every zero-knowledge proof and both confirmation tags, so a run's
 * messages verify only between these two peers, in this network; fresh secret exponents in every
 * run mean no message verifies in another run.
 */
final class Membership {
  static final JPAKEPrimeOrderGroup GROUP = JPAKEPrimeOrderGroups.NIST_3072;
  /** Longest encoding of a group element (the 3072-bit p, plus a sign byte). */
  static final int MAX_ELEMENT = 385;
  /** Longest encoding of an exponent mod q (256 bits) or a confirmation tag (SHA-256). */
  static final int MAX_SCALAR = 33;
  /** Longest round 1 message part: two elements and two proofs (each an element and a scalar). */
  static final int MAX_ROUND1 = 4 * (4 + MAX_ELEMENT) + 2 * (4 + MAX_SCALAR);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final JPAKEParticipant participant;
  private final String partner;
  private BigInteger keyingMaterial;
  private byte[] confirmation;

  /**
   * @param networkKey the key every member derives from the network password
   * @param self this node's peer ID
   * @param peer the other side's peer ID, as the connection authenticated it
   */
  Membership(String network, byte[] networkKey, String self, String peer) {
    if (self.equals(peer)) {
      throw new IllegalArgumentException("a membership proof needs two peers, got " + self + " twice");
    }
    char[] secret = HexFormat.of().formatHex(networkKey).toCharArray();
    this.participant = new JPAKEParticipant(participant(network, self), secret, GROUP, new SHA256Digest(), RANDOM);
    java.util.Arrays.fill(secret, '\0');
    this.partner = participant(network, peer);
  }

  /** The J-PAKE participant ID of {@code peerId} in {@code network}. */
  static String participant(String network, String peerId) {
    return MembershipDialogue.PROTOCOL + " " + network + " " + peerId;
  }

  /** This side's round 1: g^x1, g^x2 and the proofs that it knows x1 and x2. */
  void writeRound1(Codec.Writer w) {
    JPAKERound1Payload p = participant.createRound1PayloadToSend();
    element(w, p.getGx1());
    element(w, p.getGx2());
    proof(w, p.getKnowledgeProofForX1());
    proof(w, p.getKnowledgeProofForX2());
  }

  void readRound1(Codec.Reader r) {
    BigInteger gx1 = element(r, "g^x1");
    BigInteger gx2 = element(r, "g^x2");
    BigInteger[] zkp1 = proof(r, "x1");
    BigInteger[] zkp2 = proof(r, "x2");
    try {
      participant.validateRound1PayloadReceived(new JPAKERound1Payload(partner, gx1, gx2, zkp1, zkp2));
    } catch (CryptoException e) {
      throw new ProtocolException(MembershipDialogue.PROTOCOL + ": invalid J-PAKE round 1: " + e.getMessage(), e);
    }
  }

  /** This side's round 2 (after the other's round 1): A and the proof that it knows x2*s. */
  void writeRound2(Codec.Writer w) {
    JPAKERound2Payload p = participant.createRound2PayloadToSend();
    element(w, p.getA());
    proof(w, p.getKnowledgeProofForX2s());
  }

  void readRound2(Codec.Reader r) {
    BigInteger a = element(r, "A");
    BigInteger[] zkp = proof(r, "x2*s");
    try {
      participant.validateRound2PayloadReceived(new JPAKERound2Payload(partner, a, zkp));
    } catch (CryptoException e) {
      throw new ProtocolException(MembershipDialogue.PROTOCOL + ": invalid J-PAKE round 2: " + e.getMessage(), e);
    }
    keyingMaterial = participant.calculateKeyingMaterial();
    // made now, sent only when the protocol says so: Bouncy Castle makes no tag after checking one
    confirmation = participant.createRound3PayloadToSend(keyingMaterial).getMacTag().toByteArray();
  }

  /**
   * This side's key confirmation (after both rounds 2); it proves this side derived the same key,
   * so it is sent only where the protocol says this side confirms first or the other side's
   * confirmation has verified.
   */
  byte[] confirmation() {
    if (confirmation == null) {
      throw new IllegalStateException("no key yet: round 2 was not read");
    }
    return confirmation.clone();
  }

  /** Whether the other side's key confirmation shows it derived the same key: it knows the password. */
  boolean confirms(byte[] tag) {
    if (keyingMaterial == null) {
      throw new IllegalStateException("no key yet: round 2 was not read");
    }
    if (tag.length == 0) {
      return false;
    }
    try {
      participant.validateRound3PayloadReceived(new JPAKERound3Payload(partner, new BigInteger(tag)), keyingMaterial);
      return true;
    } catch (CryptoException e) {
      return false;
    }
  }

  private static void element(Codec.Writer w, BigInteger v) {
    w.bytes(v.toByteArray());
  }

  private static void proof(Codec.Writer w, BigInteger[] zkp) {
    element(w, zkp[0]);
    w.bytes(zkp[1].toByteArray());
  }

  private static BigInteger element(Codec.Reader r, String what) {
    return number(r.bytes(MAX_ELEMENT, what), what);
  }

  private static BigInteger[] proof(Codec.Reader r, String what) {
    BigInteger gv = element(r, "the proof of " + what);
    BigInteger s = number(r.bytes(MAX_SCALAR, "the proof of " + what), "the proof of " + what);
    return new BigInteger[] {gv, s};
  }

  private static BigInteger number(byte[] b, String what) {
    if (b.length == 0) {
      throw new ProtocolException(MembershipDialogue.PROTOCOL + ": " + what + " is empty");
    }
    return new BigInteger(b);
  }

  /** Compares in constant time. */
  static boolean matches(byte[] expected, byte[] given) {
    return given != null && MessageDigest.isEqual(expected, given);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
