package io.warren.libp2p.internal.protobuf;

import io.warren.libp2p.internal.multiformats.Varint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the protobuf wire format for the few small libp2p messages (keys, Noise payload,
 * identify...). Fields are written in the order called, which callers keep ascending so the
 * output is the canonical encoding that peer ids and signatures are computed over.
 */
public final class ProtoWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  public ProtoWriter varint(int field, long value) {
    Varint.write(out, ((long) field << 3) | ProtoReader.WIRE_VARINT);
    Varint.write(out, value);
    return this;
  }

  public ProtoWriter bytes(int field, byte[] value) {
    Varint.write(out, ((long) field << 3) | ProtoReader.WIRE_LEN);
    Varint.write(out, value.length);
    out.writeBytes(value);
    return this;
  }

  public ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
