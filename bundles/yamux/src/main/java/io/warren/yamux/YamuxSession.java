package io.warren.yamux;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.warren.api.ProtocolException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Yamux session on a secured connection: place it after a {@link YamuxFrameDecoder} (see
 * {@link #addAfter}). Streams are {@link YamuxStreamChannel}s: the dialer's side opens odd ids, the
 * listener's side even ids; streams the peer opens get {@code inboundInitializer} (which must be
 * {@code @Sharable}, e.g. a ChannelInitializer) and are acknowledged at once.
 *
 * <p>This class reads frames and runs the session's life; its parts have their own classes: the
 * stream table with its limits ({@link StreamTable}), per-stream flow control with window
 * auto-tuning ({@link StreamWindow}), pings ({@link Pings}) and the frames we send
 * ({@link FrameWriter}).
 *
 * <p>Protocol errors (unknown frame type, a version other than 0, a data frame announcing more than
 * the window allows, seen on its header before its body is buffered, a window update overflowing
 * 2^32-1, a reused stream id, a stream opened with our parity, more than
 * {@link YamuxConfig#maxControlBacklog()} of our control frames left unread) log one line, send
 * GO_AWAY(protocol error) and close this connection only.
 *
 * <p>All methods must be called on the connection's event loop, except {@link #openStream},
 * {@link #ping} and {@link #goAway}, which hop onto it.
 *
 * <p>Length: a little over 400 lines because frame dispatch, stream accept and the session's
 * shutdown share its state (going away, failed, closed); the parts that stand alone are split out.
 *
 * <p>Why one class of this size: it is the frame dispatcher and the session's life (go-away,
 * close, errors) over the parts named above; each frame type's handling is a few lines that read
 * the same session state.
 */
public final class YamuxSession extends ChannelInboundHandlerAdapter {

  public static final String DECODER_NAME = "yamux-decoder";
  public static final String HANDLER_NAME = "yamux";
  /** Data frames are cut so header + data fit one Noise transport message (65519 bytes). */
  static final int MAX_DATA_FRAME = 65519 - YamuxFrame.HEADER_LENGTH;

  private static final Logger LOG = LoggerFactory.getLogger(YamuxSession.class);

  private final boolean client;
  private final YamuxConfig config;
  private final ChannelHandler inboundInitializer;
  private final StreamTable streams;
  private final Pings pings;
  private ChannelHandlerContext ctx;
  private FrameWriter out;
  private boolean started;
  private boolean localGoAway;
  private volatile boolean remoteGoAway;
  private boolean failed;
  private boolean closed;
  /** The connection is in a read: between a channelRead and its channelReadComplete. */
  private boolean reading;
  /** Streams handed data in the connection's current read, to end their reads with it. */
  private final ArrayList<YamuxStreamChannel> readCompletes = new ArrayList<>();

  /**
   * @param client true on the dialer's side of the connection (odd stream ids)
   * @param inboundInitializer handler added to each stream the peer opens
   */
  public YamuxSession(boolean client, YamuxConfig config, ChannelHandler inboundInitializer) {
    this.client = client;
    this.config = config;
    this.inboundInitializer = inboundInitializer;
    this.streams = new StreamTable(client, config);
    this.pings = new Pings(config.nanoClock());
  }

  /** Adds the frame decoder and {@code session} after {@code baseName}. */
  public static void addAfter(ChannelPipeline pipeline, String baseName, YamuxSession session) {
    pipeline.addAfter(baseName, DECODER_NAME, new YamuxFrameDecoder(session::receiveCredit));
    pipeline.addAfter(DECODER_NAME, HANDLER_NAME, session);
  }

  /** Opens a stream whose pipeline starts with {@code initializer}; fails if the session is going away. */
  public Future<YamuxStreamChannel> openStream(ChannelHandler initializer) {
    if (ctx == null) {
      throw new IllegalStateException("yamux: session not in a pipeline");
    }
    Promise<YamuxStreamChannel> promise = ctx.executor().newPromise();
    onLoop(() -> openStream0(initializer, promise));
    return promise;
  }

  private void openStream0(ChannelHandler initializer, Promise<YamuxStreamChannel> promise) {
    if (closed || failed || !ctx.channel().isActive()) {
      promise.setFailure(new IOException("yamux: session is closed"));
      return;
    }
    if (localGoAway || remoteGoAway) {
      promise.setFailure(new IOException("yamux: session is going away, no new streams"));
      return;
    }
    if (streams.mustWait()) {
      // a burst of opens waits for ACKs instead of failing: a proxy accepting 1000 clients at once
      if (!streams.enqueue(new StreamTable.WaitingOpen(initializer, promise))) {
        promise
            .setFailure(new IOException("yamux: " + streams.ackBacklog() + " opened streams await the peer's ACK and "
                + streams.waiting() + " more wait to open"));
      }
      return;
    }
    long next = streams.nextOutboundId();
    if (next < 0) {
      promise.setFailure(new IOException("yamux: stream ids exhausted"));
      return;
    }
    int id = (int) next;
    YamuxStreamChannel stream = new YamuxStreamChannel(this, ctx.channel(), id, true);
    stream.pipeline().addLast(initializer);
    streams.addOutbound(stream);
    out.headerAndFlush(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, id, 0);
    ctx.channel().eventLoop().register(stream).addListener(f -> {
      if (f.isSuccess()) {
        stream.registered(connectionWritable());
        promise.setSuccess(stream);
      } else {
        promise.setFailure(f.cause());
        stream.reset();
      }
    });
  }

  /** Sends a ping; completes with the round-trip time. */
  public CompletableFuture<Duration> ping() {
    CompletableFuture<Duration> result = new CompletableFuture<>();
    onLoop(() -> {
      if (closed || failed) {
        result.completeExceptionally(new IOException("yamux: session is closed"));
        return;
      }
      int id = pings.start(result);
      out.headerAndFlush(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, Integer.toUnsignedLong(id));
    });
    return result;
  }

  /** Tells the peer no new streams will be accepted (code: {@link YamuxFrame#GO_AWAY_NORMAL}...). */
  public ChannelFuture goAway(int code) {
    ChannelPromise p = ctx.newPromise();
    onLoop(() -> {
      localGoAway = true;
      out.goAway(code, p);
    });
    return p;
  }

  /** Last measured round-trip time, or null before the first ping answer. */
  public Duration rtt() {
    long r = pings.rttNanos();
    return r < 0 ? null : Duration.ofNanos(r);
  }

  public boolean isClient() {
    return client;
  }

  public boolean isRemoteGoAway() {
    return remoteGoAway;
  }

  /** Streams currently tracked (open, or closed by us and waiting for the peer's FIN). */
  public int streamCount() {
    return streams.size();
  }

  private void onLoop(Runnable r) {
    if (ctx.executor().inEventLoop()) {
      r.run();
    } else {
      ctx.executor().execute(r);
    }
  }

  // ---- connection events ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.out = new FrameWriter(ctx, config.maxControlBacklog(), this::protocolError);
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start();
    super.channelActive(ctx);
  }

  private void start() {
    if (started) {
      return;
    }
    started = true;
    if (config.measureRtt()) {
      ping();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (!(msg instanceof YamuxFrame frame)) {
      ReferenceCountUtil.release(msg);
      protocolError("yamux: unexpected message " + msg.getClass().getSimpleName());
      return;
    }
    try {
      if (failed) {
        return;
      }
      switch (frame.type()) {
        case YamuxFrame.TYPE_DATA, YamuxFrame.TYPE_WINDOW_UPDATE -> onStreamFrame(frame);
        case YamuxFrame.TYPE_PING -> onPing(frame);
        case YamuxFrame.TYPE_GO_AWAY -> onGoAway(frame);
        default -> protocolError("yamux: unknown frame type " + frame.type() + " (expected 0-3)");
      }
    } finally {
      frame.release();
    }
  }

  private void onStreamFrame(YamuxFrame f) {
    int id = f.streamId();
    if (id == 0) {
      protocolError("yamux: " + YamuxFrame.typeName(f.type()) + " frame on stream 0 (reserved for the session)");
      return;
    }
    YamuxStreamChannel stream;
    if (f.hasFlag(YamuxFrame.FLAG_SYN)) {
      stream = accept(id);
      if (stream == null) {
        return;
      }
    } else {
      stream = streams.get(id);
      if (stream == null) {
        LOG.trace("[{}] yamux: {} for unknown stream {} ignored", ctx.channel().id(), f, Integer.toUnsignedString(id));
        return;
      }
    }
    if (f.hasFlag(YamuxFrame.FLAG_ACK) && streams.acknowledged(stream)) {
      openWaiting();
    }
    StreamWindow window = stream.window;
    if (f.type() == YamuxFrame.TYPE_WINDOW_UPDATE) {
      long delta = f.length();
      if (!window.fits(delta)) {
        protocolError("yamux: window update of " + delta + " overflows the send window of stream "
            + Integer.toUnsignedString(id) + " (" + window.send + " + " + delta + " > 2^32-1)");
        return;
      }
      if (delta > 0) {
        stream.onWindowUpdate(delta);
      }
    } else {
      long n = f.length();
      if (!window.receive(n)) {
        protocolError("yamux: window overflow: stream " + Integer.toUnsignedString(id) + " sent " + n
            + " bytes with only " + window.credit + " left in its receive window");
        return;
      }
      if (n > 0) {
        if (stream.remoteFin) {
          LOG.debug("[{}] yamux: {} bytes on stream {} after its FIN discarded", ctx.channel().id(), n,
              Integer.toUnsignedString(id));
        } else {
          stream.onData(f.data().retain());
        }
      }
    }
    if (f.hasFlag(YamuxFrame.FLAG_FIN) && !stream.remoteFin) {
      stream.onRemoteFin();
    }
    if (f.hasFlag(YamuxFrame.FLAG_RST)) {
      stream.onRemoteReset();
    }
  }

  private YamuxStreamChannel accept(int id) {
    String error = streams.checkRemoteId(id);
    if (error != null) {
      protocolError(error);
      return null;
    }
    String ids = Integer.toUnsignedString(id);
    if (localGoAway || streams.inboundFull()) {
      LOG.debug("[{}] yamux: refusing stream {} ({})", ctx.channel().id(), ids,
          localGoAway ? "going away" : streams.inboundCount() + " inbound streams open");
      out.headerAndFlush(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, id, 0);
      return null;
    }
    YamuxStreamChannel stream = new YamuxStreamChannel(this, ctx.channel(), id, false);
    stream.pipeline().addLast(inboundInitializer);
    streams.addInbound(stream);
    out.headerAndFlush(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_ACK, id, 0);
    ctx.channel().eventLoop().register(stream).addListener(f -> {
      if (f.isSuccess()) {
        stream.registered(connectionWritable());
      } else {
        LOG.warn("[{}] yamux: cannot register stream {}: {}", ctx.channel().id(), ids, f.cause().toString());
        stream.reset();
      }
    });
    return stream;
  }

  private void onPing(YamuxFrame f) {
    if (f.hasFlag(YamuxFrame.FLAG_SYN)) {
      out.headerAndFlush(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, f.length());
    } else if (f.hasFlag(YamuxFrame.FLAG_ACK)) {
      pings.answered((int) f.length());
    }
  }

  private void onGoAway(YamuxFrame f) {
    remoteGoAway = true;
    long code = f.length();
    if (code == YamuxFrame.GO_AWAY_NORMAL) {
      LOG.debug("[{}] yamux: peer is going away", ctx.channel().id());
    } else {
      LOG.warn("[{}] yamux: peer {} is going away with {} (code {})", ctx.channel().id(),
          ctx.channel().remoteAddress(), code == 1 ? "protocol error" : code == 2 ? "internal error" : "error", code);
    }
  }

  /**
   * The connection's read ended: so do the reads of the streams that were handed data in it (one
   * channelReadComplete each, so a splice flushes once for everything this read brought).
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    endStreamReads();
    ctx.fireChannelReadComplete();
  }

  private void endStreamReads() {
    // a stream's read-complete may make it read again, but never queue itself: we are not reading
    for (int i = 0; i < readCompletes.size(); i++) {
      readCompletes.get(i).connectionReadComplete();
    }
    readCompletes.clear();
  }

  /** For a stream in a read: true if the connection is reading and will end the stream's read with its own. */
  boolean readCompleteLater(YamuxStreamChannel stream) {
    if (!reading || closed) {
      return false;
    }
    if (!stream.readCompleteQueued) {
      stream.readCompleteQueued = true;
      readCompletes.add(stream);
    }
    return true;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolException) {
      protocolError(cause.getMessage());
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    boolean writable = ctx.channel().isWritable();
    for (YamuxStreamChannel s : streams.snapshot()) {
      s.onConnectionWritabilityChanged(writable);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    closeAll();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    closeAll();
  }

  /** Opens the streams that waited for the ACK backlog, as far as it allows now. */
  private void openWaiting() {
    StreamTable.WaitingOpen w;
    while ((w = streams.nextWaiting()) != null) {
      if (!w.promise().isDone()) {
        openStream0(w.initializer(), w.promise());
      }
    }
  }

  private void closeAll() {
    if (closed) {
      return;
    }
    closed = true;
    reading = false;
    endStreamReads(); // what was handed on is completed before the streams close
    List<StreamTable.WaitingOpen> waiting = new ArrayList<>();
    List<YamuxStreamChannel> all = streams.clear(waiting);
    IOException closedWhileWaiting = new IOException("yamux: session closed before the stream could open");
    for (StreamTable.WaitingOpen w : waiting) {
      w.promise().tryFailure(closedWhileWaiting);
    }
    for (YamuxStreamChannel s : all) {
      s.onSessionClosed();
    }
    pings.failAll(new IOException("yamux: session closed"));
  }

  private void protocolError(String reason) {
    if (failed) {
      return;
    }
    failed = true;
    LOG.warn("[{}] {}; closing connection to {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
    out.goAway(YamuxFrame.GO_AWAY_PROTOCOL_ERROR, ctx.voidPromise());
    ctx.close();
  }

  /** For the decoder (see {@link ReceiveWindow}): what a data frame on {@code id} may carry now. */
  long receiveCredit(int id, int flags) {
    YamuxStreamChannel stream = streams.get(id);
    if (stream != null) {
      return stream.window.credit;
    }
    return (flags & YamuxFrame.FLAG_SYN) != 0 ? config.initialWindow() : ReceiveWindow.UNKNOWN_STREAM;
  }

  // ---- called by streams, on the event loop ----

  boolean isOpen() {
    return !closed && !failed;
  }

  boolean connectionWritable() {
    return ctx.channel().isWritable();
  }

  FrameWriter frames() {
    return out;
  }

  void sendFin(YamuxStreamChannel stream) {
    if (isOpen()) {
      out.headerAndFlush(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_FIN, stream.streamId(), 0);
    }
  }

  void sendReset(YamuxStreamChannel stream) {
    if (isOpen()) {
      out.headerAndFlush(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, stream.streamId(), 0);
    }
  }

  void remove(YamuxStreamChannel stream) {
    if (streams.remove(stream)) {
      onLoop(this::openWaiting);
    }
  }

  /** {@code n} bytes of {@code stream} were delivered (or discarded): grant window back as {@link StreamWindow} says. */
  void consumed(YamuxStreamChannel stream, long n) {
    boolean grant = !stream.remoteFin && !stream.reset && isOpen();
    long delta = stream.window.consumed(n, grant, stream.isOpen(), config.nanoClock().getAsLong(), pings.rttNanos(),
        config.maxWindow());
    if (delta > 0) {
      out.headerAndFlush(YamuxFrame.TYPE_WINDOW_UPDATE, 0, stream.streamId(), delta);
    }
  }
}
