package io.warren.libp2p.internal.record;

import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.crypto.LocalIdentity;
import io.warren.libp2p.internal.multiformats.Varint;
import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A signed envelope (libp2p/specs RFC 0002): a payload, its type, and the signer's public key, with
 * a signature over {@code varint(len(domain)) domain varint(len(type)) type varint(len(payload)) payload}.
 * Wire form as deployed by libp2p implementations:
 * {@code Envelope { bytes public_key = 1; bytes payload_type = 2; bytes payload = 3; bytes signature = 5; }}
 * (the RFC's prose numbers the signature 4; peers send and expect 5).
 */
public record SignedEnvelope(byte[] publicKey, byte[] payloadType, byte[] payload, byte[] signature) {

  public static SignedEnvelope seal(LocalIdentity identity, String domain, byte[] payloadType, byte[] payload) {
    byte[] sig = identity.sign(signedBytes(domain, payloadType, payload));
    return new SignedEnvelope(identity.publicKey().toProtobuf(), payloadType.clone(), payload.clone(), sig);
  }

  /** Checks the signature for {@code domain} and the payload type; returns the signer's key. */
  public Libp2pPublicKey open(String domain, byte[] expectedType) {
    if (!java.util.Arrays.equals(payloadType, expectedType)) {
      throw new IllegalArgumentException("envelope: payload type is not the one expected");
    }
    Libp2pPublicKey key = Libp2pPublicKey.fromProtobuf(publicKey);
    if (!key.verify(signedBytes(domain, payloadType, payload), signature)) {
      throw new IllegalArgumentException("envelope: signature does not verify (domain " + domain + ")");
    }
    return key;
  }

  static byte[] signedBytes(String domain, byte[] type, byte[] payload) {
    byte[] d = domain.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(d.length + type.length + payload.length + 12);
    for (byte[] part : new byte[][] {d, type, payload}) {
      Varint.write(out, part.length);
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  public byte[] encode() {
    return new ProtoWriter().bytes(1, publicKey).bytes(2, payloadType).bytes(3, payload).bytes(5, signature)
        .toByteArray();
  }

  public static SignedEnvelope decode(byte[] bytes) {
    byte[] key = null;
    byte[] type = null;
    byte[] payload = null;
    byte[] sig = null;
    ProtoReader r = new ProtoReader(bytes);
    while (r.next()) {
      switch (r.field()) {
        case 1 -> key = r.readBytes();
        case 2 -> type = r.readBytes();
        case 3 -> payload = r.readBytes();
        case 5 -> sig = r.readBytes();
        default -> r.skip();
      }
    }
    if (key == null || type == null || payload == null || sig == null) {
      throw new IllegalArgumentException("envelope: missing public key, payload type, payload or signature");
    }
    return new SignedEnvelope(key, type, payload, sig);
  }
}
