package io.warren.iot.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperties;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperty;
import io.warren.api.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT 5 publish properties a message carries from its publisher to its subscribers (MQTT 5.0
 * section 3.3.2.3): payload format indicator ({@code -1} absent), content type, response topic,
 * correlation data, user properties in order, and when the message expires ({@code expiresAt},
 * epoch milliseconds on this node's clock, 0 for never). Topic aliases and subscription
 * identifiers belong to one connection and are not carried.
 *
 * <p>{@link #write}/{@link #read} are the encoding used on the bridge ({@code /warren/iot/1.1.0})
 * and in the store: entries of {@code id u8 | length u32 | value}, the ids those of MQTT 5
 * (0x01 format u8, 0x02 expiry: the seconds left u32, 0x03 content type, 0x08 response topic,
 * 0x09 correlation data, 0x26 user property: key length u16, key, value), strings in UTF-8; an
 * unknown id is skipped, so a later version may add entries.
 */
record Props(int payloadFormat, String contentType, String responseTopic, byte[] correlationData,
    List<StringPair> userProperties, long expiresAt) {
  static final Props NONE = new Props(-1, null, null, null, List.of(), 0);
  static final int FORMAT = 0x01;
  static final int EXPIRY = 0x02;
  static final int CONTENT_TYPE = 0x03;
  static final int RESPONSE_TOPIC = 0x08;
  static final int CORRELATION = 0x09;
  static final int USER = 0x26;

  Props {
    userProperties = List.copyOf(userProperties);
  }

  boolean expired(long nowMillis) {
    return expiresAt != 0 && nowMillis >= expiresAt;
  }

  /** The seconds left until it expires (at least 1 while not expired), or -1 when it does not. */
  long secondsLeft(long nowMillis) {
    return expiresAt == 0 ? -1 : Math.max(1, (expiresAt - nowMillis + 999) / 1000);
  }

  /** The publish properties of a PUBLISH received at {@code nowMillis}. */
  static Props of(MqttProperties p, long nowMillis) {
    if (p == null || p.isEmpty()) {
      return NONE;
    }
    Integer format = intValue(p, MqttPropertyType.PAYLOAD_FORMAT_INDICATOR);
    Integer expiry = intValue(p, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL);
    List<StringPair> user = new ArrayList<>();
    for (MqttProperties.MqttProperty<?> u : p.getProperties(MqttPropertyType.USER_PROPERTY.value())) {
      if (u instanceof UserProperty one) {
        user.add(one.value());
      } else if (u instanceof UserProperties many) {
        user.addAll(many.value());
      }
    }
    var correlation = p.getProperty(MqttPropertyType.CORRELATION_DATA.value());
    Props out = new Props(format == null ? -1 : format, stringValue(p, MqttPropertyType.CONTENT_TYPE),
        stringValue(p, MqttPropertyType.RESPONSE_TOPIC),
        correlation == null ? null : (byte[]) correlation.value(), user,
        expiry == null ? 0 : nowMillis + Integer.toUnsignedLong(expiry) * 1000);
    return out.equals(NONE) ? NONE : out;
  }

  private static Integer intValue(MqttProperties p, MqttPropertyType t) {
    var v = p.getProperty(t.value());
    return v == null ? null : (Integer) v.value();
  }

  private static String stringValue(MqttProperties p, MqttPropertyType t) {
    var v = p.getProperty(t.value());
    return v == null ? null : (String) v.value();
  }

  /** As PUBLISH properties sent at {@code nowMillis} (the expiry interval is what is left of it). */
  MqttProperties toMqtt(long nowMillis) {
    if (this == NONE) {
      return MqttProperties.NO_PROPERTIES;
    }
    MqttProperties p = new MqttProperties();
    if (payloadFormat >= 0) {
      p.add(new IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), payloadFormat));
    }
    if (expiresAt != 0) {
      p.add(new IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), (int) secondsLeft(nowMillis)));
    }
    if (contentType != null) {
      p.add(new StringProperty(MqttPropertyType.CONTENT_TYPE.value(), contentType));
    }
    if (responseTopic != null) {
      p.add(new StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), responseTopic));
    }
    if (correlationData != null) {
      p.add(new BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), correlationData));
    }
    if (!userProperties.isEmpty()) {
      p.add(new UserProperties(userProperties));
    }
    return p;
  }

  /** Writes the entries; the expiry as the seconds left at {@code nowMillis} (omitted when {@code withExpiry} is false). */
  void write(ByteBuf b, long nowMillis, boolean withExpiry) {
    if (payloadFormat >= 0) {
      b.writeByte(FORMAT).writeInt(1).writeByte(payloadFormat);
    }
    if (expiresAt != 0 && withExpiry) {
      b.writeByte(EXPIRY).writeInt(4).writeInt((int) secondsLeft(nowMillis));
    }
    string(b, CONTENT_TYPE, contentType);
    string(b, RESPONSE_TOPIC, responseTopic);
    if (correlationData != null) {
      b.writeByte(CORRELATION).writeInt(correlationData.length).writeBytes(correlationData);
    }
    for (StringPair u : userProperties) {
      byte[] k = u.key.getBytes(StandardCharsets.UTF_8);
      byte[] v = u.value.getBytes(StandardCharsets.UTF_8);
      b.writeByte(USER).writeInt(2 + k.length + v.length).writeShort(k.length).writeBytes(k).writeBytes(v);
    }
  }

  private static void string(ByteBuf b, int id, String s) {
    if (s != null) {
      byte[] v = s.getBytes(StandardCharsets.UTF_8);
      b.writeByte(id).writeInt(v.length).writeBytes(v);
    }
  }

  /** The entries as bytes (the store's column), the expiry left out: the store keeps {@link #expiresAt} beside. */
  byte[] toBytes() {
    if (this == NONE) {
      return new byte[0];
    }
    ByteBuf b = Unpooled.buffer();
    write(b, 0, false);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  static Props fromBytes(byte[] bytes, long expiresAt) {
    if (bytes == null || bytes.length == 0) {
      return expiresAt == 0 ? NONE : new Props(-1, null, null, null, List.of(), expiresAt);
    }
    Props p = read(Unpooled.wrappedBuffer(bytes), 0);
    return new Props(p.payloadFormat, p.contentType, p.responseTopic, p.correlationData, p.userProperties, expiresAt);
  }

  /** Reads all of {@code b}'s readable bytes as entries; an expiry counts from {@code nowMillis}. */
  static Props read(ByteBuf b, long nowMillis) {
    int format = -1;
    String contentType = null;
    String responseTopic = null;
    byte[] correlation = null;
    List<StringPair> user = new ArrayList<>();
    long expiresAt = 0;
    while (b.isReadable()) {
      if (b.readableBytes() < 5) {
        throw new ProtocolException("iot bridge: property entry cut short");
      }
      int id = b.readUnsignedByte();
      long len = b.readUnsignedInt();
      if (len > b.readableBytes()) {
        throw new ProtocolException("iot bridge: property 0x" + Integer.toHexString(id) + " of " + len + " bytes, "
            + b.readableBytes() + " left");
      }
      ByteBuf v = b.readSlice((int) len);
      switch (id) {
        case FORMAT -> format = fixed(v, 1, id).readUnsignedByte();
        case EXPIRY -> expiresAt = nowMillis + fixed(v, 4, id).readUnsignedInt() * 1000;
        case CONTENT_TYPE -> contentType = v.toString(StandardCharsets.UTF_8);
        case RESPONSE_TOPIC -> responseTopic = checkedTopic(v.toString(StandardCharsets.UTF_8));
        case CORRELATION -> {
          correlation = new byte[v.readableBytes()];
          v.readBytes(correlation);
        }
        case USER -> {
          int k = v.readableBytes() < 2 ? Integer.MAX_VALUE : v.readUnsignedShort();
          if (k > v.readableBytes()) {
            throw new ProtocolException("iot bridge: user property with a key longer than its entry");
          }
          user.add(new StringPair(v.readCharSequence(k, StandardCharsets.UTF_8).toString(),
              v.toString(StandardCharsets.UTF_8)));
        }
        default -> {
          // a later version's entry: skipped
        }
      }
    }
    return new Props(format, contentType, responseTopic, correlation, user, expiresAt);
  }

  private static ByteBuf fixed(ByteBuf v, int len, int id) {
    if (v.readableBytes() != len) {
      throw new ProtocolException("iot bridge: property 0x" + Integer.toHexString(id) + " of " + v.readableBytes()
          + " bytes (" + len + " expected)");
    }
    return v;
  }

  private static String checkedTopic(String t) {
    try {
      Topics.checkName(t);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("iot bridge: response " + e.getMessage());
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Props p && payloadFormat == p.payloadFormat && expiresAt == p.expiresAt
        && java.util.Objects.equals(contentType, p.contentType)
        && java.util.Objects.equals(responseTopic, p.responseTopic)
        && java.util.Arrays.equals(correlationData, p.correlationData) && userProperties.equals(p.userProperties);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(payloadFormat, contentType, responseTopic, userProperties, expiresAt)
        + java.util.Arrays.hashCode(correlationData);
  }
}
