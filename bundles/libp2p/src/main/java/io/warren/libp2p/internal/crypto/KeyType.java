package io.warren.libp2p.internal.crypto;

/** The {@code KeyType} enum of the libp2p key protobuf (peer-ids spec). */
public enum KeyType {
  RSA(0), ED25519(1), SECP256K1(2), ECDSA(3);

  private final int number;

  KeyType(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }

  public static KeyType fromNumber(long number) {
    for (KeyType t : values()) {
      if (t.number == number) {
        return t;
      }
    }
    throw new IllegalArgumentException("libp2p key: unknown key type " + number + " (expected 0-3)");
  }
}
