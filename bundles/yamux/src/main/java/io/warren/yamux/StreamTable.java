package io.warren.yamux;

import io.netty.channel.ChannelHandler;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's streams by id, with what bounds them: stream ids (ours odd on the dialer's side, even
 * on the listener's; the peer's must increase), the peer's concurrent streams
 * ({@link YamuxConfig#maxInboundStreams()}), our opened streams the peer has not acknowledged yet
 * ({@link YamuxConfig#maxAckBacklog()}), and opens waiting for that backlog to shrink (oldest first,
 * at most {@link #MAX_WAITING_OPENS}). Event loop only, except {@link #size()}.
 */
final class StreamTable {
  static final int MAX_WAITING_OPENS = 8192;

  /** An open waiting for the ACK backlog. */
  record WaitingOpen(ChannelHandler initializer, Promise<YamuxStreamChannel> promise) {}

  private final boolean client;
  private final YamuxConfig config;
  private final IntObjectMap<YamuxStreamChannel> streams = new IntObjectHashMap<>();
  private final ArrayDeque<WaitingOpen> waitingOpens = new ArrayDeque<>();
  private long nextStreamId;
  private long lastRemoteStreamId;
  private int ackBacklog;
  private int inboundStreams;

  StreamTable(boolean client, YamuxConfig config) {
    this.client = client;
    this.config = config;
    this.nextStreamId = client ? 1 : 2;
  }

  YamuxStreamChannel get(int id) {
    return streams.get(id);
  }

  int size() {
    return streams.size();
  }

  int ackBacklog() {
    return ackBacklog;
  }

  // ---- our streams ----

  /** Whether a new open must wait for the peer to acknowledge earlier ones. */
  boolean mustWait() {
    return ackBacklog >= config.maxAckBacklog();
  }

  /** Queues an open for later; false if too many wait already. */
  boolean enqueue(WaitingOpen open) {
    if (waitingOpens.size() >= MAX_WAITING_OPENS) {
      return false;
    }
    waitingOpens.add(open);
    return true;
  }

  int waiting() {
    return waitingOpens.size();
  }

  /** The next waiting open the backlog allows now, or null. */
  WaitingOpen nextWaiting() {
    return mustWait() ? null : waitingOpens.poll();
  }

  /** The id for our next stream, or -1 once ids are exhausted. */
  long nextOutboundId() {
    if (nextStreamId > StreamWindow.MAX_UINT32) {
      return -1;
    }
    long id = nextStreamId;
    nextStreamId += 2;
    return id;
  }

  void addOutbound(YamuxStreamChannel stream) {
    streams.put(stream.streamId(), stream);
    ackBacklog++;
  }

  /** The peer acknowledged {@code stream}; true if that freed a place in the backlog. */
  boolean acknowledged(YamuxStreamChannel stream) {
    if (stream.isOutbound() && !stream.acked) {
      stream.acked = true;
      ackBacklog--;
      return true;
    }
    return false;
  }

  // ---- the peer's streams ----

  /**
   * Checks the id of a stream the peer opens and records it as the last one; returns the protocol
   * error, or null if the id is fine.
   */
  String checkRemoteId(int id) {
    String ids = Integer.toUnsignedString(id);
    if (((id & 1) == 1) == client) {
      return "yamux: peer opened stream " + ids + " with our id parity (" + (client ? "odd" : "even") + ")";
    }
    if (streams.containsKey(id)) {
      return "yamux: stream id " + ids + " reused while the stream is open";
    }
    long unsigned = Integer.toUnsignedLong(id);
    if (unsigned <= lastRemoteStreamId) {
      return "yamux: stream id " + ids + " reused (ids must increase, last was " + lastRemoteStreamId + ")";
    }
    lastRemoteStreamId = unsigned;
    return null;
  }

  /** Whether the peer has as many streams open as it may. */
  boolean inboundFull() {
    return inboundStreams >= config.maxInboundStreams();
  }

  int inboundCount() {
    return inboundStreams;
  }

  void addInbound(YamuxStreamChannel stream) {
    streams.put(stream.streamId(), stream);
    inboundStreams++;
  }

  // ---- both ----

  /** Forgets {@code stream}; true if that freed a place in the ACK backlog. */
  boolean remove(YamuxStreamChannel stream) {
    if (streams.remove(stream.streamId()) == null) {
      return false;
    }
    if (!stream.isOutbound()) {
      inboundStreams--;
      return false;
    }
    if (!stream.acked) {
      ackBacklog--;
      return true;
    }
    return false;
  }

  /** A snapshot of the streams, safe to iterate while they change. */
  List<YamuxStreamChannel> snapshot() {
    return new ArrayList<>(streams.values());
  }

  /** Empties the table (the session closed); returns the streams and the waiting opens it held. */
  List<YamuxStreamChannel> clear(List<WaitingOpen> waitingOut) {
    waitingOut.addAll(waitingOpens);
    waitingOpens.clear();
    List<YamuxStreamChannel> all = snapshot();
    streams.clear();
    return all;
  }
}
