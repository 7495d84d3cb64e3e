package io.warren.libp2p.internal.relay;

import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Circuit relay v2 messages (libp2p/specs relay/circuit-v2.md). {@code HopMessage} and
 * {@code StopMessage} share one shape here; their field numbers differ:
 * <pre>
 * HopMessage  { type = 1; peer = 2; reservation = 3; limit = 4; status = 5 }   RESERVE 0, CONNECT 1, STATUS 2
 * StopMessage { type = 1; peer = 2; limit = 3; status = 4 }                    CONNECT 0, STATUS 1
 * Peer { id = 1; repeated addrs = 2 }  Reservation { expire = 1; repeated addrs = 2; voucher = 3 }
 * Limit { duration = 1 (u32 seconds); data = 2 (u64 bytes) }
 * </pre>
 * On the stream each message has an unsigned-varint length prefix.
 */
public record RelayMessage(boolean hop, int type, byte[] peerId, List<byte[]> peerAddrs, Reservation reservation,
    Limit limit, Integer status) {

  public static final int HOP_RESERVE = 0;
  public static final int HOP_CONNECT = 1;
  public static final int HOP_STATUS = 2;
  public static final int STOP_CONNECT = 0;
  public static final int STOP_STATUS = 1;

  public static final int OK = 100;
  public static final int RESERVATION_REFUSED = 200;
  public static final int RESOURCE_LIMIT_EXCEEDED = 201;
  public static final int PERMISSION_DENIED = 202;
  public static final int CONNECTION_FAILED = 203;
  public static final int NO_RESERVATION = 204;
  public static final int MALFORMED_MESSAGE = 400;
  public static final int UNEXPECTED_MESSAGE = 401;

  /** Relay messages are small; a larger one is refused. */
  public static final int MAX_LENGTH = 4096;

  public record Reservation(long expire, List<byte[]> addrs, byte[] voucher) {}

  public record Limit(long durationSeconds, long dataBytes) {}

  public RelayMessage {
    peerAddrs = peerAddrs == null ? List.of() : List.copyOf(peerAddrs);
  }

  public static RelayMessage hop(int type) {
    return new RelayMessage(true, type, null, null, null, null, null);
  }

  public static RelayMessage hopStatus(int status, Reservation reservation, Limit limit) {
    return new RelayMessage(true, HOP_STATUS, null, null, reservation, limit, status);
  }

  public static RelayMessage hopConnect(byte[] peerId) {
    return new RelayMessage(true, HOP_CONNECT, peerId, null, null, null, null);
  }

  public static RelayMessage stopConnect(byte[] peerId, Limit limit) {
    return new RelayMessage(false, STOP_CONNECT, peerId, null, null, limit, null);
  }

  public static RelayMessage stopStatus(int status) {
    return new RelayMessage(false, STOP_STATUS, null, null, null, null, status);
  }

  public byte[] encodeDelimited() {
    ProtoWriter w = new ProtoWriter().varint(1, type);
    if (peerId != null) {
      ProtoWriter p = new ProtoWriter().bytes(1, peerId);
      peerAddrs.forEach(a -> p.bytes(2, a));
      w.bytes(2, p.toByteArray());
    }
    if (hop && reservation != null) {
      ProtoWriter r = new ProtoWriter().varint(1, reservation.expire());
      reservation.addrs().forEach(a -> r.bytes(2, a));
      if (reservation.voucher() != null) {
        r.bytes(3, reservation.voucher());
      }
      w.bytes(3, r.toByteArray());
    }
    if (limit != null) {
      ProtoWriter l = new ProtoWriter();
      if (limit.durationSeconds() > 0) {
        l.varint(1, limit.durationSeconds());
      }
      if (limit.dataBytes() > 0) {
        l.varint(2, limit.dataBytes());
      }
      w.bytes(hop ? 4 : 3, l.toByteArray());
    }
    if (status != null) {
      w.varint(hop ? 5 : 4, status);
    }
    byte[] body = w.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 2);
    Varint.write(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  public static RelayMessage decode(boolean hop, byte[] body) {
    Integer type = null;
    Integer status = null;
    byte[] peerId = null;
    List<byte[]> peerAddrs = new ArrayList<>();
    Reservation reservation = null;
    Limit limit = null;
    ProtoReader r = new ProtoReader(body);
    int limitField = hop ? 4 : 3;
    int statusField = hop ? 5 : 4;
    while (r.next()) {
      int f = r.field();
      if (f == 1) {
        type = (int) r.readVarint();
      } else if (f == 2) {
        ProtoReader p = new ProtoReader(r.readBytes());
        while (p.next()) {
          switch (p.field()) {
            case 1 -> peerId = p.readBytes();
            case 2 -> peerAddrs.add(p.readBytes());
            default -> p.skip();
          }
        }
      } else if (hop && f == 3) {
        ProtoReader p = new ProtoReader(r.readBytes());
        long expire = 0;
        List<byte[]> addrs = new ArrayList<>();
        byte[] voucher = null;
        while (p.next()) {
          switch (p.field()) {
            case 1 -> expire = p.readVarint();
            case 2 -> addrs.add(p.readBytes());
            case 3 -> voucher = p.readBytes();
            default -> p.skip();
          }
        }
        reservation = new Reservation(expire, addrs, voucher);
      } else if (f == limitField) {
        ProtoReader p = new ProtoReader(r.readBytes());
        long duration = 0;
        long data = 0;
        while (p.next()) {
          switch (p.field()) {
            case 1 -> duration = p.readVarint();
            case 2 -> data = p.readVarint();
            default -> p.skip();
          }
        }
        limit = new Limit(duration, data);
      } else if (f == statusField) {
        status = (int) r.readVarint();
      } else {
        r.skip();
      }
    }
    if (type == null) {
      throw new IllegalArgumentException("relay: " + (hop ? "HopMessage" : "StopMessage") + " without a type");
    }
    return new RelayMessage(hop, type, peerId, peerAddrs, reservation, limit, status);
  }

  public static String statusName(Integer status) {
    if (status == null) {
      return "no status";
    }
    return switch (status) {
      case OK -> "OK";
      case RESERVATION_REFUSED -> "RESERVATION_REFUSED";
      case RESOURCE_LIMIT_EXCEEDED -> "RESOURCE_LIMIT_EXCEEDED";
      case PERMISSION_DENIED -> "PERMISSION_DENIED";
      case CONNECTION_FAILED -> "CONNECTION_FAILED";
      case NO_RESERVATION -> "NO_RESERVATION";
      case MALFORMED_MESSAGE -> "MALFORMED_MESSAGE";
      case UNEXPECTED_MESSAGE -> "UNEXPECTED_MESSAGE";
      default -> "status " + status;
    };
  }
}
