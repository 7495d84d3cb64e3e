package io.warren.nostr.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.RelayLimits;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection after the WebSocket upgrade: parses its messages and dispatches them
 * (EVENT and a device's hello here, REQ and CLOSE to its {@link Subscriptions}, AUTH to its
 * {@link SessionAuth}), enforces its limits and writes its answers. Everything here runs on the
 * channel's event loop; other threads reach it only through {@link #answer}, {@link #deliver} and
 * the subscriptions' query callbacks, which hop onto that loop.
 *
 * <p>Why one class of this size: it is the one owner of the connection's state on its loop (limits,
 * in-flight count, output flushing, closing); subscriptions and authentication are already their
 * own classes, and what is left shares that state on every path.
 */
final class Session extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  /** EVENTs being verified or stored for one connection before it stops reading. */
  static final int MAX_IN_FLIGHT = 256;
  /** Malformed messages tolerated (each gets a NOTICE) before the connection is closed. */
  static final int MAX_MALFORMED = 10;
  /** How long a connection being closed for bad input may take to close its side. */
  static final int CLOSE_GRACE_SECONDS = 5;
  /**
   * How long a client closed for not reading has to read what was queued for it (the NOTICE is
   * last); nothing more is queued meanwhile.
   */
  static final int SLOW_READER_GRACE_SECONDS = 30;

  private final RelayServer relay;
  private final RelayLimits limits;
  private final TokenBucket eventRate;
  private final SessionAuth auth;
  private final Subscriptions subscriptions;
  private Channel channel;
  /**
   * This handler's place in the pipeline: encoded frames are written from here, so they pass only
   * the handlers towards the socket (a device's binary codec, added after this one, would wrap them).
   */
  private ChannelHandlerContext context;
  private int inFlight;
  private int malformed;
  private boolean dirty;
  /**
   * Encoded frames ({@link Messages#textFrame}) waiting to be written as one buffer, on the loop:
   * written before any other message, and on flush; their bytes in {@link #gatheredBytes}.
   */
  private final java.util.ArrayList<byte[]> gathered = new java.util.ArrayList<>();
  private int gatheredBytes;
  private boolean flushScheduled;
  private boolean closing;
  /** Registered as a device (after its hello): binary frames carry its Yamux session. */
  private boolean device;

  Session(RelayServer relay) {
    this.relay = relay;
    this.limits = relay.settings().limits();
    long now = System.nanoTime();
    this.eventRate = new TokenBucket(limits.eventsPerSecond(), now);
    this.auth = new SessionAuth(this, relay);
    this.subscriptions = new Subscriptions(this, relay);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof FrameErrorHandler.BadFrame bad) {
      badFrame(ctx, bad.cause());
      return;
    }
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
      channel = ctx.channel();
      context = ctx;
      relay.opened(this);
      LOG.debug("Nostr client {} connected", channel.remoteAddress());
      send(Messages.auth(auth.challenge()));
      flush();
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    relay.closed(this);
    subscriptions.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (closing) {
        return;
      } else if (msg instanceof TextWebSocketFrame text) {
        ByteBuf b = text.content();
        byte[] bytes = ByteBufUtil.getBytes(b, b.readerIndex(), b.readableBytes(), false);
        handle(bytes);
      } else if (msg instanceof BinaryWebSocketFrame) {
        if (device) {
          ctx.fireChannelRead(msg); // the device's Yamux session, after this handler
          return;
        }
        malformed("invalid: binary frames are not part of NIP-01; send JSON text (devices send a hello first)");
      }
    } finally {
      if (!(device && msg instanceof BinaryWebSocketFrame)) {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (channel != null && !closing) {
      if (ctx.channel().isWritable()) {
        subscriptions.writable();
        flush();
      } else {
        checkOutput();
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    flush();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      // a message fragmented into frames that together exceed the limit
      badFrame(ctx, cause);
    } else {
      LOG.debug("Nostr client {} failed", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }

  private void badFrame(ChannelHandlerContext ctx, Throwable cause) {
    boolean tooBig = cause instanceof TooLongFrameException
        || (cause instanceof CorruptedWebSocketFrameException c
            && c.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG);
    String why = tooBig ? "invalid: message larger than " + limits.maxMessageLength() + " bytes"
        : "invalid: bad WebSocket frame (" + cause.getMessage() + ")";
    LOG.debug("Closing Nostr client {}: {}", ctx.channel().remoteAddress(), why);
    closeWith(tooBig ? WebSocketCloseStatus.MESSAGE_TOO_BIG : WebSocketCloseStatus.PROTOCOL_ERROR, why);
  }

  /**
   * Sends a NOTICE and a close frame, then half-closes: what the client is still sending is read
   * and dropped until it closes (closing with unread input would reset the connection and could
   * destroy the NOTICE before the client reads it), or until {@link #CLOSE_GRACE_SECONDS}.
   * Only this connection is affected.
   */
  private void closeWith(WebSocketCloseStatus status, String why) {
    closeWith(status, why, CLOSE_GRACE_SECONDS);
  }

  private void closeWith(WebSocketCloseStatus status, String why, int graceSeconds) {
    writeGathered(); // what was answered before this goes first (may itself close a slow reader)
    Channel ch = channel;
    if (ch == null || !ch.isActive() || closing) {
      return;
    }
    closing = true;
    subscriptions.clear();
    ch.write(new TextWebSocketFrame(Messages.notice(why)));
    String reason = why.length() > 120 ? why.substring(0, 120) : why;
    ch.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(f -> {
      if (ch instanceof SocketChannel s && f.isSuccess()) {
        s.shutdownOutput();
      } else {
        ch.close();
      }
    });
    ch.eventLoop().schedule(() -> ch.close(), graceSeconds, TimeUnit.SECONDS);
  }

  private void handle(byte[] message) {
    List<?> m;
    try {
      if (!(Json.parse(message, 0, message.length) instanceof List<?> l) || l.isEmpty()
          || !(l.get(0) instanceof String)) {
        malformed("invalid: a message must be a JSON array starting with its type");
        return;
      }
      m = l;
    } catch (NostrException e) {
      malformed("invalid: " + e.getMessage());
      return;
    }
    switch ((String) m.get(0)) {
      case "EVENT" -> onEvent(m);
      case "REQ" -> subscriptions.onReq(m, auth.key() != null);
      case "CLOSE" -> subscriptions.onClose(m);
      case "AUTH" -> {
        auth.onAuth(m);
        LOG.debug("Nostr client {}: AUTH, now authenticated as {}", channel.remoteAddress(), auth.key());
      }
      default -> malformed("invalid: unknown message type " + Json.write(m.get(0)));
    }
  }

  /** Answers a message that does not parse with a NOTICE; too many close the connection. */
  void malformed(String notice) {
    send(Messages.notice(notice));
    if (++malformed >= MAX_MALFORMED) {
      closeWith(WebSocketCloseStatus.POLICY_VIOLATION, "invalid: too many malformed messages");
    }
  }

  // ---------------------------------------------------------------- EVENT

  private void onEvent(List<?> m) {
    if (m.size() != 2) {
      malformed("invalid: EVENT takes exactly one event");
      return;
    }
    Object raw = m.get(1);
    String claimedId = raw instanceof Map<?, ?> map && map.get("id") instanceof String s ? s : null;
    if (claimedId == null) {
      malformed("invalid: EVENT without an id string");
      return;
    }
    if (!eventRate.tryTake(System.nanoTime())) {
      ok(claimedId, false, "rate-limited: more than " + limits.eventsPerSecond()
          + " events per second on this connection");
      return;
    }
    if (limits.authRequired() && auth.key() == null) {
      ok(claimedId, false,
          "auth-required: this relay accepts events from authenticated clients (NIP-42)");
      return;
    }
    Event event;
    try {
      event = Event.fromJson(raw);
    } catch (NostrException e) {
      ok(claimedId, false, "invalid: " + e.getMessage());
      return;
    }
    if (event.kind() == io.warren.nostr.internal.tunnel.TunnelWire.HELLO_KIND) {
      onHello(event);
      return;
    }
    if (event.kind() == io.warren.nostr.internal.tunnel.TunnelWire.REQUEST_KIND) {
      ok(event.id(), false, "invalid: tunnel requests travel in tunnel streams, not as EVENTs");
      return;
    }
    if ((event.kind() == io.warren.nostr.internal.tunnel.TunnelWire.SERVICE_KIND
        || event.kind() == io.warren.nostr.internal.tunnel.TunnelWire.DEVICE_KIND)
        && !event.pubkey().equals(auth.key())) {
      ok(event.id(), false, auth.key() == null
          ? "auth-required: a device authenticates (NIP-42) before announcing itself or its services"
          : "restricted: announcements are accepted only from the key this connection authenticated as");
      return;
    }
    String refusal = policy(event);
    if (refusal != null) {
      ok(event.id(), false, refusal);
      return;
    }
    if (++inFlight >= MAX_IN_FLIGHT) {
      channel.config().setAutoRead(false);
    }
    relay.submit(event, this);
  }

  /**
   * A device's hello: the connection must be authenticated (NIP-42) as the hello's author, so
   * nobody can register, or take over, another key's device (and callsign).
   */
  private void onHello(Event e) {
    DeviceHub hub = relay.hub();
    if (hub == null) {
      ok(e.id(), false, "restricted: this relay does not serve devices");
      return;
    }
    if (device) {
      ok(e.id(), true, "duplicate: already registered");
      return;
    }
    String authenticated = auth.key();
    if (authenticated == null) {
      ok(e.id(), false, "auth-required: a device authenticates (NIP-42) before its hello");
      return;
    }
    if (!e.pubkey().equals(authenticated)) {
      ok(e.id(), false, "restricted: the hello's author is not the key this connection authenticated as");
      return;
    }
    long now = System.currentTimeMillis() / 1000;
    if (Math.abs(now - e.createdAt()) > relay.settings().authWindowSeconds()) {
      ok(e.id(), false, "invalid: created_at is more than " + relay.settings().authWindowSeconds()
          + " s from now");
      return;
    }
    try {
      e.verify();
    } catch (NostrException x) {
      ok(e.id(), false, "invalid: " + x.getMessage());
      return;
    }
    String refusal = hub.check(authenticated);
    if (refusal != null) {
      ok(e.id(), false, refusal);
      return;
    }
    // the OK goes out before the first Yamux frame (the session pings at start)
    ok(e.id(), true, "");
    flush();
    device = true;
    hub.register(authenticated, channel, "session");
  }

  /** Why the relay refuses a well-formed event before checking it, or null. */
  private String policy(Event e) {
    if (e.tags().size() > limits.maxEventTags()) {
      return "invalid: more than " + limits.maxEventTags() + " tags";
    }
    long now = System.currentTimeMillis() / 1000;
    if (e.createdAt() > now + limits.createdAtUpperLimit()) {
      return "invalid: created_at is more than " + limits.createdAtUpperLimit() + " s in the future";
    }
    if (e.kind() == SessionAuth.KIND) {
      return "invalid: kind 22242 is for AUTH messages only";
    }
    return null;
  }

  /** The OK for one EVENT. */
  record Answer(String eventId, boolean accepted, String message) {}

  /** The outcome of an EVENT; called from any thread. */
  void answer(String eventId, boolean accepted, String message) {
    answer(List.of(new Answer(eventId, accepted, message)));
  }

  /** The outcomes of several EVENTs, in one hop onto the event loop; called from any thread. */
  void answer(List<Answer> answers) {
    Channel ch = channel;
    onLoop(() -> {
      inFlight -= answers.size();
      if (inFlight < MAX_IN_FLIGHT / 2 && !ch.config().isAutoRead()) {
        ch.config().setAutoRead(true);
      }
      for (Answer a : answers) {
        ok(a.eventId(), a.accepted(), a.message());
      }
      flushSoon();
    });
  }

  // ---------------------------------------------------------------- REQ / CLOSE (see Subscriptions)

  Subscriptions subscriptions() {
    return subscriptions;
  }

  /** Newly accepted events, in the order accepted; called from any thread. */
  void deliver(List<Subscriptions.Live> events) {
    subscriptions.deliver(events);
  }

  // ---------------------------------------------------------------- output

  /** Answers one EVENT, counting the outcome. */
  private void ok(String eventId, boolean accepted, String message) {
    relay.counters().answered(accepted, message);
    gather(Messages.textFrame(Messages.ok(eventId, accepted, message)));
  }

  /** Sends one event to subscription {@code subId}, counting it as served. */
  void sendEvent(String subId, String eventJson) {
    relay.counters().servedOne();
    send(Messages.event(subId, eventJson));
  }

  /**
   * Sends one live event, its whole frame encoded once for every subscriber
   * ({@link Subscriptions.Live#frame}), counting it as served; false (nothing sent) when the
   * client does not keep up: the connection is not writable, counting what is gathered.
   */
  boolean sendLive(byte[] frame) {
    if (channel == null || closing) {
      return false;
    }
    if (gatheredBytes + (long) frame.length > channel.bytesBeforeUnwritable()) {
      writeGathered(); // the outbound buffer decides, as if each had been written
    }
    if (!channel.isWritable()) {
      return false;
    }
    relay.counters().servedOne();
    gather(frame);
    return true;
  }

  /** Sends one event held back for its subscription (see {@link #sendLive}), counting it as served. */
  void sendEvent(byte[] frame) {
    relay.counters().servedOne();
    gather(frame);
  }

  void send(String message) {
    send(new TextWebSocketFrame(message));
  }

  /** Queues an encoded frame to go out with the others gathered on this pass of the loop. */
  private void gather(byte[] frame) {
    if (channel != null && !closing) {
      gathered.add(frame);
      gatheredBytes += frame.length;
      dirty = true;
    }
  }

  /** Writes the gathered frames as one buffer (before any other message, so the order holds). */
  void writeGathered() {
    if (gathered.isEmpty()) {
      return;
    }
    // copied once into one pooled direct buffer: the socket needs direct memory, and a composite of
    // heap arrays would be merged into a new heap buffer first, then copied again
    io.netty.buffer.ByteBuf frames = context.alloc().directBuffer(gatheredBytes);
    for (byte[] f : gathered) {
      frames.writeBytes(f);
    }
    gathered.clear();
    gatheredBytes = 0;
    if (channel != null && !closing) {
      context.write(frames, context.voidPromise());
      if (!channel.isWritable()) {
        checkOutput();
      }
    } else {
      frames.release();
    }
  }

  private void send(TextWebSocketFrame frame) {
    if (channel != null && !closing) {
      writeGathered();
      channel.write(frame, channel.voidPromise());
      dirty = true;
      if (!channel.isWritable()) {
        checkOutput();
      }
    } else {
      frame.release();
    }
  }

  /** Whether the client keeps up: more may be written now. */
  boolean writable() {
    return channel != null && channel.isWritable();
  }

  /**
   * The output cap: a client that is not reading (the connection is not writable) while its
   * unread output (queued bytes plus what its REQs still owe) passes {@code max.output.bytes} gets
   * a NOTICE and is closed. Only this connection is affected.
   */
  void checkOutput() {
    Channel ch = channel;
    // a device's binary output is its Yamux session's, bounded by the streams' windows
    if (ch == null || closing || device || ch.isWritable()) {
      return;
    }
    io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
    long unread = (out == null ? 0 : out.totalPendingWriteBytes()) + subscriptions.owedBytes();
    if (unread > relay.settings().maxOutputBytes()) {
      LOG.info("Closing Nostr client {}: not reading, {} bytes of unread output (max.output.bytes = {})",
          ch.remoteAddress(), unread, relay.settings().maxOutputBytes());
      relay.slowReaderClosed();
      closeWith(WebSocketCloseStatus.POLICY_VIOLATION, "error: closing: the client is not reading; more than "
          + relay.settings().maxOutputBytes() + " bytes of unread output", SLOW_READER_GRACE_SECONDS);
    }
  }

  private void flush() {
    if (dirty && channel != null) {
      dirty = false;
      writeGathered();
      channel.flush();
    }
  }

  /** Flushes once after everything already queued on the loop has run. */
  void flushSoon() {
    if (!flushScheduled) {
      flushScheduled = true;
      onLoop(() -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  /** Runs {@code task} on this connection's event loop (dropped once the relay has stopped). */
  void onLoop(Runnable task) {
    try {
      channel.eventLoop().execute(task);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // the event loops are shutting down with the relay; the connection is going away
    }
  }

  /** The relay is stopping: say so and close. */
  void shutdown() {
    Channel ch = channel;
    if (ch != null) {
      onLoop(() -> closeWith(WebSocketCloseStatus.SERVICE_RESTART, "error: the relay is shutting down"));
    }
  }
}
