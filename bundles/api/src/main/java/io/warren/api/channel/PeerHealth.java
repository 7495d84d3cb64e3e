package io.warren.api.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Whether the peers a service forwards to (or takes connections from) can be reached over the
 * overlay now: every {@code interval}, each peer the service names gets one round of {@value #PING}
 * (32 random bytes echoed, libp2p's ping) through the {@link PeerDirectory}, so the check goes the
 * way a connection would, relay included. A peer is live after an answer within {@code timeout},
 * not live after a failure; a peer not checked yet counts as live. A service may also report a
 * failure it saw ({@link #failed}) so new connections avoid the peer before the next round.
 * Rounds run on the node's event loops; {@link #close} stops them.
 */
public final class PeerHealth implements AutoCloseable {
  /** libp2p's ping protocol, answered by every libp2p node. */
  public static final String PING = "/ipfs/ping/1.0.0";
  private static final int SIZE = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the last check of a peer found, and since when that has been so. */
  public record State(boolean live, Instant since, String detail) {}

  private final PeerDirectory directory;
  private final EventLoops loops;
  private final Supplier<? extends Collection<PeerRef>> peers;
  private final Duration timeout;
  private final Map<PeerRef, State> states = new ConcurrentHashMap<>();
  /** Peers whose check has not ended yet: a round skips them, so a slow dial never piles up checks. */
  private final Set<PeerRef> checking = ConcurrentHashMap.newKeySet();
  private final ScheduledFuture<?> rounds;

  /**
   * Starts checking {@code peers} (asked anew each round; peers no longer named are forgotten;
   * a supplier that throws skips that round) every {@code interval}, the first round at once.
   */
  public PeerHealth(PeerDirectory directory, EventLoops loops, Supplier<? extends Collection<PeerRef>> peers,
      Duration interval, Duration timeout) {
    if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the health check interval and timeout must be positive");
    }
    this.directory = directory;
    this.loops = loops;
    this.peers = peers;
    this.timeout = timeout;
    this.rounds = loops.group().scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether {@code peer} answered its last check (true when not checked yet). */
  public boolean live(PeerRef peer) {
    State s = states.get(peer);
    return s == null || s.live();
  }

  /** The last check of {@code peer}, or null when none ran yet. */
  public State state(PeerRef peer) {
    return states.get(peer);
  }

  /** Marks {@code peer} not live now (a connection to it failed), until a check answers. */
  public void failed(PeerRef peer, String why) {
    record(peer, false, why);
  }

  @Override
  public void close() {
    rounds.cancel(false);
  }

  private void round() {
    Set<PeerRef> named;
    try {
      named = Set.copyOf(peers.get());
    } catch (RuntimeException e) { // the supplier's failure skips this round; the schedule goes on
      return;
    }
    states.keySet().retainAll(named);
    for (PeerRef p : named) {
      if (!checking.add(p)) {
        continue;
      }
      check(p).whenComplete((rtt, err) -> {
        checking.remove(p);
        if (err == null) {
          record(p, true, "answered in " + rtt.toMillis() + " ms");
        } else {
          Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
              ? err.getCause() : err;
          record(p, false, c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage());
        }
      });
    }
  }

  private void record(PeerRef p, boolean live, String detail) {
    states.compute(p, (k, old) -> new State(live, old != null && old.live() == live ? old.since() : Instant.now(),
        detail));
  }

  /** One ping round trip to {@code peer}; completes with its time, or exceptionally saying why. */
  public CompletableFuture<Duration> check(PeerRef peer) {
    CompletableFuture<Duration> done = new CompletableFuture<>();
    ScheduledFuture<?> deadline = loops.group().schedule(
        () -> done.completeExceptionally(new java.util.concurrent.TimeoutException(
            "no answer within " + timeout.toMillis() + " ms")),
        timeout.toMillis(), TimeUnit.MILLISECONDS);
    done.whenComplete((d, e) -> deadline.cancel(false));
    long t0 = System.nanoTime();
    CompletableFuture<Stream> opened;
    try {
      opened = directory.open(peer, PING).toCompletableFuture();
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
      return done;
    }
    opened.whenComplete((stream, err) -> {
      if (err != null) {
        done.completeExceptionally(err);
        return;
      }
      if (done.isDone()) { // too late: the answer no longer counts
        stream.reset();
        return;
      }
      byte[] payload = new byte[SIZE];
      RANDOM.nextBytes(payload);
      stream.channel().eventLoop().execute(() -> {
        stream.channel().pipeline().addLast(new Echo(payload, done, t0));
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(payload));
        stream.channel().read();
      });
      done.whenComplete((d, e) -> stream.channel().close());
    });
    return done;
  }

  /** Reads the echo of {@code payload}. */
  private static final class Echo extends ChannelInboundHandlerAdapter {
    private final byte[] payload;
    private final CompletableFuture<Duration> done;
    private final long t0;
    private final ByteBuf got = Unpooled.buffer(SIZE);

    Echo(byte[] payload, CompletableFuture<Duration> done, long t0) {
      this.payload = payload;
      this.done = done;
      this.t0 = t0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        got.writeBytes(in, Math.min(in.readableBytes(), SIZE - got.readableBytes()));
      } finally {
        in.release();
      }
      if (got.readableBytes() < SIZE) {
        ctx.read();
        return;
      }
      if (ByteBufUtil.equals(got, Unpooled.wrappedBuffer(payload))) {
        done.complete(Duration.ofNanos(System.nanoTime() - t0));
      } else {
        done.completeExceptionally(new IllegalStateException("the ping answer differs from what was sent"));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      done.completeExceptionally(new IllegalStateException("the stream closed before the ping answer"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      done.completeExceptionally(cause);
      ctx.close();
    }
  }
}
