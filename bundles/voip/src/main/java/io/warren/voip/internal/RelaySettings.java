package io.warren.voip.internal;

/** The relay part of {@link VoipConfig}, checked. */
record RelaySettings(boolean enabled, String bind, String address, int firstPort, int pairs, int maxSessions,
    int maxSessionsPerPeer, long idleNanos, int maxPacketsPerSecond) {

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
        c.relay_max_packets_per_second());
  }
}
