package io.warren.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.warren.api.PeerRef;
import io.warren.proxy.Rule;
import java.util.concurrent.atomic.AtomicLong;

/** A rule and what belongs to it while it is active: its listener, connections and counters. */
final class ActiveRule {
  final Rule rule;
  /** The rule's peer, as stored ({@code scheme:id}). */
  final PeerRef peer;
  final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  volatile Channel listener;
  volatile String state = "starting";
  final AtomicLong total = new AtomicLong();
  final AtomicLong failures = new AtomicLong();
  final AtomicLong bytesOut = new AtomicLong();
  final AtomicLong bytesIn = new AtomicLong();

  ActiveRule(Rule rule) {
    this.rule = rule;
    this.peer = stored(rule.peer());
  }

  /**
   * The reference a stored rule names. Rules are stored in {@link PeerRef}'s text form; one whose
   * id does not parse (written before ids were checked) is kept as it is, so it still loads, can
   * be listed and removed, and only its connections fail.
   */
  static PeerRef stored(String text) {
    try {
      return PeerRef.parse(text);
    } catch (IllegalArgumentException e) {
      int colon = text.indexOf(':');
      return colon > 0 ? new PeerRef(text.substring(0, colon), text.substring(colon + 1))
          : new PeerRef("unknown", text);
    }
  }

  void close() {
    Channel l = listener;
    if (l != null) {
      l.close();
    }
    connections.close();
  }
}
