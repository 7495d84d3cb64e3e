package io.warren.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.warren.api.ProtocolException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Yamux session on a secured connection: place it after a {@link YamuxFrameDecoder} (see
 * {@link #addAfter}). Streams are {@link YamuxStreamChannel}s: the dialer's side opens odd ids, the
 * listener's side even ids; streams the peer opens get {@code inboundInitializer} (which must be
 * {@code @Sharable}, e.g. a ChannelInitializer) and are acknowledged at once.
 *
 * <p>Flow control: each stream starts with the spec's 256 KiB window. Window is granted back in
 * batches of half a window as the stream's channel delivers data; if a whole half-window was
 * consumed within four round trips (measured by ping), the window doubles, up to
 * {@link YamuxConfig#maxWindow()} (16 MiB), so a fast reader on a long fat link is not capped while
 * a slow reader keeps a small window.
 *
 * <p>Protocol errors (unknown frame type, a version other than 0, more data than the window
 * allowed, a window update overflowing 2^32-1, a reused stream id, a stream opened with our
 * parity) log one line, send GO_AWAY(protocol error) and close this connection only.
 *
 * <p>All methods must be called on the connection's event loop, except {@link #openStream},
 * {@link #ping} and {@link #goAway}, which hop onto it.
 */
public final class YamuxSession extends ChannelInboundHandlerAdapter {

    public static final String DECODER_NAME = "yamux-decoder";
    public static final String HANDLER_NAME = "yamux";
    /** Data frames are cut so header + data fit one Noise transport message (65519 bytes). */
    static final int MAX_DATA_FRAME = 65519 - YamuxFrame.HEADER_LENGTH;

    private static final Logger LOG = LoggerFactory.getLogger(YamuxSession.class);
    private static final long MAX_UINT32 = 0xFFFFFFFFL;

    private final boolean client;
    private final YamuxConfig config;
    private final ChannelHandler inboundInitializer;
    private final IntObjectMap<YamuxStreamChannel> streams = new IntObjectHashMap<>();
    private final Map<Integer, long[]> pendingPings = new HashMap<>();
    private final Map<Integer, CompletableFuture<Duration>> pingFutures = new HashMap<>();
    private ChannelHandlerContext ctx;
    private long nextStreamId;
    private long lastRemoteStreamId;
    private int ackBacklog;
    /** Opens waiting for the ACK backlog to shrink (the spec's 256), oldest first; bounded. */
    private final java.util.ArrayDeque<WaitingOpen> waitingOpens = new java.util.ArrayDeque<>();

    private record WaitingOpen(ChannelHandler initializer, Promise<YamuxStreamChannel> promise) {}
    private static final int MAX_WAITING_OPENS = 8192;
    private int inboundStreams;
    private int nextPingId;
    private volatile long rttNanos = -1;
    private boolean started;
    private boolean localGoAway;
    private volatile boolean remoteGoAway;
    private boolean failed;
    private boolean closed;

    /**
     * @param client true on the dialer's side of the connection (odd stream ids)
     * @param inboundInitializer handler added to each stream the peer opens
     */
    public YamuxSession(boolean client, YamuxConfig config, ChannelHandler inboundInitializer) {
        this.client = client;
        this.config = config;
        this.inboundInitializer = inboundInitializer;
        this.nextStreamId = client ? 1 : 2;
    }

    /** Adds the frame decoder and {@code session} after {@code baseName}. */
    public static void addAfter(ChannelPipeline pipeline, String baseName, YamuxSession session) {
        pipeline.addAfter(baseName, DECODER_NAME, new YamuxFrameDecoder());
        pipeline.addAfter(DECODER_NAME, HANDLER_NAME, session);
    }

    /** Opens a stream whose pipeline starts with {@code initializer}; fails if the session is going away. */
    public Future<YamuxStreamChannel> openStream(ChannelHandler initializer) {
        if (ctx == null) {
            throw new IllegalStateException("yamux: session not in a pipeline");
        }
        Promise<YamuxStreamChannel> promise = ctx.executor().newPromise();
        if (ctx.executor().inEventLoop()) {
            openStream0(initializer, promise);
        } else {
            ctx.executor().execute(() -> openStream0(initializer, promise));
        }
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
        if (ackBacklog >= config.maxAckBacklog()) {
            // a burst of opens waits for ACKs instead of failing: a proxy accepting 1000 clients at once
            if (waitingOpens.size() >= MAX_WAITING_OPENS) {
                promise.setFailure(new IOException("yamux: " + ackBacklog + " opened streams await the peer's ACK and "
                    + waitingOpens.size() + " more wait to open"));
            } else {
                waitingOpens.add(new WaitingOpen(initializer, promise));
            }
            return;
        }
        if (nextStreamId > MAX_UINT32) {
            promise.setFailure(new IOException("yamux: stream ids exhausted"));
            return;
        }
        int id = (int) nextStreamId;
        nextStreamId += 2;
        YamuxStreamChannel stream = new YamuxStreamChannel(this, ctx.channel(), id, true);
        stream.pipeline().addLast(initializer);
        streams.put(id, stream);
        ackBacklog++;
        writeHeader(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, id, 0);
        ctx.flush();
        ctx.channel().eventLoop().register(stream).addListener(f -> {
            if (f.isSuccess()) {
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
        Runnable r = () -> {
            if (closed || failed) {
                result.completeExceptionally(new IOException("yamux: session is closed"));
                return;
            }
            int id = nextPingId++;
            pendingPings.put(id, new long[] {config.nanoClock().getAsLong()});
            pingFutures.put(id, result);
            writeHeader(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_SYN, 0, Integer.toUnsignedLong(id));
            ctx.flush();
        };
        if (ctx.executor().inEventLoop()) {
            r.run();
        } else {
            ctx.executor().execute(r);
        }
        return result;
    }

    /** Tells the peer no new streams will be accepted (code: {@link YamuxFrame#GO_AWAY_NORMAL}...). */
    public ChannelFuture goAway(int code) {
        io.netty.channel.ChannelPromise p = ctx.newPromise();
        Runnable r = () -> {
            localGoAway = true;
            ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
            YamuxFrame.writeHeader(b, YamuxFrame.TYPE_GO_AWAY, 0, 0, code);
            ctx.writeAndFlush(b, p);
        };
        if (ctx.executor().inEventLoop()) {
            r.run();
        } else {
            ctx.executor().execute(r);
        }
        return p;
    }

    /** Last measured round-trip time, or null before the first ping answer. */
    public Duration rtt() {
        long r = rttNanos;
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

    // ---- connection events ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
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
        if (f.hasFlag(YamuxFrame.FLAG_ACK) && stream.isOutbound() && !stream.acked) {
            stream.acked = true;
            ackBacklog--;
            openWaiting();
        }
        if (f.type() == YamuxFrame.TYPE_WINDOW_UPDATE) {
            long delta = f.length();
            if (stream.sendWindow + delta > MAX_UINT32) {
                protocolError("yamux: window update of " + delta + " overflows the send window of stream "
                        + Integer.toUnsignedString(id) + " (" + stream.sendWindow + " + " + delta + " > 2^32-1)");
                return;
            }
            if (delta > 0) {
                stream.onWindowUpdate(delta);
            }
        } else {
            long n = f.length();
            if (n > stream.recvCredit) {
                protocolError("yamux: window overflow: stream " + Integer.toUnsignedString(id) + " sent " + n
                        + " bytes with only " + stream.recvCredit + " left in its receive window");
                return;
            }
            if (n > 0) {
                stream.recvCredit -= n;
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
        String ids = Integer.toUnsignedString(id);
        if (((id & 1) == 1) == client) {
            protocolError("yamux: peer opened stream " + ids + " with our id parity (" + (client ? "odd" : "even") + ")");
            return null;
        }
        if (streams.containsKey(id)) {
            protocolError("yamux: stream id " + ids + " reused while the stream is open");
            return null;
        }
        long unsigned = Integer.toUnsignedLong(id);
        if (unsigned <= lastRemoteStreamId) {
            protocolError("yamux: stream id " + ids + " reused (ids must increase, last was " + lastRemoteStreamId + ")");
            return null;
        }
        lastRemoteStreamId = unsigned;
        if (localGoAway || inboundStreams >= config.maxInboundStreams()) {
            LOG.debug("[{}] yamux: refusing stream {} ({})", ctx.channel().id(), ids,
                    localGoAway ? "going away" : inboundStreams + " inbound streams open");
            writeHeader(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, id, 0);
            ctx.flush();
            return null;
        }
        YamuxStreamChannel stream = new YamuxStreamChannel(this, ctx.channel(), id, false);
        stream.pipeline().addLast(inboundInitializer);
        streams.put(id, stream);
        inboundStreams++;
        writeHeader(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_ACK, id, 0);
        ctx.flush();
        ctx.channel().eventLoop().register(stream).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.warn("[{}] yamux: cannot register stream {}: {}", ctx.channel().id(), ids, f.cause().toString());
                stream.reset();
            }
        });
        return stream;
    }

    private void onPing(YamuxFrame f) {
        if (f.hasFlag(YamuxFrame.FLAG_SYN)) {
            writeHeader(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, f.length());
            ctx.flush();
        } else if (f.hasFlag(YamuxFrame.FLAG_ACK)) {
            int id = (int) f.length();
            long[] start = pendingPings.remove(id);
            CompletableFuture<Duration> fut = pingFutures.remove(id);
            if (start != null) {
                long rtt = Math.max(0, config.nanoClock().getAsLong() - start[0]);
                rttNanos = rtt;
                fut.complete(Duration.ofNanos(rtt));
            }
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
        for (YamuxStreamChannel s : new ArrayList<>(streams.values())) {
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
        while (!waitingOpens.isEmpty() && ackBacklog < config.maxAckBacklog()) {
            WaitingOpen w = waitingOpens.poll();
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
        IOException closedWhileWaiting = new IOException("yamux: session closed before the stream could open");
        for (WaitingOpen w : waitingOpens) {
            w.promise().tryFailure(closedWhileWaiting);
        }
        waitingOpens.clear();
        List<YamuxStreamChannel> all = new ArrayList<>(streams.values());
        streams.clear();
        for (YamuxStreamChannel s : all) {
            s.onSessionClosed();
        }
        IOException gone = new IOException("yamux: session closed");
        pingFutures.values().forEach(f -> f.completeExceptionally(gone));
        pingFutures.clear();
        pendingPings.clear();
    }

    private void protocolError(String reason) {
        if (failed) {
            return;
        }
        failed = true;
        LOG.warn("[{}] {}; closing connection to {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
        ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
        YamuxFrame.writeHeader(b, YamuxFrame.TYPE_GO_AWAY, 0, 0, YamuxFrame.GO_AWAY_PROTOCOL_ERROR);
        ctx.writeAndFlush(b);
        ctx.close();
    }

    // ---- called by streams ----

    boolean isOpen() {
        return !closed && !failed;
    }

    boolean connectionWritable() {
        return ctx.channel().isWritable();
    }

    void writeData(YamuxStreamChannel stream, ByteBuf data) {
        ByteBuf header = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
        YamuxFrame.writeHeader(header, YamuxFrame.TYPE_DATA, 0, stream.streamId(), data.readableBytes());
        CompositeByteBuf frame = ctx.alloc().compositeBuffer(2);
        frame.addComponents(true, header, data);
        ctx.write(frame, ctx.voidPromise());
    }

    void flush() {
        ctx.flush();
    }

    void sendFin(YamuxStreamChannel stream) {
        if (isOpen()) {
            writeHeader(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_FIN, stream.streamId(), 0);
            ctx.flush();
        }
    }

    void sendReset(YamuxStreamChannel stream) {
        if (isOpen()) {
            writeHeader(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, stream.streamId(), 0);
            ctx.flush();
        }
    }

    void remove(YamuxStreamChannel stream) {
        if (streams.remove(stream.streamId()) != null) {
            if (!stream.isOutbound()) {
                inboundStreams--;
            } else if (!stream.acked) {
                ackBacklog--;
                if (ctx.executor().inEventLoop()) {
                    openWaiting();
                } else {
                    ctx.executor().execute(this::openWaiting);
                }
            }
        }
    }

    /**
     * {@code n} bytes of {@code stream} were delivered (or discarded): return them to the peer's
     * send window in batches of half a window, doubling the window when a batch took less than
     * four round trips.
     */
    void consumed(YamuxStreamChannel stream, long n) {
        stream.unacked += n;
        if (stream.remoteFin || stream.reset || !isOpen() || stream.unacked < stream.recvWindow / 2) {
            return;
        }
        long now = config.nanoClock().getAsLong();
        long grow = 0;
        long rtt = rttNanos;
        if (stream.epochStarted && rtt >= 0 && now - stream.epochStart <= 4 * rtt && stream.recvWindow < config.maxWindow()
                && stream.isOpen()) {
            long bigger = Math.min(stream.recvWindow * 2, config.maxWindow());
            grow = bigger - stream.recvWindow;
            stream.recvWindow = bigger;
        }
        stream.epochStarted = true;
        stream.epochStart = now;
        long delta = stream.unacked + grow;
        stream.unacked = 0;
        stream.recvCredit += delta;
        writeHeader(YamuxFrame.TYPE_WINDOW_UPDATE, 0, stream.streamId(), delta);
        ctx.flush();
    }

    private void writeHeader(int type, int flags, int streamId, long length) {
        ByteBuf b = ctx.alloc().buffer(YamuxFrame.HEADER_LENGTH);
        YamuxFrame.writeHeader(b, type, flags, streamId, length);
        ctx.write(b, ctx.voidPromise());
    }
}
