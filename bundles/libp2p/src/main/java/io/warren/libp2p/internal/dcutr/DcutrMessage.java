package io.warren.libp2p.internal.dcutr;

import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A DCUtR message (libp2p/specs relay/DCUtR.md):
 * {@code HolePunch { Type type = 1 (CONNECT = 100, SYNC = 300); repeated bytes ObsAddrs = 2; }},
 * length-prefixed with an unsigned varint on the stream, at most {@value #MAX_LENGTH} bytes.
 */
public record DcutrMessage(int type, List<byte[]> addrs) {
  public static final int CONNECT = 100;
  public static final int SYNC = 300;
  public static final int MAX_LENGTH = 4096;

  public DcutrMessage {
    addrs = List.copyOf(addrs);
  }

  public static DcutrMessage connect(List<byte[]> addrs) {
    return new DcutrMessage(CONNECT, addrs);
  }

  public static DcutrMessage sync() {
    return new DcutrMessage(SYNC, List.of());
  }

  public byte[] encodeDelimited() {
    ProtoWriter w = new ProtoWriter().varint(1, type);
    addrs.forEach(a -> w.bytes(2, a));
    byte[] body = w.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 2);
    Varint.write(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** Decodes a message body (without its length prefix); an unknown or missing type is an error. */
  public static DcutrMessage decode(byte[] body) {
    Integer type = null;
    List<byte[]> addrs = new ArrayList<>();
    ProtoReader r = new ProtoReader(body);
    while (r.next()) {
      switch (r.field()) {
        case 1 -> type = (int) r.readVarint();
        case 2 -> addrs.add(r.readBytes());
        default -> r.skip();
      }
    }
    if (type == null) {
      throw new IllegalArgumentException("dcutr: message without a type");
    }
    if (type != CONNECT && type != SYNC) {
      throw new IllegalArgumentException("dcutr: unknown message type " + type + " (expected 100 or 300)");
    }
    return new DcutrMessage(type, addrs);
  }
}
