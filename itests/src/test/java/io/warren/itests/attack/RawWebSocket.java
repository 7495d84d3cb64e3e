package io.warren.itests.attack;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client on a plain socket, for attacks: it says what Host it likes, reads only when
 * told to (a client that never reads), and writes frames as they are, masked as a client must.
 */
final class RawWebSocket implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A frame as read: its opcode and payload. */
  record Frame(int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /**
   * Connects and upgrades. {@code receiveBuffer} > 0 sets a small socket receive buffer (so a
   * client that does not read stops the relay's writes early); {@code host} is the Host header.
   */
  RawWebSocket(String url, String host, int receiveBuffer) throws IOException {
    URI u = URI.create(url);
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
    socket.setSoTimeout(20_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
    byte[] key = new byte[16];
    RANDOM.nextBytes(key);
    String head = "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String response = readHead();
    if (!response.startsWith("HTTP/1.1 101")) {
      throw new IOException("no upgrade: " + response);
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("the relay closed during the upgrade: " + b);
      }
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Sends a text message (one masked frame). */
  void send(String text) throws IOException {
    byte[] p = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream f = new ByteArrayOutputStream(p.length + 14);
    f.write(0x81);
    if (p.length < 126) {
      f.write(0x80 | p.length);
    } else if (p.length < 65_536) {
      f.write(0x80 | 126);
      f.write(p.length >>> 8);
      f.write(p.length);
    } else {
      f.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        f.write((int) ((long) p.length >>> (8 * i)));
      }
    }
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    f.write(mask);
    for (int i = 0; i < p.length; i++) {
      f.write(p[i] ^ mask[i & 3]);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** The next frame, or null at the end of the stream. */
  Frame next() throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      return null;
    }
    int b1 = readByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = (readByte() << 8) | readByte();
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | readByte();
      }
    }
    if (len > 64 << 20) {
      throw new IOException("frame of " + len + " bytes");
    }
    byte[] payload = in.readNBytes((int) len);
    if (payload.length < len) {
      return null;
    }
    return new Frame(b0 & 0x0f, payload);
  }

  /** The next text message that contains {@code part}, skipping others; null at the end of the stream. */
  String until(String part) throws IOException {
    for (Frame f; (f = next()) != null;) {
      if (f.opcode() == 1 && f.text().contains(part)) {
        return f.text();
      }
    }
    return null;
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
