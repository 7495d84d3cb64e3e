package io.warren.libp2p.internal.multiformats;

import io.warren.api.Base58;
import io.warren.api.PeerId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * An immutable multiaddr, convertible between its binary form ({@code <varint code><value>}...) and its
 * text form ({@code /ip4/1.2.3.4/tcp/4001/p2p/12D3KooW...}). Both parsers are strict: anything
 * unknown or malformed is a {@link MultiaddrException} naming the offending part.
 */
public final class Multiaddr {

  /** Bound on a binary multiaddr we accept from the network (identify, relay) to stop junk early. */
  public static final int MAX_BINARY_LENGTH = 1024;

  /** One {@code /protocol/value} part; {@code value} is the binary value (empty for valueless protocols). */
  public record Component(Protocol protocol, byte[] value) {
    public Component {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    /** The text form of the value, e.g. {@code 127.0.0.1} or {@code 4001}; empty if none. */
    public String valueText() {
      return Multiaddr.valueToText(protocol, value);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Component c && c.protocol == protocol && Arrays.equals(c.value, value);
    }

    @Override
    public int hashCode() {
      return protocol.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return protocol.hasValue() ? "/" + protocol.protocolName() + "/" + valueText() : "/" + protocol.protocolName();
    }
  }

  private final List<Component> components;
  private final byte[] bytes;

  private Multiaddr(List<Component> components) {
    if (components.isEmpty()) {
      throw new MultiaddrException("multiaddr: empty");
    }
    this.components = Collections.unmodifiableList(new ArrayList<>(components));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Component c : components) {
      Varint.write(out, c.protocol().code());
      byte[] v = c.value;
      if (c.protocol().sizeBits() == Protocol.VARIABLE) {
        Varint.write(out, v.length);
      }
      out.writeBytes(v);
    }
    this.bytes = out.toByteArray();
  }

  public static Multiaddr of(List<Component> components) {
    for (Component c : components) {
      validate(c.protocol(), c.value);
    }
    return new Multiaddr(components);
  }

  /** Parses the text form, e.g. {@code /dns4/example.com/tcp/443/p2p/12D3KooW...}. */
  public static Multiaddr fromString(String text) {
    if (text == null || text.isEmpty()) {
      throw new MultiaddrException("multiaddr: empty string");
    }
    if (text.charAt(0) != '/') {
      throw new MultiaddrException("multiaddr '" + text + "': must start with '/'");
    }
    String[] parts = text.substring(1).split("/", -1);
    List<Component> out = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      String name = parts[i];
      if (name.isEmpty()) {
        throw new MultiaddrException("multiaddr '" + text + "': empty protocol name (stray '/')");
      }
      Protocol p = Protocol.byName(name);
      if (p == null) {
        throw new MultiaddrException("multiaddr '" + text + "': unknown protocol '" + name + "'");
      }
      if (!p.hasValue()) {
        out.add(new Component(p, new byte[0]));
        continue;
      }
      if (++i >= parts.length) {
        throw new MultiaddrException("multiaddr '" + text + "': /" + name + " needs a value");
      }
      try {
        out.add(new Component(p, valueFromText(p, parts[i])));
      } catch (IllegalArgumentException e) {
        throw new MultiaddrException("multiaddr '" + text + "': bad /" + name + " value '" + parts[i]
            + "': " + e.getMessage(), e);
      }
    }
    return new Multiaddr(out);
  }

  /** Parses the binary form. */
  public static Multiaddr fromBytes(byte[] data) {
    if (data.length > MAX_BINARY_LENGTH) {
      throw new MultiaddrException("multiaddr: " + data.length + " bytes exceeds " + MAX_BINARY_LENGTH);
    }
    List<Component> out = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      long[] code;
      try {
        code = Varint.decode(data, pos);
      } catch (IllegalArgumentException e) {
        throw new MultiaddrException("multiaddr: bad protocol code at byte " + pos + ": " + e.getMessage(), e);
      }
      Protocol p = Protocol.byCode(code[0]);
      if (p == null) {
        throw new MultiaddrException("multiaddr: unsupported protocol code " + code[0] + " at byte " + pos);
      }
      pos += (int) code[1];
      int len;
      if (p.sizeBits() == Protocol.VARIABLE) {
        long[] l;
        try {
          l = Varint.decode(data, pos);
        } catch (IllegalArgumentException e) {
          throw new MultiaddrException("multiaddr: bad /" + p.protocolName() + " length: " + e.getMessage(), e);
        }
        pos += (int) l[1];
        if (l[0] > data.length - pos) {
          throw new MultiaddrException("multiaddr: /" + p.protocolName() + " value of " + l[0]
              + " bytes, only " + (data.length - pos) + " left");
        }
        len = (int) l[0];
      } else {
        len = p.sizeBits() / 8;
        if (len > data.length - pos) {
          throw new MultiaddrException("multiaddr: truncated /" + p.protocolName() + " value");
        }
      }
      byte[] value = Arrays.copyOfRange(data, pos, pos + len);
      pos += len;
      try {
        validate(p, value);
      } catch (IllegalArgumentException e) {
        throw new MultiaddrException("multiaddr: bad /" + p.protocolName() + " value: " + e.getMessage(), e);
      }
      out.add(new Component(p, value));
    }
    return new Multiaddr(out);
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public List<Component> components() {
    return components;
  }

  /** The first value of {@code protocol} as text, if present. */
  public Optional<String> valueOf(Protocol protocol) {
    return components.stream().filter(c -> c.protocol() == protocol).findFirst().map(Component::valueText);
  }

  /** The peer id of the last {@code /p2p} component, if any. */
  public Optional<PeerId> peerId() {
    for (int i = components.size() - 1; i >= 0; i--) {
      if (components.get(i).protocol() == Protocol.P2P) {
        return Optional.of(PeerId.fromBytes(components.get(i).value));
      }
    }
    return Optional.empty();
  }

  public Multiaddr encapsulate(Multiaddr inner) {
    List<Component> all = new ArrayList<>(components);
    all.addAll(inner.components);
    return new Multiaddr(all);
  }

  /** This address followed by {@code /p2p/<peer>}, built from the parts (nothing is parsed again). */
  public Multiaddr withPeerId(PeerId peer) {
    List<Component> all = new ArrayList<>(components);
    all.add(new Component(Protocol.P2P, peer.toBytes()));
    return new Multiaddr(all);
  }

  /** This (relay) address followed by {@code /p2p-circuit/p2p/<target>}: the circuit address of target. */
  public Multiaddr circuitTo(PeerId target) {
    List<Component> all = new ArrayList<>(components);
    all.add(new Component(Protocol.P2P_CIRCUIT, new byte[0]));
    all.add(new Component(Protocol.P2P, target.toBytes()));
    return new Multiaddr(all);
  }

  /** This address without its trailing {@code /p2p/<id>}, if it has one. */
  public Multiaddr withoutPeerId() {
    int last = components.size() - 1;
    if (components.get(last).protocol() != Protocol.P2P || last == 0) {
      return this;
    }
    return new Multiaddr(components.subList(0, last));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Component c : components) {
      sb.append(c);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Multiaddr m && Arrays.equals(m.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  private static byte[] valueFromText(Protocol p, String text) {
    switch (p) {
      case IP4 :
        return IpText.parseIp4(text);
      case IP6 :
        return IpText.parseIp6(text);
      case TCP :
      case UDP : {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
          throw new IllegalArgumentException("port must be a decimal number 0-65535");
        }
        int port = Integer.parseInt(text);
        if (port > 65535) {
          throw new IllegalArgumentException("port " + port + " > 65535");
        }
        return new byte[] {(byte) (port >>> 8), (byte) port};
      }
      case DNS :
      case DNS4 :
      case DNS6 : {
        byte[] v = text.getBytes(StandardCharsets.UTF_8);
        validate(p, v);
        return v;
      }
      case P2P :
        return PeerId.parse(text).toBytes();
      default :
        throw new IllegalArgumentException("protocol has no value");
    }
  }

  static String valueToText(Protocol p, byte[] v) {
    switch (p) {
      case IP4 :
        return IpText.formatIp4(v);
      case IP6 :
        return IpText.formatIp6(v);
      case TCP :
      case UDP :
        return Integer.toString(((v[0] & 0xFF) << 8) | (v[1] & 0xFF));
      case DNS :
      case DNS4 :
      case DNS6 :
        return new String(v, StandardCharsets.UTF_8);
      case P2P :
        return Base58.encode(v);
      default :
        return "";
    }
  }

  private static void validate(Protocol p, byte[] v) {
    if (p.sizeBits() >= 0 && v.length * 8 != p.sizeBits()) {
      throw new IllegalArgumentException("/" + p.protocolName() + " value must be " + p.sizeBits() / 8
          + " bytes, got " + v.length);
    }
    switch (p) {
      case DNS :
      case DNS4 :
      case DNS6 :
        if (v.length == 0 || v.length > 255) {
          throw new IllegalArgumentException("host name must be 1-255 bytes");
        }
        String host;
        try {
          host = StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
          throw new IllegalArgumentException("host name is not valid UTF-8", e);
        }
        if (host.indexOf('/') >= 0 || host.chars().anyMatch(ch -> ch <= ' ')) {
          throw new IllegalArgumentException("host name contains '/', a space or a control character");
        }
        break;
      case P2P :
        PeerId.fromBytes(v);
        break;
      default :
        break;
    }
  }
}
