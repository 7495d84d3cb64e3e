package io.warren.libp2p.internal.identify;

import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The identify message (libp2p/specs identify/README.md), proto2:
 * <pre>
 * message Identify {
 *   optional string protocolVersion = 5;  optional string agentVersion = 6;
 *   optional bytes publicKey = 1;          repeated bytes listenAddrs = 2;
 *   optional bytes observedAddr = 4;       repeated string protocols = 3;
 *   optional bytes signedPeerRecord = 8;
 * }
 * </pre>
 * On the stream it travels with an unsigned-varint length prefix. A sender may split it into several
 * prefixed messages; protobuf merges concatenated messages, so {@link #decodeStream} joins them.
 * Absent optional fields are null; absent repeated fields are empty lists.
 */
public record IdentifyMessage(String protocolVersion, String agentVersion, byte[] publicKey, List<byte[]> listenAddrs,
    byte[] observedAddr, List<String> protocols, byte[] signedPeerRecord) {

  /** js-libp2p and go-libp2p refuse identify messages above a few KiB; we accept up to this. */
  public static final int MAX_LENGTH = 64 * 1024;

  public IdentifyMessage {
    listenAddrs = List.copyOf(listenAddrs);
    protocols = List.copyOf(protocols);
  }

  public byte[] encode() {
    ProtoWriter w = new ProtoWriter();
    if (publicKey != null) {
      w.bytes(1, publicKey);
    }
    listenAddrs.forEach(a -> w.bytes(2, a));
    protocols.forEach(p -> w.string(3, p));
    if (observedAddr != null) {
      w.bytes(4, observedAddr);
    }
    if (protocolVersion != null) {
      w.string(5, protocolVersion);
    }
    if (agentVersion != null) {
      w.string(6, agentVersion);
    }
    if (signedPeerRecord != null) {
      w.bytes(8, signedPeerRecord);
    }
    return w.toByteArray();
  }

  /** The message with its varint length prefix, as written on the stream. */
  public byte[] encodeDelimited() {
    byte[] body = encode();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 3);
    Varint.write(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  public static IdentifyMessage decode(byte[] bytes) {
    String protocolVersion = null;
    String agentVersion = null;
    byte[] publicKey = null;
    byte[] observed = null;
    byte[] record = null;
    List<byte[]> addrs = new ArrayList<>();
    List<String> protocols = new ArrayList<>();
    ProtoReader r = new ProtoReader(bytes);
    while (r.next()) {
      switch (r.field()) {
        case 1 -> publicKey = r.readBytes();
        case 2 -> addrs.add(r.readBytes());
        case 3 -> protocols.add(r.readString());
        case 4 -> observed = r.readBytes();
        case 5 -> protocolVersion = r.readString();
        case 6 -> agentVersion = r.readString();
        case 8 -> record = r.readBytes();
        default -> r.skip();
      }
    }
    return new IdentifyMessage(protocolVersion, agentVersion, publicKey, addrs, observed, protocols, record);
  }

  /** Decodes everything a peer wrote on an identify stream: one or more length-prefixed parts. */
  public static IdentifyMessage decodeStream(byte[] stream) {
    ByteArrayOutputStream merged = new ByteArrayOutputStream(stream.length);
    int pos = 0;
    while (pos < stream.length) {
      long[] len;
      try {
        len = Varint.decode(stream, pos);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("identify: bad length prefix: " + e.getMessage(), e);
      }
      pos += (int) len[1];
      if (len[0] > stream.length - pos) {
        throw new IllegalArgumentException("identify: message claims " + len[0] + " bytes, " + (stream.length - pos)
            + " left (truncated)");
      }
      merged.write(stream, pos, (int) len[0]);
      pos += (int) len[0];
    }
    return decode(merged.toByteArray());
  }
}
