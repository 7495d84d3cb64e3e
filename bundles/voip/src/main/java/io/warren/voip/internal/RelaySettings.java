package io.warren.voip.internal;

/** The relay part of {@link VoipService.Config}, checked. */
record RelaySettings(boolean enabled, String bind, String address, int firstPort, int pairs, int maxSessions,
    int maxSessionsPerPeer, long idleNanos, int maxPacketsPerSecond) {

  static RelaySettings of(VoipService.Config c) {
    String[] range = c.relay_ports().strip().split("-");
    int lo;
    int hi;
    try {
      lo = Integer.parseInt(range[0].strip());
      hi = Integer.parseInt(range[range.length - 1].strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("io.warren.voip: relay.ports must be <first>-<last>, got " + c.relay_ports(),
          e);
    }
    if (range.length != 2 || lo < 1024 || hi > 65535 || hi - lo < 3) {
      throw new IllegalArgumentException(
          "io.warren.voip: relay.ports must be a range of at least 4 ports within 1024-65535, got " + c.relay_ports());
    }
    int first = lo % 2 == 0 ? lo : lo + 1;
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
    return new RelaySettings(c.relay_enabled(), c.relay_bind().strip(), address, first, (hi - first + 1) / 2,
        c.relay_max_sessions(), c.relay_max_sessions_per_peer(), c.relay_idle_timeout_seconds() * 1_000_000_000L,
        c.relay_max_packets_per_second());
  }
}
