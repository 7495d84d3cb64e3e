package io.warren.libp2p.internal.noise;

import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The Noise XX handshake ({@code -> e; <- e, ee, s, es; -> s, se}) for Noise_XX_25519_ChaChaPoly_SHA256.
 * Strictly alternating: {@link #writeMessage} and {@link #readMessage} must be called in turn;
 * after the third message, {@link #split} gives the transport ciphers. Any failure leaves the
 * state failed for good.
 */
final class HandshakeState {

  static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";
  private static final int DH_LEN = X25519.KEY_LENGTH;

  private final boolean initiator;
  private final SymmetricState ss;
  private final X25519.KeyPair s;
  private X25519.KeyPair e;
  private byte[] rs;
  private byte[] re;
  private int step; // number of messages processed: 0..3
  private boolean failed;

  HandshakeState(boolean initiator, byte[] prologue, X25519.KeyPair staticKey, X25519.KeyPair ephemeral) {
    this.initiator = initiator;
    this.s = staticKey;
    this.e = ephemeral;
    this.ss = new SymmetricState(PROTOCOL_NAME);
    ss.mixHash(prologue);
  }

  boolean isInitiator() {
    return initiator;
  }

  boolean isComplete() {
    return step == 3;
  }

  /** True when it is this side's turn to write. */
  boolean isMyTurn() {
    return !isComplete() && (step % 2 == 0) == initiator;
  }

  /** The remote static key, known after message 2 (initiator) or 3 (responder). */
  byte[] remoteStatic() {
    return rs == null ? null : rs.clone();
  }

  byte[] handshakeHash() {
    return ss.handshakeHash();
  }

  byte[] writeMessage(byte[] payload) throws GeneralSecurityException {
    checkTurn(true);
    try {
      byte[] out;
      switch (step) {
        case 0 -> { // -> e
          byte[] ePub = ephemeral().publicKey();
          ss.mixHash(ePub);
          out = concat(ePub, ss.encryptAndHash(payload));
        }
        case 1 -> { // <- e, ee, s, es
          byte[] ePub = ephemeral().publicKey();
          ss.mixHash(ePub);
          ss.mixKey(X25519.dh(e.privateKey(), re));
          byte[] encS = ss.encryptAndHash(s.publicKey());
          ss.mixKey(X25519.dh(s.privateKey(), re));
          out = concat(ePub, encS, ss.encryptAndHash(payload));
        }
        default -> { // -> s, se
          byte[] encS = ss.encryptAndHash(s.publicKey());
          ss.mixKey(X25519.dh(s.privateKey(), re));
          out = concat(encS, ss.encryptAndHash(payload));
        }
      }
      step++;
      return out;
    } catch (GeneralSecurityException | RuntimeException ex) {
      failed = true;
      throw ex;
    }
  }

  byte[] readMessage(byte[] message) throws GeneralSecurityException {
    checkTurn(false);
    try {
      byte[] payload;
      switch (step) {
        case 0 -> { // -> e
          require(message, DH_LEN, "message 1");
          re = Arrays.copyOf(message, DH_LEN);
          ss.mixHash(re);
          payload = ss.decryptAndHash(Arrays.copyOfRange(message, DH_LEN, message.length));
        }
        case 1 -> { // <- e, ee, s, es
          require(message, DH_LEN + DH_LEN + CipherState.TAG_LENGTH + CipherState.TAG_LENGTH, "message 2");
          re = Arrays.copyOf(message, DH_LEN);
          ss.mixHash(re);
          ss.mixKey(X25519.dh(e.privateKey(), re));
          byte[] remoteS = ss.decryptAndHash(Arrays.copyOfRange(message, DH_LEN, 2 * DH_LEN + CipherState.TAG_LENGTH));
          ss.mixKey(X25519.dh(e.privateKey(), remoteS));
          payload = ss.decryptAndHash(Arrays.copyOfRange(message, 2 * DH_LEN + CipherState.TAG_LENGTH, message.length));
          rs = remoteS;
        }
        default -> { // -> s, se
          require(message, DH_LEN + CipherState.TAG_LENGTH + CipherState.TAG_LENGTH, "message 3");
          byte[] remoteS = ss.decryptAndHash(Arrays.copyOf(message, DH_LEN + CipherState.TAG_LENGTH));
          ss.mixKey(X25519.dh(e.privateKey(), remoteS));
          payload = ss.decryptAndHash(Arrays.copyOfRange(message, DH_LEN + CipherState.TAG_LENGTH, message.length));
          rs = remoteS;
        }
      }
      step++;
      return payload;
    } catch (GeneralSecurityException | RuntimeException ex) {
      failed = true;
      throw ex;
    }
  }

  /** {send, receive} transport ciphers for this side. */
  CipherState[] split() {
    if (!isComplete() || failed) {
      throw new IllegalStateException("noise: handshake not complete");
    }
    CipherState[] c = ss.split();
    return initiator ? c : new CipherState[] {c[1], c[0]};
  }

  private X25519.KeyPair ephemeral() {
    if (e == null) {
      e = X25519.generate();
    }
    return e;
  }

  private void checkTurn(boolean write) {
    if (failed) {
      throw new IllegalStateException("noise: handshake has failed");
    }
    if (isComplete() || isMyTurn() != write) {
      throw new IllegalStateException("noise: not this side's turn to " + (write ? "write" : "read"));
    }
  }

  private static void require(byte[] m, int min, String what) throws GeneralSecurityException {
    if (m.length < min) {
      throw new GeneralSecurityException("noise: " + what + " truncated (" + m.length + " bytes, at least "
          + min + " expected)");
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int i = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }
}
