package io.warren.itests.attack;

import io.warren.nostr.Event;
import io.warren.testing.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the Nostr attack tests share: the relay's URL, its process' figures, seeding and reading the store. */
final class NostrSupport {
  private NostrSupport() {}

  /** The relay's ws:// URL from the node's banner. */
  static String relayUrl(NodeProcess node) {
    return node.bannerValues("listening").stream().filter(a -> a.startsWith("ws://")).findFirst()
        .orElseThrow(() -> new AssertionError("no ws:// address in the banner:\n" + node.out()));
  }

  /** A line of /proc/<pid>/status as a number (VmRSS in kB, Threads). */
  static long status(NodeProcess node, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + node.handle().pid() + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + field + " in /proc/" + node.handle().pid() + "/status");
  }

  static long rssMb(NodeProcess node) throws IOException {
    return status(node, "VmRSS") / 1024;
  }

  /** Publishes {@code events} on one connection and waits for every OK; returns how many were accepted. */
  static int publish(String url, List<Event> events) throws IOException {
    try (RawWebSocket ws = new RawWebSocket(url, hostOf(url), 0)) {
      for (Event e : events) {
        ws.send("[\"EVENT\"," + e.toJson() + "]");
      }
      int ok = 0;
      for (int answered = 0; answered < events.size();) {
        String m = ws.until("[\"OK\"");
        if (m == null) {
          throw new IOException("the relay closed after " + answered + " OKs");
        }
        answered++;
        if (m.contains("\",true,")) {
          ok++;
        }
      }
      return ok;
    }
  }

  /** The ids a REQ with {@code filter} returns up to EOSE. */
  static List<String> ids(String url, String filter) throws IOException {
    try (RawWebSocket ws = new RawWebSocket(url, hostOf(url), 0)) {
      ws.send("[\"REQ\",\"q\"," + filter + "]");
      List<String> ids = new ArrayList<>();
      for (RawWebSocket.Frame f; (f = ws.next()) != null;) {
        String t = f.text();
        if (t.startsWith("[\"EOSE\"")) {
          return ids;
        }
        if (t.startsWith("[\"EVENT\",\"q\",")) {
          int i = t.indexOf("\"id\":\"") + 6;
          ids.add(t.substring(i, i + 64));
        }
      }
      throw new IOException("no EOSE");
    }
  }

  static String hostOf(String url) {
    return url.substring(url.indexOf("://") + 3).replaceAll("/.*", "");
  }

  /**
   * Sends {@code request} as bytes to the loopback {@code port} and reads everything until the node
   * closes the connection (a reset after the answer keeps what was read).
   */
  static String rawHttp(int port, String request) throws IOException {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 10_000);
      s.setSoTimeout(20_000);
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = s.getInputStream().read(buf)) >= 0;) {
          got.write(buf, 0, n);
        }
      } catch (java.net.SocketException reset) {
        // a reset after the answer: what was read counts
      }
      return got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }
}
