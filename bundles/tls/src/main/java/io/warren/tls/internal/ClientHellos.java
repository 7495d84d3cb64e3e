package io.warren.tls.internal;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a router needs of a ClientHello body (as Netty's {@code SslClientHelloHandler} hands it
 * over: from client_version on): the SNI host name and the ALPN protocols offered. Reads by index,
 * never past the buffer; a malformed hello gives what was read before the fault.
 */
final class ClientHellos {
  private static final int SERVER_NAME = 0;
  private static final int ALPN = 16;

  /** The SNI host name (lower case, or null) and the ALPN protocols offered (maybe none). */
  record Hello(String hostname, List<String> protocols) {}

  private ClientHellos() {}

  static Hello parse(ByteBuf in) {
    String host = null;
    List<String> protocols = new ArrayList<>();
    int at = in.readerIndex() + 34; // client_version, random
    int end = in.writerIndex();
    at = skip(in, at, end, 1); // session id
    at = skip(in, at, end, 2); // cipher suites
    at = skip(in, at, end, 1); // compression methods
    if (at < 0 || at + 2 > end) {
      return new Hello(null, List.of());
    }
    int extEnd = Math.min(end, at + 2 + in.getUnsignedShort(at));
    at += 2;
    while (at + 4 <= extEnd) {
      int type = in.getUnsignedShort(at);
      int len = in.getUnsignedShort(at + 2);
      int data = at + 4;
      if (data + len > extEnd) {
        break;
      }
      if (type == SERVER_NAME && len >= 5 && in.getUnsignedByte(data + 2) == 0) {
        int nameLen = in.getUnsignedShort(data + 3);
        if (data + 5 + nameLen <= data + len) {
          host = in.toString(data + 5, nameLen, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        }
      } else if (type == ALPN && len >= 2) {
        int p = data + 2;
        int listEnd = Math.min(data + len, data + 2 + in.getUnsignedShort(data));
        while (p < listEnd) {
          int n = in.getUnsignedByte(p);
          if (p + 1 + n > listEnd) {
            break;
          }
          protocols.add(in.toString(p + 1, n, StandardCharsets.US_ASCII));
          p += 1 + n;
        }
      }
      at = data + len;
    }
    return new Hello(host, List.copyOf(protocols));
  }

  /** The index after a length-prefixed field ({@code width} bytes of length), or -1 past the end. */
  private static int skip(ByteBuf in, int at, int end, int width) {
    if (at < 0 || at + width > end) {
      return -1;
    }
    int len = width == 1 ? in.getUnsignedByte(at) : in.getUnsignedShort(at);
    return at + width + len > end ? -1 : at + width + len;
  }
}
