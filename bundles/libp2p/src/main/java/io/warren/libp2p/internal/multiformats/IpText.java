package io.warren.libp2p.internal.multiformats;

import java.util.ArrayList;
import java.util.List;

/**
 * Strict textual IP parsing and formatting. Never resolves names (unlike InetAddress.getByName),
 * and formats IPv6 per RFC 5952 (lower case, longest zero run compressed).
 */
final class IpText {

  private IpText() {}

  static byte[] parseIp4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("not a dotted-quad IPv4 address: '" + s + "'");
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      out[i] = (byte) parseOctet(parts[i], s);
    }
    return out;
  }

  private static int parseOctet(String p, String whole) {
    if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
      throw new IllegalArgumentException("bad IPv4 octet '" + p + "' in '" + whole + "'");
    }
    int v = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException("bad IPv4 octet '" + p + "' in '" + whole + "'");
      }
      v = v * 10 + (c - '0');
    }
    if (v > 255) {
      throw new IllegalArgumentException("IPv4 octet " + v + " > 255 in '" + whole + "'");
    }
    return v;
  }

  static String formatIp4(byte[] b) {
    return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
  }

  static byte[] parseIp6(String s) {
    if (s.indexOf('%') >= 0) {
      throw new IllegalArgumentException("IPv6 zone ids are not supported: '" + s + "'");
    }
    int dc = s.indexOf("::");
    if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
      throw new IllegalArgumentException("IPv6 address with more than one '::': '" + s + "'");
    }
    List<Integer> head = new ArrayList<>();
    List<Integer> tail = new ArrayList<>();
    if (dc >= 0) {
      parseGroups(s.substring(0, dc), head, s, false);
      parseGroups(s.substring(dc + 2), tail, s, true);
    } else {
      parseGroups(s, head, s, true);
    }
    int total = head.size() + tail.size();
    if ((dc < 0 && total != 8) || (dc >= 0 && total > 7)) {
      throw new IllegalArgumentException("IPv6 address with wrong number of groups: '" + s + "'");
    }
    byte[] out = new byte[16];
    int i = 0;
    for (int g : head) {
      out[i++] = (byte) (g >>> 8);
      out[i++] = (byte) g;
    }
    i = 16 - tail.size() * 2;
    for (int g : tail) {
      out[i++] = (byte) (g >>> 8);
      out[i++] = (byte) g;
    }
    return out;
  }

  private static void parseGroups(String part, List<Integer> groups, String whole, boolean allowIp4Tail) {
    if (part.isEmpty()) {
      return;
    }
    String[] items = part.split(":", -1);
    for (int k = 0; k < items.length; k++) {
      String g = items[k];
      if (allowIp4Tail && k == items.length - 1 && g.indexOf('.') >= 0) {
        byte[] v4 = parseIp4(g);
        groups.add(((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF));
        groups.add(((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF));
        continue;
      }
      if (g.isEmpty() || g.length() > 4) {
        throw new IllegalArgumentException("bad IPv6 group '" + g + "' in '" + whole + "'");
      }
      int v = 0;
      for (int i = 0; i < g.length(); i++) {
        int d = Character.digit(g.charAt(i), 16);
        if (d < 0) {
          throw new IllegalArgumentException("bad IPv6 group '" + g + "' in '" + whole + "'");
        }
        v = (v << 4) | d;
      }
      groups.add(v);
    }
  }

  static String formatIp6(byte[] b) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    int bestStart = -1;
    int bestLen = 1; // RFC 5952: never compress a single zero group
    for (int i = 0; i < 8;) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }
}
