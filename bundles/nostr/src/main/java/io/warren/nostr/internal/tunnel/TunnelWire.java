package io.warren.nostr.internal.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.warren.identity.Bech32;
import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.Json;
import io.warren.yamux.Yamux;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The device layer's wire format, shared by the relay and the device client.
 *
 * <ul>
 * <li>A device authenticates with NIP-42, then sends a signed {@value #HELLO_KIND} event (EVENT
 *     message) whose author must be the authenticated key. The relay answers OK and from then on
 *     binary WebSocket messages on that connection carry a Yamux session (the device dialled, so it
 *     is the Yamux client, odd stream ids).</li>
 * <li>Services are addressable events of kind {@value #SERVICE_KIND}: {@code d} = service name,
 *     tags {@code protocol} (tcp or http), {@code public} (true/false), {@code w} (the device's
 *     callsign, for lookup by callsign), content = description.</li>
 * <li>A tunnel is a Yamux stream. Its first bytes are a header (4-byte big-endian length + UTF-8
 *     JSON): the opener sends a signed ephemeral {@value #REQUEST_KIND} event with tags
 *     {@code p} (the device's hex key), {@code protocol} (a protocol id; services are
 *     {@value #SERVICE_PREFIX}{@code <name>}) and {@code nonce} (random, so no two requests share
 *     an id), optionally {@code gateway} and {@code auth} (a NIP-98 event). The answer is a header {@code ["OK", true|false, "reason"]}; after OK true the
 *     stream carries the protocol's bytes.</li>
 * </ul>
 */
public final class TunnelWire {
  public static final int HELLO_KIND = 25910;
  public static final int REQUEST_KIND = 25911;
  public static final int SERVICE_KIND = 35910;
  /** A device's own addressable announcement (d = "", w = callsign, content = its name), so a callsign resolves even without services. */
  public static final int DEVICE_KIND = 35911;
  /** NIP-98 HTTP auth. */
  public static final int HTTP_AUTH_KIND = 27235;
  public static final String SERVICE_PREFIX = "/warren/service/";
  /** Seconds a tunnel request or NIP-98 event may be away from now. */
  public static final int REQUEST_WINDOW_SECONDS = 60;
  /** Largest tunnel header. */
  public static final int MAX_HEADER = 64 * 1024;
  public static final int CALLSIGN_LENGTH = 12;

  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CALLSIGN = Pattern.compile("[a-z0-9]{" + CALLSIGN_LENGTH + "}");
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  /**
   * A device as a user names it: {@code hex} is known for a hex key or an npub; a callsign needs a
   * lookup (then {@code hex} is null).
   */
  public record DeviceRef(String hex, String callsign) {}

  private TunnelWire() {}

  /** The callsign of a public key: the first 12 characters of its npub after {@code npub1}. */
  public static String callsign(String hex) {
    return Bech32.encode("npub", HexFormat.of().parseHex(hex)).substring(5, 5 + CALLSIGN_LENGTH);
  }

  public static String npub(String hex) {
    return Bech32.encode("npub", HexFormat.of().parseHex(hex));
  }

  /**
   * Parses a device name: a 64-character hex key, an npub, or a callsign ({@value #CALLSIGN_LENGTH}
   * characters a-z and 0-9). Anything else (a path, {@code ../}, upper case) is refused.
   */
  public static DeviceRef parseDevice(String text) {
    if (text == null) {
      throw new IllegalArgumentException("no device given");
    }
    String t = text.trim();
    if (HEX64.matcher(t).matches()) {
      return new DeviceRef(t, callsign(t));
    }
    if (t.startsWith("npub1")) {
      Bech32.Decoded d;
      try {
        d = Bech32.decode(t);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid npub: " + e.getMessage(), e);
      }
      if (!d.hrp().equals("npub") || d.data().length != 32) {
        throw new IllegalArgumentException("invalid npub: not a 32-byte public key");
      }
      String hex = HexFormat.of().formatHex(d.data());
      return new DeviceRef(hex, callsign(hex));
    }
    if (CALLSIGN.matcher(t).matches()) {
      return new DeviceRef(null, t);
    }
    throw new IllegalArgumentException(
        "invalid device '" + printable(t) + "': expected a 64-character hex key, an npub1... or a "
            + CALLSIGN_LENGTH + "-character callsign (a-z, 0-9)");
  }

  /** Parses a public key given as hex or npub (allow and block lists). */
  public static String parseKey(String text) {
    DeviceRef r = parseDevice(text);
    if (r.hex() == null) {
      throw new IllegalArgumentException("expected a 64-character hex key or an npub, got '" + printable(text) + "'");
    }
    return r.hex();
  }

  public static boolean validServiceName(String name) {
    return name != null && SERVICE_NAME.matcher(name).matches();
  }

  /** Quotes untrusted text for a message: at most 80 characters, control characters escaped. */
  public static String printable(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder sb = new StringBuilder();
    for (char c : t.toCharArray()) {
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return sb.toString();
  }

  /** A header frame: length + UTF-8 JSON. */
  public static ByteBuf header(ByteBufAllocator alloc, String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ByteBuf buf = alloc.buffer(4 + b.length);
    buf.writeInt(b.length).writeBytes(b);
    return buf;
  }

  /** The answer to a tunnel request. */
  public static String answer(boolean accepted, String reason) {
    return Json.write(List.of("OK", accepted, reason));
  }

  /** Answers a tunnel request on {@code stream} with a refusal, then ends the stream (FIN, then close). */
  public static void refuse(Channel stream, String reason) {
    stream.writeAndFlush(header(stream.alloc(), answer(false, reason)))
        .addListener(f -> Yamux.shutdownOutput(stream).addListener(x -> stream.close()));
  }

  /** Parses an answer header; returns null when accepted, else the reason. */
  public static String refusal(String json) {
    Object o;
    try {
      o = Json.parse(json);
    } catch (NostrException e) {
      return "error: malformed tunnel answer";
    }
    if (o instanceof List<?> l && l.size() == 3 && "OK".equals(l.get(0)) && l.get(1) instanceof Boolean b
        && l.get(2) instanceof String reason) {
      return b ? null : reason.isEmpty() ? "refused" : reason;
    }
    return "error: malformed tunnel answer";
  }

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * A {@code nonce} tag: two requests for the same device and protocol in the same second would
   * otherwise be the same event (same id), and the device refuses a replayed id.
   */
  public static List<String> nonce() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return List.of("nonce", HexFormat.of().formatHex(b));
  }

  /** The protocol a request asks for. */
  public static String protocolOf(Event request) {
    return request.firstTagValue("protocol").orElse("");
  }

  /**
   * Checks what the relay and the device both check in a tunnel request: kind, signature,
   * freshness, a protocol tag, a p tag.
   *
   * @return the target device's hex key
   * @throws NostrException saying what is wrong
   */
  public static String checkRequest(Event e, long nowSeconds) {
    if (e.kind() != REQUEST_KIND) {
      throw new NostrException("a tunnel request must be of kind " + REQUEST_KIND);
    }
    if (Math.abs(nowSeconds - e.createdAt()) > REQUEST_WINDOW_SECONDS) {
      throw new NostrException("created_at is more than " + REQUEST_WINDOW_SECONDS + " s from now");
    }
    String p = e.firstTagValue("p").orElseThrow(() -> new NostrException("no p tag naming the device"));
    if (!HEX64.matcher(p).matches()) {
      throw new NostrException("the p tag must hold a 64-character hex key");
    }
    String protocol = protocolOf(e);
    if (protocol.isEmpty() || protocol.length() > 256) {
      throw new NostrException("no protocol tag (or longer than 256 characters)");
    }
    e.verify();
    return p;
  }
}
