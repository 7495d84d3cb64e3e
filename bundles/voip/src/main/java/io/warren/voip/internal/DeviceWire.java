package io.warren.voip.internal;

import io.warren.api.LocalRelay;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Call signalling with Nostr devices as signed events on this node's relay (documented in the
 * README's VoIP section). Ephemeral kinds, so the relay passes them to live subscriptions and keeps
 * none, next to the device layer's (25910, 25911) and the IoT bridge's (25912):
 *
 * <pre>
 * 25920 request  device: ["p", callee hex], ["codecs", "pcmu,opus"], ["peer", node] (only with p = the node)
 *                node, to a callee device: ["p", callee], ["call", id], ["codecs", ...], ["from", caller hex]
 * 25921 ringing  node, to the caller device: ["p", caller], ["call", id], ["e", request id]
 * 25922 accept   device (the callee): ["p", node], ["call", id], ["codec", c] (optional: the first offered)
 *                node, to each device: ["p", device], ["call", id], ["codec", c], ["rtp", ip:port], ["rtcp", ip:port]
 * 25923 hangup   device: ["p", node], ["call", id], content: a reason (optional)
 *                node: ["p", device], ["call", id], ["reason", word], content: the detail
 * 25924 error    node: ["p", device], ["e", the event refused], ["call", id] (when known), content: why
 * </pre>
 *
 * A call a device places takes the first 16 hex digits of its request's id as its id.
 */
final class DeviceWire {
  static final int REQUEST = 25920;
  static final int RINGING = 25921;
  static final int ACCEPT = 25922;
  static final int HANGUP = 25923;
  static final int ERROR = 25924;
  static final List<Integer> KINDS = List.of(REQUEST, RINGING, ACCEPT, HANGUP, ERROR);
  /** The longest reason a hangup may carry. */
  static final int MAX_REASON = 200;
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CALL_ID = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern PEER = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private DeviceWire() {}

  /**
   * What a device asked, checked.
   *
   * @param call the call's id (for a request: the first 16 digits of the event's id)
   * @param callee for a request, the callee's key (hex)
   * @param peer for a request to the node, the network's node to call, or null (the node's console)
   * @param codecs for a request, the offered codecs
   * @param codec for an accept, the chosen codec, or null
   * @param reason for a hangup, the reason given, or empty
   */
  record Msg(int kind, String call, String callee, String peer, List<String> codecs, String codec, String reason) {}

  /** The message {@code e} carries; throws saying what is wrong (kind, a missing or bad tag, a long reason). */
  static Msg parse(LocalRelay.Event e) {
    return switch (e.kind()) {
      case REQUEST -> {
        String callee = required(e, "p");
        if (!KEY.matcher(callee).matches()) {
          throw new IllegalArgumentException("[\"p\", callee] must be 64 lowercase hex digits, got " + cut(callee));
        }
        String offered = required(e, "codecs");
        List<String> codecs;
        try {
          codecs = Codecs.parse(offered);
        } catch (IllegalArgumentException bad) {
          throw new IllegalArgumentException("[\"codecs\", ...]: " + bad.getMessage(), bad);
        }
        String peer = e.tag("peer");
        if (peer != null && !PEER.matcher(peer).matches()) {
          throw new IllegalArgumentException("[\"peer\", node] must be a node name or peer ID, got " + cut(peer));
        }
        yield new Msg(REQUEST, e.id().substring(0, 16), callee, peer, codecs, null, "");
      }
      case ACCEPT -> {
        String codec = e.tag("codec");
        if (codec != null) {
          try {
            codec = Codecs.parse(codec).get(0);
          } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException("[\"codec\", c]: " + bad.getMessage(), bad);
          }
        }
        yield new Msg(ACCEPT, callId(e), null, null, List.of(), codec, "");
      }
      case HANGUP -> {
        if (e.content().length() > MAX_REASON) {
          throw new IllegalArgumentException("a hangup's reason is at most " + MAX_REASON + " characters");
        }
        yield new Msg(HANGUP, callId(e), null, null, List.of(), null, e.content().strip());
      }
      case RINGING, ERROR -> throw new IllegalArgumentException("kind " + e.kind() + " is sent by the node only");
      default -> throw new IllegalArgumentException("kind " + e.kind() + " is not a voip event (expected "
          + REQUEST + ", " + ACCEPT + " or " + HANGUP + ")");
    };
  }

  private static String callId(LocalRelay.Event e) {
    String id = required(e, "call");
    if (!CALL_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("[\"call\", id] must be 16 lowercase hex digits, got " + cut(id));
    }
    return id;
  }

  private static String required(LocalRelay.Event e, String name) {
    String v = e.tag(name);
    if (v == null) {
      throw new IllegalArgumentException("no [\"" + name + "\", ...] tag");
    }
    return v;
  }

  private static String cut(String s) {
    return s.length() > 70 ? s.substring(0, 70) + "..." : s;
  }

  // ---- the node's events: tags

  static List<List<String>> request(String callee, String call, List<String> codecs, String from) {
    return List.of(List.of("p", callee), List.of("call", call), List.of("codecs", String.join(",", codecs)),
        List.of("from", from));
  }

  /** A request for a call a node of the network ({@code peer}, its peer ID) placed to this node's device. */
  static List<List<String>> request(String callee, String call, List<String> codecs, String from, String peer) {
    List<List<String>> tags = new ArrayList<>(request(callee, call, codecs, from));
    tags.add(List.of("peer", peer));
    return tags;
  }

  static List<List<String>> ringing(String caller, String call, String requestId) {
    return List.of(List.of("p", caller), List.of("call", call), List.of("e", requestId));
  }

  /** An accept telling {@code device} the codec and where to send its RTP (RTCP: {@code rtcp}). */
  static List<List<String>> accept(String device, String call, String codec, String host, int rtpPort) {
    return List.of(List.of("p", device), List.of("call", call), List.of("codec", codec),
        List.of("rtp", host + ":" + rtpPort), List.of("rtcp", host + ":" + (rtpPort + 1)));
  }

  static List<List<String>> hangup(String device, String call, String reason) {
    return List.of(List.of("p", device), List.of("call", call), List.of("reason", reason));
  }

  static List<List<String>> error(String device, String eventId, String call) {
    List<List<String>> tags = new ArrayList<>(List.of(List.of("p", device), List.of("e", eventId)));
    if (call != null) {
      tags.add(List.of("call", call));
    }
    return tags;
  }
}
