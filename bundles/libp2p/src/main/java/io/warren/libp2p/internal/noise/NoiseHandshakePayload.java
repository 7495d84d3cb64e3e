package io.warren.libp2p.internal.noise;

import io.warren.libp2p.internal.protobuf.ProtoReader;
import io.warren.libp2p.internal.protobuf.ProtoWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The libp2p Noise handshake payload, sent (as raw protobuf) in messages 2 and 3:
 * <pre>
 * message NoiseExtensions { repeated bytes webtransport_certhashes = 1; repeated string stream_muxers = 2; }
 * message NoiseHandshakePayload { bytes identity_key = 1; bytes identity_sig = 2; NoiseExtensions extensions = 4; }
 * </pre>
 */
public record NoiseHandshakePayload(byte[] identityKey, byte[] identitySig, List<byte[]> webtransportCerthashes,
    List<String> streamMuxers) {

  public NoiseHandshakePayload {
    webtransportCerthashes = List.copyOf(webtransportCerthashes);
    streamMuxers = List.copyOf(streamMuxers);
  }

  public byte[] encode() {
    ProtoWriter w = new ProtoWriter().bytes(1, identityKey).bytes(2, identitySig);
    if (!webtransportCerthashes.isEmpty() || !streamMuxers.isEmpty()) {
      ProtoWriter ext = new ProtoWriter();
      webtransportCerthashes.forEach(c -> ext.bytes(1, c));
      streamMuxers.forEach(m -> ext.string(2, m));
      w.bytes(4, ext.toByteArray());
    }
    return w.toByteArray();
  }

  /** Decodes the payload; a missing key or signature is an error (both are required for authentication). */
  public static NoiseHandshakePayload decode(byte[] bytes) {
    byte[] key = null;
    byte[] sig = null;
    List<byte[]> certs = new ArrayList<>();
    List<String> muxers = new ArrayList<>();
    ProtoReader r = new ProtoReader(bytes);
    while (r.next()) {
      switch (r.field()) {
        case 1 -> key = r.readBytes();
        case 2 -> sig = r.readBytes();
        case 4 -> {
          ProtoReader e = new ProtoReader(r.readBytes());
          while (e.next()) {
            switch (e.field()) {
              case 1 -> certs.add(e.readBytes());
              case 2 -> muxers.add(e.readString());
              default -> e.skip();
            }
          }
        }
        default -> r.skip();
      }
    }
    if (key == null || key.length == 0) {
      throw new IllegalArgumentException("noise: handshake payload has no identity_key");
    }
    if (sig == null || sig.length == 0) {
      throw new IllegalArgumentException("noise: handshake payload has no identity_sig");
    }
    return new NoiseHandshakePayload(key, sig, certs, muxers);
  }
}
