package io.warren.iot;

import java.util.List;
import java.util.Map;

/**
 * The MQTT broker of this node: its users, topic rules and bridges (kept in the store, so they
 * outlive restarts, and managed whether or not the listener is enabled), and what it serves now.
 * Calls that change state block on the store; misuse throws {@link IllegalArgumentException} with
 * what was expected.
 */
public interface IotBroker {

  /** Adds a user, or replaces its password; only a PBKDF2 hash of {@code password} is stored. */
  void setUser(String name, String password);

  boolean removeUser(String name);

  List<String> users();

  /** Allows {@code user} ({@code *}: every user, {@code anonymous}: clients without one) {@code access} on topics matching {@code pattern}. */
  AclRule addAcl(String user, String pattern, AclRule.Access access);

  boolean removeAcl(long id);

  List<AclRule> acls();

  /** Federates topics matching {@code filter} with every member of {@code network}. */
  Bridge bridge(String filter, String network);

  boolean unbridge(String filter);

  List<Bridge> bridges();

  List<TopicInfo> topics();

  List<ClientInfo> clients();

  /** Listener state and counters. */
  Map<String, Object> stats();

  /** A topic rule: {@code user} may publish, subscribe or both on topics matching {@code pattern}. */
  record AclRule(long id, String user, String pattern, Access access) {
    public enum Access {
      PUB, SUB, BOTH;

      public boolean allows(Access wanted) {
        return this == BOTH || this == wanted;
      }

      public static Access parse(String s) {
        try {
          return valueOf(s.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
          throw new IllegalArgumentException("access must be pub, sub or both, got '" + s + "'");
        }
      }
    }
  }

  /** A bridged filter, its network and how its links stand. */
  record Bridge(String filter, String network, String state) {}

  /** Traffic seen on one topic since start. */
  record TopicInfo(String topic, long messages, long bytes, boolean retained) {}

  /** A session: connected or kept for a client that comes back. */
  record ClientInfo(String clientId, String user, String address, String protocol, boolean connected,
      int subscriptions, int inflight, int queued) {}
}
