package io.warren.libp2p.internal.multiformats;

/**
 * The multiaddr protocols Warren understands (codes from multiformats/multicodec's table).
 * {@code size} is the value's size in bits; {@link #VARIABLE} means a varint length prefix.
 */
public enum Protocol {
  IP4(4, 32, "ip4"), TCP(6, 16, "tcp"), IP6(41, 128, "ip6"), DNS(53, Protocol.VARIABLE, "dns"), DNS4(54,
      Protocol.VARIABLE, "dns4"), DNS6(55, Protocol.VARIABLE,
          "dns6"), UDP(273, 16, "udp"), P2P_CIRCUIT(290, 0, "p2p-circuit"), P2P(421, Protocol.VARIABLE,
              "p2p"), QUIC_V1(461, 0, "quic-v1");

  public static final int VARIABLE = -1;

  private final int code;
  private final int sizeBits;
  private final String name;

  Protocol(int code, int sizeBits, String name) {
    this.code = code;
    this.sizeBits = sizeBits;
    this.name = name;
  }

  public int code() {
    return code;
  }

  /** Value size in bits, 0 for none, {@link #VARIABLE} for length-prefixed. */
  public int sizeBits() {
    return sizeBits;
  }

  public String protocolName() {
    return name;
  }

  public boolean hasValue() {
    return sizeBits != 0;
  }

  public static Protocol byCode(long code) {
    for (Protocol p : values()) {
      if (p.code == code) {
        return p;
      }
    }
    return null;
  }

  /** By text name; {@code ipfs} is the legacy alias of {@code p2p}. */
  public static Protocol byName(String name) {
    if ("ipfs".equals(name)) {
      return P2P;
    }
    for (Protocol p : values()) {
      if (p.name.equals(name)) {
        return p;
      }
    }
    return null;
  }
}
