package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.warren.api.channel.Resettable;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;

/**
 * One Yamux stream as a Netty child channel of the connection, on the connection's event loop.
 *
 * <ul>
 * <li>Writes leave as data frames within the stream's send window; what does not fit waits in the
 *     channel's outbound buffer, so {@link #isWritable()} turns false when the window is used up or
 *     the connection itself is not writable, and a write's future completes once its bytes were
 *     handed to the connection. This is what lets a slow reader slow the writer.</li>
 * <li>Received data is delivered on {@code read()}, as a socket's is: a read hands on what is
 *     queued and what arrives while the connection's current read lasts, then ends with
 *     {@code channelReadComplete} once the connection finished that read (so a splice flushes once
 *     per read of the connection, not once per frame); with AUTO_READ on the next read follows by
 *     itself. Window is granted back only for delivered bytes, so a channel that stops reading stops
 *     the sender after one window.</li>
 * <li>{@link #closeWrite()} (or {@link #shutdownOutput()}, as on a TCP socket: this is a
 *     {@link DuplexChannel}) half-closes (FIN) after the data written before it. The peer's FIN
 *     fires {@link ChannelInputShutdownEvent} and {@link ChannelInputShutdownReadComplete} once the
 *     data before it was read; when both directions are done the channel closes itself.</li>
 * <li>{@code close()} sends FIN if not sent yet (the peer may still finish its side; what it sends
 *     is discarded); {@link #reset()} aborts the stream (RST). A reset by the peer fires
 *     {@link #RESET_EVENT} and closes the channel, failing pending writes.</li>
 * </ul>
 *
 * <p>Length: over 400 lines because it is one Netty {@code Channel} implementation whose write
 * side, read side and half-close (the {@code DuplexChannel} methods) turn on the same state flags;
 * flow-control arithmetic lives in {@link StreamWindow}.
 *
 * <p>Why one class of this size: Netty's channel contract (the channel, its {@code Unsafe}, its
 * config and the half-close state) is one unit that AbstractChannel subclasses implement together;
 * the window arithmetic already lives in {@link StreamWindow}.
 */
public final class YamuxStreamChannel extends AbstractChannel implements DuplexChannel, Resettable {

  /** User event fired in a stream's pipeline when the peer resets it (just before it closes). */
  public static final Object RESET_EVENT = new Object() {
    @Override
    public String toString() {
      return "YamuxStreamReset";
    }
  };

  static final Object FIN = new Object() {
    @Override
    public String toString() {
      return "YamuxFin";
    }
  };

  private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
  private static final int WINDOW_WRITABILITY = 1;
  private static final int CONNECTION_WRITABILITY = 2;

  private final YamuxSession session;
  private final int streamId;
  private final boolean outbound;
  private final ChannelConfig config = new DefaultChannelConfig(this);
  private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();

  final StreamWindow window = new StreamWindow();

  boolean acked;
  boolean localFin;
  boolean remoteFin;
  boolean reset;
  boolean resetByPeer;
  private boolean inputShutdownFired;
  /** {@link #shutdownInput()} was called: what arrives is discarded (and its window returned). */
  private boolean inputShutdown;
  private boolean closed;
  /** A {@code read()} asked for data that has not come yet. */
  private boolean readPending;
  /** Buffers were handed on in the current read; its channelReadComplete is still to fire. */
  private boolean readInProgress;
  /** The session calls {@link #connectionReadComplete} when the connection's read ends. */
  boolean readCompleteQueued;
  private boolean delivering;

  YamuxStreamChannel(YamuxSession session, Channel parent, int streamId, boolean outbound) {
    super(parent);
    this.session = session;
    this.streamId = streamId;
    this.outbound = outbound;
  }

  /** The Yamux stream id (odd: opened by the dialer's side, even: by the listener's side). */
  public int streamId() {
    return streamId;
  }

  /** True if this side opened the stream. */
  public boolean isOutbound() {
    return outbound;
  }

  public YamuxSession session() {
    return session;
  }

  /** Current send window: bytes we may send before the peer grants more. */
  public long sendWindow() {
    return window.send;
  }

  /** Current receive window size (grows with auto-tuning). */
  public long receiveWindow() {
    return window.receive;
  }

  public boolean isResetByPeer() {
    return resetByPeer;
  }

  /** Half-closes: sends FIN after everything written before. Reading goes on until the peer's FIN. */
  public ChannelFuture closeWrite() {
    return writeAndFlush(FIN);
  }

  // ---- DuplexChannel: half-close like a TCP socket ----

  /** Same as {@link #closeWrite()}: FIN after everything written before. */
  @Override
  public ChannelFuture shutdownOutput() {
    return closeWrite();
  }

  @Override
  public ChannelFuture shutdownOutput(ChannelPromise promise) {
    return writeAndFlush(FIN, promise);
  }

  /** True once our FIN left (or the stream was reset or closed). */
  @Override
  public boolean isOutputShutdown() {
    return localFin || reset || closed;
  }

  /**
   * Stops reading: Yamux has no frame to tell the peer, so what it still sends is discarded here
   * and its window returned, as TCP discards data after {@code shutdown(SHUT_RD)}.
   */
  @Override
  public ChannelFuture shutdownInput() {
    return shutdownInput(newPromise());
  }

  @Override
  public ChannelFuture shutdownInput(ChannelPromise promise) {
    if (eventLoop().inEventLoop()) {
      shutdownInput0(promise);
    } else {
      eventLoop().execute(() -> shutdownInput0(promise));
    }
    return promise;
  }

  private void shutdownInput0(ChannelPromise promise) {
    if (!inputShutdown) {
      inputShutdown = true;
      discardInbound();
    }
    promise.trySuccess();
  }

  /** True once the peer's FIN was read or {@link #shutdownInput()} was called. */
  @Override
  public boolean isInputShutdown() {
    return inputShutdown || inputShutdownFired || closed;
  }

  @Override
  public boolean isShutdown() {
    return isInputShutdown() && isOutputShutdown();
  }

  @Override
  public ChannelFuture shutdown() {
    return shutdown(newPromise());
  }

  /** Both directions: FIN after what was written, and input discarded from now on. */
  @Override
  public ChannelFuture shutdown(ChannelPromise promise) {
    shutdownOutput().addListener(f -> shutdownInput(newPromise()).addListener(g -> {
      if (f.isSuccess()) {
        promise.trySuccess();
      } else {
        promise.tryFailure(f.cause());
      }
    }));
    return promise;
  }

  /** Aborts the stream: sends RST and closes the channel. */
  @Override
  public ChannelFuture reset() {
    ChannelPromise p = newPromise();
    if (eventLoop().inEventLoop()) {
      reset0(p);
    } else {
      eventLoop().execute(() -> reset0(p));
    }
    return p;
  }

  private void reset0(ChannelPromise p) {
    if (!closed && !reset) {
      reset = true;
      session.sendReset(this);
    }
    close(p);
  }

  @Override
  public ChannelConfig config() {
    return config;
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public boolean isActive() {
    return !closed;
  }

  @Override
  public ChannelMetadata metadata() {
    return METADATA;
  }

  @Override
  protected AbstractUnsafe newUnsafe() {
    return new StreamUnsafe();
  }

  @Override
  protected boolean isCompatible(EventLoop loop) {
    return true;
  }

  @Override
  protected SocketAddress localAddress0() {
    return parent().localAddress();
  }

  @Override
  protected SocketAddress remoteAddress0() {
    return parent().remoteAddress();
  }

  @Override
  protected void doBind(SocketAddress localAddress) {
    throw new UnsupportedOperationException("yamux streams cannot be bound");
  }

  @Override
  protected void doDisconnect() {
    doClose();
  }

  @Override
  protected void doClose() {
    if (closed) {
      return;
    }
    closed = true;
    ByteBuf b;
    while ((b = inbound.poll()) != null) {
      b.release();
    }
    if (!reset && !localFin) {
      localFin = true;
      session.sendFin(this);
    }
    if (reset || remoteFin || !session.isOpen()) {
      session.remove(this);
    }
    // else: half-open "zombie" until the peer's FIN or RST; its data is discarded and its window returned
  }

  @Override
  protected void doBeginRead() {
    if (closed) {
      return;
    }
    readPending = true;
    deliver();
  }

  @Override
  protected Object filterOutboundMessage(Object msg) {
    if (msg instanceof ByteBuf || msg == FIN) {
      return msg;
    }
    throw new UnsupportedOperationException("yamux stream accepts ByteBuf only, got " + msg.getClass().getName());
  }

  @Override
  protected void doWrite(ChannelOutboundBuffer in) {
    boolean wrote = false;
    for (;;) {
      Object msg = in.current();
      if (msg == null) {
        break;
      }
      if (reset || localFin) {
        in.remove(new IOException("yamux: stream " + Integer.toUnsignedString(streamId)
            + (reset ? " was reset" : " output is closed (FIN sent)")));
        continue;
      }
      if (msg == FIN) {
        localFin = true;
        session.sendFin(this);
        in.remove();
        if (remoteFin && inputShutdownFired) {
          close();
        }
        continue;
      }
      ByteBuf buf = (ByteBuf) msg;
      if (!buf.isReadable()) {
        in.remove();
        continue;
      }
      if (!session.connectionWritable()) {
        session.frames().flush(); // our own frames may be what fills it
        if (!session.connectionWritable()) {
          break; // resumed by YamuxSession when the connection drains
        }
      }
      int n = (int) Math.min(Math.min(buf.readableBytes(), window.send), YamuxSession.MAX_DATA_FRAME);
      if (n == 0) {
        in.setUserDefinedWritability(WINDOW_WRITABILITY, false);
        break; // resumed by a window update
      }
      session.frames().data(streamId, buf.readRetainedSlice(n));
      window.send -= n;
      wrote = true;
      in.progress(n);
      if (!buf.isReadable()) {
        in.remove();
      }
    }
    if (wrote) {
      session.frames().flush();
    }
  }

  // ---- called by YamuxSession, on the event loop ----

  void onData(ByteBuf data) {
    if (closed || inputShutdown) {
      int n = data.readableBytes();
      data.release();
      session.consumed(this, n);
      return;
    }
    inbound.add(data);
    deliver();
  }

  void onWindowUpdate(long delta) {
    window.send += delta;
    ChannelOutboundBuffer buf = unsafe().outboundBuffer();
    if (buf != null && window.send > 0) {
      buf.setUserDefinedWritability(WINDOW_WRITABILITY, true);
      ((StreamUnsafe) unsafe()).resumeWrites();
    }
  }

  /**
   * The stream joined its event loop: it takes on the connection's writability now. Until then it
   * is in the session's table but has no loop for its handlers, so the session's frames (the ACK or
   * SYN it writes before registering the stream) may change the connection's writability without
   * telling it.
   */
  void registered(boolean connectionWritable) {
    if (!connectionWritable) {
      onConnectionWritabilityChanged(false);
    }
  }

  void onConnectionWritabilityChanged(boolean writable) {
    ChannelOutboundBuffer buf = unsafe().outboundBuffer();
    if (buf != null && isRegistered()) { // an unregistered stream catches up in registered()
      buf.setUserDefinedWritability(CONNECTION_WRITABILITY, writable);
      if (writable) {
        ((StreamUnsafe) unsafe()).resumeWrites();
      }
    }
  }

  void onRemoteFin() {
    remoteFin = true;
    if (closed) {
      session.remove(this);
    } else {
      deliver();
    }
  }

  void onRemoteReset() {
    reset = true;
    resetByPeer = true;
    if (closed) {
      session.remove(this);
      return;
    }
    pipeline().fireUserEventTriggered(RESET_EVENT);
    unsafe().close(voidPromise());
  }

  /** The connection closed: this stream is gone too. */
  void onSessionClosed() {
    reset = true;
    if (!closed) {
      if (isRegistered()) {
        unsafe().close(voidPromise());
      } else {
        doClose(); // no handler has seen it yet; its registration now fails
      }
    }
  }

  /** Drops what was received and not read yet, returning its window to the peer. */
  private void discardInbound() {
    ByteBuf b;
    while ((b = inbound.poll()) != null) {
      int n = b.readableBytes();
      b.release();
      session.consumed(this, n);
    }
    deliver(); // a FIN already received still ends the input
  }

  /** The connection finished a read in which this stream was handed data: the read ends here. */
  void connectionReadComplete() {
    readCompleteQueued = false;
    deliver();
  }

  private void deliver() {
    if (delivering) {
      return;
    }
    delivering = true;
    try {
      for (;;) {
        while ((readPending || readInProgress) && !inbound.isEmpty() && !closed) {
          ByteBuf b = inbound.poll();
          int n = b.readableBytes();
          // served; a read() issued while the handlers take this buffer asks for the next read
          readPending = false;
          readInProgress = true;
          pipeline().fireChannelRead(b);
          session.consumed(this, n);
        }
        if (!readInProgress || closed) {
          break;
        }
        if (session.readCompleteLater(this)) {
          return; // the connection is still reading: more may come for this read
        }
        readInProgress = false;
        pipeline().fireChannelReadComplete(); // with AUTO_READ, or a splice's, this calls read() again
      }
      if (inbound.isEmpty() && remoteFin && !inputShutdownFired && !closed) {
        inputShutdownFired = true;
        pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        if (localFin && !closed) {
          close();
        }
      }
    } finally {
      delivering = false;
    }
  }

  @Override
  public String toString() {
    return "YamuxStream(" + parent().id() + "/" + Integer.toUnsignedString(streamId) + ")";
  }

  private final class StreamUnsafe extends AbstractUnsafe {
    @Override
    public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
      promise.setFailure(new UnsupportedOperationException("yamux streams are opened by YamuxSession.openStream"));
    }

    void resumeWrites() {
      flush0();
    }
  }
}
