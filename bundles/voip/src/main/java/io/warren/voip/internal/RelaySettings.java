package io.warren.voip.internal;

/**
 * The relay part of {@link VoipConfig}, checked; {@link #forDevices} the same for the port pairs of
 * device calls at this node. {@code maxKbps} caps each leg's bytes (0: the packet rate only).
 */
record RelaySettings(boolean enabled, String bind, String address, int firstPort, int pairs, int maxSessions,
    int maxSessionsPerPeer, long idleNanos, int maxPacketsPerSecond, int maxKbps) {

  static RelaySettings of(VoipConfig c) {
    int[] range = PortPairs.parse("relay.ports", c.relay_ports());
    if (c.relay_max_sessions() < 1 || c.relay_max_sessions_per_peer() < 1 || c.relay_idle_timeout_seconds() < 1
        || c.relay_max_packets_per_second() < 1) {
      throw new IllegalArgumentException(
          "io.warren.voip: relay.max.sessions, relay.max.sessions.per.peer, relay.idle.timeout.seconds and relay.max.packets.per.second must be at least 1");
    }
    String address = c.relay_address().strip();
    if (c.relay_enabled() && address.isEmpty()) {
      throw new IllegalArgumentException(
          "io.warren.voip: relay.enabled needs relay.address, the address endpoints send their RTP to");
    }
    return new RelaySettings(c.relay_enabled(), c.relay_bind().strip(), address, range[0], range[1],
        c.relay_max_sessions(), c.relay_max_sessions_per_peer(), c.relay_idle_timeout_seconds() * 1_000_000_000L,
        c.relay_max_packets_per_second(), 0);
  }

  /**
   * Device legs: announced as {@code address}, {@code max.calls} at once (the per-device limit is
   * the device calls' own), the relay's packet rate and idle timeout, and {@code media.max.kbps}.
   */
  static RelaySettings forDevices(VoipConfig c, String bind, String address) {
    RelaySettings r = of(c);
    return new RelaySettings(true, bind, address, 0, 0, c.max_calls(), c.max_calls(), r.idleNanos(),
        r.maxPacketsPerSecond(), c.media_max_kbps());
  }
}
