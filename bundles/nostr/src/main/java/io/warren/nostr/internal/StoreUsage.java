package io.warren.nostr.internal;

import io.warren.nostr.Event;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The store's accounting and its {@link EventStore.Quota}: what one transaction changed per
 * author (kept in {@code nostr_usage} in the same transaction, and in the store's totals after it
 * commits), and the retention that deletes the oldest events of the authors over their share and
 * of the biggest writers while the store is over its total.
 */
final class StoreUsage {
  final Map<String, long[]> delta = new LinkedHashMap<>();
  long events;
  long bytes;

  void add(String pubkey, long n, long b) {
    long[] d = delta.computeIfAbsent(pubkey, k -> new long[2]);
    d[0] += n;
    d[1] += b;
    events += n;
    bytes += b;
  }

  static void apply(Connection c, Map<String, long[]> delta) throws SQLException {
    try (PreparedStatement update = c.prepareStatement(
        "UPDATE nostr_usage SET events = events + ?, bytes = bytes + ? WHERE pubkey = ?");
        PreparedStatement insert = c.prepareStatement(
            "INSERT INTO nostr_usage(pubkey, events, bytes) VALUES (?, ?, ?)")) {
      for (Map.Entry<String, long[]> d : delta.entrySet()) {
        if (d.getValue()[0] == 0 && d.getValue()[1] == 0) {
          continue;
        }
        update.setLong(1, d.getValue()[0]);
        update.setLong(2, d.getValue()[1]);
        update.setString(3, d.getKey());
        if (update.executeUpdate() == 0) {
          insert.setString(1, d.getKey());
          insert.setLong(2, d.getValue()[0]);
          insert.setLong(3, d.getValue()[1]);
          insert.executeUpdate();
        }
      }
    }
  }

  /** The quota, after a batch: the authors it touched first, then the total. */
  static void enforce(Connection c, EventStore.Quota quota, long totalEvents, long totalBytes, StoreUsage usage)
      throws SQLException {
    if (quota.equals(EventStore.Quota.NONE)) {
      return;
    }
    StoreUsage trimmed = new StoreUsage();
    if (quota.eventsPerPubkey() > 0 || quota.bytesPerPubkey() > 0) {
      for (String pubkey : new ArrayList<>(usage.delta.keySet())) {
        long[] u = usageOf(c, pubkey);
        if (quota.over(u[0], u[1], quota.eventsPerPubkey(), quota.bytesPerPubkey())) {
          trim(c, pubkey, excess(u[0], quota.eventsPerPubkey()), excess(u[1], quota.bytesPerPubkey()), trimmed);
        }
      }
    }
    // each round takes the biggest writer's oldest events; at most one round per author
    for (int round = 0; round < 100_000; round++) {
      long n = totalEvents + usage.events + trimmed.events;
      long b = totalBytes + usage.bytes + trimmed.bytes;
      if (!quota.over(n, b, quota.events(), quota.bytes())) {
        break;
      }
      boolean byBytes = quota.bytes() > 0 && b > quota.bytes();
      String biggest;
      try (PreparedStatement ps = c.prepareStatement("SELECT pubkey FROM nostr_usage WHERE events > 0 ORDER BY "
          + (byBytes ? "bytes" : "events") + " DESC LIMIT 1"); ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          break;
        }
        biggest = rs.getString(1);
      }
      long before = trimmed.events;
      trim(c, biggest, excess(n, quota.events()), excess(b, quota.bytes()), trimmed);
      if (trimmed.events == before) {
        break;
      }
    }
    for (Map.Entry<String, long[]> d : trimmed.delta.entrySet()) {
      usage.add(d.getKey(), d.getValue()[0], d.getValue()[1]);
    }
  }

  private static long excess(long value, long max) {
    return max > 0 ? Math.max(0, value - max) : 0;
  }

  private static long[] usageOf(Connection c, String pubkey) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT events, bytes FROM nostr_usage WHERE pubkey = ?")) {
      ps.setString(1, pubkey);
      try (ResultSet rs = ps.executeQuery()) {
        // the usage rows of this transaction's writes are already applied
        return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[2];
      }
    }
  }

  /**
   * Deletes {@code pubkey}'s oldest events until at least {@code events} events and {@code bytes}
   * bytes are gone (or none is left); records what went in {@code trimmed} (negative).
   */
  private static void trim(Connection c, String pubkey, long events, long bytes, StoreUsage trimmed)
      throws SQLException {
    long goneEvents = 0;
    long goneBytes = 0;
    try (PreparedStatement oldest = c.prepareStatement(
        "SELECT json, size FROM nostr_event WHERE pubkey = ? ORDER BY created_at ASC, id_key DESC LIMIT 256");
        PreparedStatement delete = c.prepareStatement(EventStore.DELETE_EVENT);
        PreparedStatement deleteTag = c.prepareStatement(EventStore.DELETE_TAG)) {
      while (goneEvents < events || goneBytes < bytes) {
        oldest.setString(1, pubkey);
        boolean any = false;
        try (ResultSet rs = oldest.executeQuery()) {
          while (rs.next() && (goneEvents < events || goneBytes < bytes)) {
            any = true;
            EventStore.delete(delete, deleteTag, Event.parse(rs.getString(1)));
            goneEvents++;
            goneBytes += rs.getInt(2);
          }
        }
        if (!any) {
          break;
        }
      }
    }
    if (goneEvents > 0) {
      trimmed.add(pubkey, -goneEvents, -goneBytes);
      apply(c, Map.of(pubkey, new long[] {-goneEvents, -goneBytes}));
    }
  }
}
