package io.warren.libp2p.internal.host;

import io.warren.api.StreamHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The protocols this node answers on inbound streams: built-ins and the whiteboard's
 * {@link StreamHandler}s, changing while the node runs. The first handler registered for a
 * protocol serves it until it goes away.
 */
public final class ProtocolRegistry {
  private final ConcurrentMap<String, StreamHandler> handlers = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** Adds a handler; false (and nothing changes) if another handler already serves {@code protocol}. */
  public boolean add(String protocol, StreamHandler handler) {
    if (protocol == null || protocol.isBlank() || protocol.indexOf('\n') >= 0 || protocol.length() > 1000) {
      throw new IllegalArgumentException("invalid protocol id '" + protocol + "'");
    }
    boolean added = handlers.putIfAbsent(protocol, handler) == null;
    if (added) {
      listeners.forEach(Runnable::run);
    }
    return added;
  }

  /** Removes {@code handler} if it serves {@code protocol}. */
  public boolean remove(String protocol, StreamHandler handler) {
    boolean removed = protocol != null && handlers.remove(protocol, handler);
    if (removed) {
      listeners.forEach(Runnable::run);
    }
    return removed;
  }

  public StreamHandler get(String protocol) {
    return handlers.get(protocol);
  }

  /** The protocols served now, sorted. */
  public List<String> protocols() {
    List<String> p = new ArrayList<>(handlers.keySet());
    Collections.sort(p);
    return p;
  }

  /** Runs {@code listener} (on the thread that changed the registry) after each change. */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }
}
