package io.warren.iot.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.warren.api.ProtocolException;
import java.nio.charset.StandardCharsets;

/**
 * The bridge protocol's frames, one stream per direction between two nodes: each frame is a 4-byte
 * big-endian length, then a type byte.
 *
 * <pre>
 * PUBLISH (0x01): seq u64 | flags u8 (bits 0-1 QoS, bit 2 retain) | topic length u16 | topic UTF-8
 *                 | (1.1.0 only) properties length u32 | properties ({@link Props#write}) | payload
 * ACK     (0x02): seq u64    (the receiver has delivered the QoS 1 PUBLISH with that seq)
 * </pre>
 *
 * Version 1.1.0 ({@value #PROTOCOL}) carries MQTT 5 publish properties, the message expiry interval
 * as the seconds left when the frame is written; 1.0.0 ({@value #PROTOCOL_V1}) does not. A node
 * opens 1.1.0 and falls back to 1.0.0 for a member that refuses it (an older node), and accepts
 * both. The origin of a message is the authenticated peer of the stream it came on, never a field.
 */
final class BridgeWire {
  static final String PROTOCOL = "/warren/iot/1.1.0";
  static final String PROTOCOL_V1 = "/warren/iot/1.0.0";
  static final byte PUBLISH = 1;
  static final byte ACK = 2;
  /** Frame bytes beyond the payload and properties: type, seq, flags, topic length, properties length, a topic of up to 65535 bytes. */
  static final int OVERHEAD = 1 + 8 + 1 + 2 + 4 + 65535;

  private BridgeWire() {}

  /** A decoder of length-prefixed frames refusing any longer than a message of {@code maxMessageBytes}. */
  static LengthFieldBasedFrameDecoder framer(int maxMessageBytes) {
    return new LengthFieldBasedFrameDecoder(maxMessageBytes + OVERHEAD, 0, 4, 0, 4);
  }

  /** A PUBLISH frame; {@code withProps}: in the 1.1.0 form, the expiry counted from {@code nowMillis}. */
  static ByteBuf publish(ByteBufAllocator alloc, long seq, Msg m, boolean withProps, long nowMillis) {
    byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
    ByteBuf b = alloc.buffer(4 + 1 + 8 + 1 + 2 + topic.length + 4 + m.payload().length);
    b.writeInt(0).writeByte(PUBLISH).writeLong(seq).writeByte(m.qos() | (m.retain() ? 4 : 0));
    b.writeShort(topic.length).writeBytes(topic);
    if (withProps) {
      int at = b.writerIndex();
      b.writeInt(0);
      m.props().write(b, nowMillis, true);
      b.setInt(at, b.writerIndex() - at - 4);
    }
    b.writeBytes(m.payload());
    return b.setInt(0, b.readableBytes() - 4);
  }

  static ByteBuf ack(ByteBufAllocator alloc, long seq) {
    return alloc.buffer(13).writeInt(9).writeByte(ACK).writeLong(seq);
  }

  /** A decoded PUBLISH frame. */
  record Publish(long seq, Msg msg) {}

  /**
   * Reads one frame's body (after the length): a {@link Publish} or the seq of an ACK ({@code Long});
   * {@code withProps}: the 1.1.0 form, an expiry counted from {@code nowMillis}.
   */
  static Object read(ByteBuf f, boolean withProps, long nowMillis) {
    if (f.readableBytes() < 9) {
      throw new ProtocolException("iot bridge: frame of " + f.readableBytes() + " bytes (at least 9 expected)");
    }
    byte type = f.readByte();
    long seq = f.readLong();
    if (type == ACK) {
      return seq;
    }
    if (type != PUBLISH) {
      throw new ProtocolException("iot bridge: unknown frame type " + type + " (expected 1-2)");
    }
    if (f.readableBytes() < 3) {
      throw new ProtocolException("iot bridge: PUBLISH frame cut short");
    }
    int flags = f.readUnsignedByte();
    int qos = flags & 3;
    if (qos > 1 || (flags & ~7) != 0) {
      throw new ProtocolException("iot bridge: bad PUBLISH flags " + flags);
    }
    int topicLen = f.readUnsignedShort();
    if (f.readableBytes() < topicLen) {
      throw new ProtocolException("iot bridge: topic of " + topicLen + " bytes, " + f.readableBytes() + " left");
    }
    String topic = f.readCharSequence(topicLen, StandardCharsets.UTF_8).toString();
    try {
      Topics.checkName(topic);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("iot bridge: " + e.getMessage());
    }
    Props props = Props.NONE;
    if (withProps) {
      if (f.readableBytes() < 4) {
        throw new ProtocolException("iot bridge: PUBLISH frame cut short before its properties");
      }
      long propsLen = f.readUnsignedInt();
      if (propsLen > f.readableBytes()) {
        throw new ProtocolException("iot bridge: properties of " + propsLen + " bytes, " + f.readableBytes() + " left");
      }
      props = Props.read(f.readSlice((int) propsLen), nowMillis);
      props = props.equals(Props.NONE) ? Props.NONE : props;
    }
    byte[] payload = new byte[f.readableBytes()];
    f.readBytes(payload);
    return new Publish(seq, new Msg(topic, payload, qos, (flags & 4) != 0, props));
  }
}
