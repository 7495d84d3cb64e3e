package io.warren.nostr.internal;

import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who may open what on this device, fail closed.
 *
 * <ul>
 * <li>A key in {@code block} is refused everything, public services included.</li>
 * <li>A public service is open to any other key.</li>
 * <li>Everything else (private services, whiteboard protocols) needs the requester's key in
 *     {@code allow} (or this device's own key). For requests through the relay's HTTP gateway the
 *     requester is the relay, so the key that counts is the NIP-98 event's ({@code auth} tag),
 *     checked again here: kind, time, signature, and a URL naming this device and service (by
 *     {@code /tunnel/<device>/<service>} or by the device's own gateway host, see
 *     {@link GatewayHosts}).</li>
 * </ul>
 */
public record DevicePolicy(String self, Set<String> allow, Set<String> block) {
  private static final int MAX_SEEN = 10_000;

  public DevicePolicy {
    allow = Set.copyOf(allow);
    block = Set.copyOf(block);
  }

  /**
   * Whether {@code request} (already checked with {@link TunnelWire#checkRequest}) may reach
   * {@code service} (null for a whiteboard protocol).
   *
   * @return null, or the refusal (a NIP-01 style reason)
   */
  public String refusal(Event request, DeviceService service, long now) {
    String principal = request.pubkey();
    boolean gateway = request.firstTagValue("gateway").isPresent();
    String auth = request.firstTagValue("auth").orElse(null);
    if (gateway && auth != null) {
      Event a;
      try {
        a = Event.parse(auth);
        Nip98.checkEvent(a, now);
      } catch (NostrException e) {
        return "invalid: Authorization: " + e.getMessage();
      }
      if (service == null || !urlNames(a.firstTagValue("u").orElse(""), service.name())) {
        return "invalid: Authorization: the u tag does not name this device's service";
      }
      principal = a.pubkey();
    }
    if (block.contains(principal) || block.contains(request.pubkey())) {
      return "blocked: this key is blocked by the device";
    }
    if (service != null && service.isPublic()) {
      return null;
    }
    if (gateway && auth == null) {
      return "restricted: service " + (service == null ? "" : service.name())
          + " is not public; authorize with NIP-98 from an allowed key";
    }
    if (principal.equals(self) || allow.contains(principal)) {
      return null;
    }
    return "restricted: key " + TunnelWire.callsign(principal) + " is not in this device's allow list";
  }

  /**
   * Whether a NIP-98 URL names this device and {@code service}: {@code .../tunnel/<this device>/<service>...} on
   * the relay's origin, or {@code //<this device's npub>.<gateway domain>/<service>...} on its own gateway host.
   */
  private boolean urlNames(String url, String service) {
    String path;
    String host;
    try {
      URI u = new URI(url);
      path = u.getRawPath();
      host = u.getHost();
    } catch (Exception e) {
      return false;
    }
    if (path == null) {
      return false;
    }
    if (host != null && GatewayHosts.hostName(host).startsWith(TunnelWire.npub(self) + ".")) {
      String[] parts = path.split("/", 3);
      return parts.length >= 2 && parts[1].equals(service);
    }
    int i = path.indexOf("/tunnel/");
    if (i < 0) {
      return false;
    }
    String[] parts = path.substring(i + 8).split("/", 3);
    if (parts.length < 2 || !parts[1].equals(service)) {
      return false;
    }
    try {
      TunnelWire.DeviceRef r = TunnelWire.parseDevice(parts[0]);
      return r.hex() != null ? r.hex().equals(self) : r.callsign().equals(TunnelWire.callsign(self));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Event ids seen recently, to refuse a replayed request. Thread-safe. */
  public static final class Seen {
    private final Map<String, Long> ids = new LinkedHashMap<>(256, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> e) {
        return size() > MAX_SEEN;
      }
    };

    /** False if {@code id} was seen within the request window. */
    public synchronized boolean add(String id, long now) {
      Long t = ids.get(id);
      if (t != null && now - t <= 2L * TunnelWire.REQUEST_WINDOW_SECONDS) {
        return false;
      }
      ids.put(id, now);
      return true;
    }
  }
}
