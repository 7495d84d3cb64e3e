package io.warren.libp2p.internal;

import io.warren.libp2p.internal.dcutr.DialBudget;
import io.warren.libp2p.internal.host.HostConfig;
import io.warren.libp2p.internal.host.ResourceScopes;
import io.warren.libp2p.internal.relay.CircuitRelay;
import java.time.Duration;

/**
 * {@link Libp2pTransport.Config}, validated: the parts' settings built from it. The defaults live
 * only in the annotation; a bad value throws here, so SCR shows why the transport is not active.
 *
 * @param host listeners, limits and timeouts of the host
 * @param reachability {@code auto}, {@code public} or {@code private}
 * @param autonatServer dial peers back for AutoNAT
 * @param relayClientMax relay reservations a private node keeps
 * @param dcutr upgrade relayed connections to direct ones, within this dial budget (null: off)
 * @param hopEnabled relay for anyone, within {@code relayLimits}
 * @param hopMembers relay for trusted peers even when {@code hopEnabled} is off
 * @param relayLimits what the relay hop grants
 */
record Libp2pSettings(HostConfig host, String reachability, boolean autonatServer, int relayClientMax, DialBudget dcutr,
    boolean hopEnabled, boolean hopMembers, CircuitRelay.Limits relayLimits) {

  /** Validates {@code c}; {@code listen} are its listen addresses after {@link ListenPorts} (remembered ports). */
  static Libp2pSettings from(Libp2pTransport.Config c, String[] listen) {
    ResourceScopes.Limits scopes = new ResourceScopes.Limits(c.max_connections(), c.max_transient_connections(),
        c.max_transient_connections_per_ip(), c.max_connections_per_ip(), c.max_connections_per_peer(),
        c.max_streams_per_peer(), c.max_streams_per_protocol(), c.max_negotiating_streams_per_peer());
    HostConfig host = new HostConfig(HostConfig.parseListen(listen), scopes, c.max_streams_per_connection(),
        seconds("negotiation.timeout.seconds", c.negotiation_timeout_seconds()),
        seconds("dial.timeout.seconds", c.dial_timeout_seconds()), c.yamux_max_control_backlog(),
        java.util.Arrays.stream(String.join(",", c.security_protocols()).split(",")).map(String::strip)
            .filter(x -> !x.isEmpty()).toList(),
        c.quic_enabled());
    if (!java.util.List.of("auto", "public", "private").contains(c.reachability())) {
      throw new IllegalArgumentException(
          "reachability must be auto, public or private, got '" + c.reachability() + "'");
    }
    if (!java.util.List.of("off", "members", "all").contains(c.dcutr_birthday())) {
      throw new IllegalArgumentException(
          "dcutr.birthday must be off, members or all, got '" + c.dcutr_birthday() + "'");
    }
    if (c.relay_client_max() < 0) {
      throw new IllegalArgumentException("relay.client.max must not be negative, got " + c.relay_client_max());
    }
    if (c.relay_max_reservations() < 0 || c.relay_max_circuits() < 0 || c.relay_circuit_seconds() < 0
        || c.relay_circuit_bytes() < 0) {
      throw new IllegalArgumentException("relay.* limits must not be negative");
    }
    CircuitRelay.Limits limits = new CircuitRelay.Limits(c.relay_max_reservations(), c.relay_max_circuits(),
        Duration.ofSeconds(c.relay_circuit_seconds()), c.relay_circuit_bytes(),
        seconds("relay.reservation.seconds", c.relay_reservation_seconds()));
    DialBudget dcutr = c.dcutr_enabled()
        ? new DialBudget(c.dcutr_max_dials_per_peer_per_minute(), c.dcutr_max_dials_per_minute())
        : null;
    return new Libp2pSettings(host, c.reachability(), c.autonat_server(), c.relay_client_max(), dcutr,
        c.relay_hop_enabled(), c.relay_hop_members(), limits);
  }

  /** Whether AutoNAT decides reachability: {@code auto} with something to be dialled at. */
  boolean useAutonat() {
    return reachability.equals("auto") && !host.listen().isEmpty();
  }

  /** Private by configuration, or {@code auto} without a listen address. */
  boolean isPrivate() {
    return reachability.equals("private") || (reachability.equals("auto") && host.listen().isEmpty());
  }

  /** Reachability decided without AutoNAT: {@code status} public or private, {@code source} why. */
  record Fixed(String status, String source) {}

  /** Whether this node is public or private, and why, when AutoNAT does not decide it; null when it does. */
  Fixed fixedReachability() {
    if (useAutonat()) {
      return null;
    }
    if (isPrivate()) {
      return new Fixed("private", host.listen().isEmpty() ? "no listen address" : "configured");
    }
    return new Fixed("public", "configured");
  }

  private static Duration seconds(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
    return Duration.ofSeconds(value);
  }
}
