package io.warren.libp2p.internal.autonat;

import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * AutoNAT v1 messages (libp2p/specs autonat/autonat-v1.md), one shape for both:
 * <pre>
 * Message { type = 1 (DIAL 0, DIAL_RESPONSE 1); Dial dial = 2 { PeerInfo peer = 1 { id = 1; repeated addrs = 2 } };
 *           DialResponse dialResponse = 3 { status = 1; statusText = 2; addr = 3 } }
 * </pre>
 * length-prefixed with an unsigned varint on the stream.
 */
public record AutonatMessage(int type, byte[] peerId, List<byte[]> addrs, Integer status, String statusText,
    byte[] addr) {
  public static final int DIAL = 0;
  public static final int DIAL_RESPONSE = 1;
  public static final int OK = 0;
  public static final int E_DIAL_ERROR = 100;
  public static final int E_DIAL_REFUSED = 101;
  public static final int E_BAD_REQUEST = 200;
  public static final int E_INTERNAL_ERROR = 300;
  public static final int MAX_LENGTH = 4096;

  public AutonatMessage {
    addrs = addrs == null ? List.of() : List.copyOf(addrs);
  }

  public static AutonatMessage dial(byte[] peerId, List<byte[]> addrs) {
    return new AutonatMessage(DIAL, peerId, addrs, null, null, null);
  }

  public static AutonatMessage response(int status, String text, byte[] addr) {
    return new AutonatMessage(DIAL_RESPONSE, null, null, status, text, addr);
  }

  public byte[] encodeDelimited() {
    ProtoWriter w = new ProtoWriter().varint(1, type);
    if (type == DIAL) {
      ProtoWriter peer = new ProtoWriter();
      if (peerId != null) {
        peer.bytes(1, peerId);
      }
      addrs.forEach(a -> peer.bytes(2, a));
      w.bytes(2, new ProtoWriter().bytes(1, peer.toByteArray()).toByteArray());
    } else {
      ProtoWriter r = new ProtoWriter();
      if (status != null) {
        r.varint(1, status);
      }
      if (statusText != null) {
        r.string(2, statusText);
      }
      if (addr != null) {
        r.bytes(3, addr);
      }
      w.bytes(3, r.toByteArray());
    }
    byte[] body = w.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 2);
    Varint.write(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  public static AutonatMessage decode(byte[] body) {
    Integer type = null;
    byte[] peerId = null;
    List<byte[]> addrs = new ArrayList<>();
    Integer status = null;
    String text = null;
    byte[] addr = null;
    ProtoReader r = new ProtoReader(body);
    while (r.next()) {
      switch (r.field()) {
        case 1 -> type = (int) r.readVarint();
        case 2 -> {
          ProtoReader dial = new ProtoReader(r.readBytes());
          while (dial.next()) {
            if (dial.field() == 1) {
              ProtoReader peer = new ProtoReader(dial.readBytes());
              while (peer.next()) {
                switch (peer.field()) {
                  case 1 -> peerId = peer.readBytes();
                  case 2 -> addrs.add(peer.readBytes());
                  default -> peer.skip();
                }
              }
            } else {
              dial.skip();
            }
          }
        }
        case 3 -> {
          ProtoReader resp = new ProtoReader(r.readBytes());
          while (resp.next()) {
            switch (resp.field()) {
              case 1 -> status = (int) resp.readVarint();
              case 2 -> text = new String(resp.readBytes(), StandardCharsets.UTF_8);
              case 3 -> addr = resp.readBytes();
              default -> resp.skip();
            }
          }
        }
        default -> r.skip();
      }
    }
    if (type == null || (type != DIAL && type != DIAL_RESPONSE)) {
      throw new IllegalArgumentException("autonat: message type " + type + " (expected 0 or 1)");
    }
    return new AutonatMessage(type, peerId, addrs, status, text, addr);
  }
}
