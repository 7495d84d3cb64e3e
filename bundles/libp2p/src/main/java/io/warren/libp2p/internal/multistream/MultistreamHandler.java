package io.warren.libp2p.internal.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.warren.api.ProtocolException;
import io.warren.libp2p.internal.Deadline;
import io.warren.libp2p.internal.multiformats.Varint;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Negotiates one protocol with multistream-select 1.0 on a channel (a connection or a stream), then
 * hands the channel over and removes itself; bytes that arrived after the negotiation go on to the
 * handlers installed by the {@link Selection} callback.
 *
 * <ul>
 * <li>{@link #listener}: answers the dialer's header, replies {@code na} to unknown proposals,
 *     answers {@code ls}, echoes the first supported proposal.</li>
 * <li>{@link #dialer}: sends the header and its first proposal in one write, then the next one
 *     after each {@code na}, and hands over when the listener echoes a proposal.</li>
 * <li>{@link #lazyDialer}: for one protocol the dialer is sure of: sends header and proposal and
 *     hands over at once, so application data follows without a round trip; it stays in the
 *     pipeline only to strip the listener's header and echo, and closes the channel if the
 *     listener says {@code na}.</li>
 * </ul>
 *
 * Anything else (garbage, oversized messages, a missing header) fails {@link #result()} with a
 * {@link ProtocolException} and closes the channel.
 */
public final class MultistreamHandler extends ByteToMessageDecoder {

  /** A listener refuses after this many unsupported proposals on one channel. */
  public static final int MAX_PROPOSALS = 32;

  private static final Logger LOG = LoggerFactory.getLogger(MultistreamHandler.class);

  /** Installs the handlers for the selected protocol (after this one) and may read the channel's state. */
  @FunctionalInterface
  public interface Selection {
    void selected(ChannelHandlerContext ctx, String protocol);
  }

  private enum Role {
    LISTENER, DIALER, LAZY_DIALER
  }

  private enum State {
    AWAIT_HEADER, AWAIT_PROPOSAL_OR_REPLY, DONE
  }

  private final Role role;
  private final List<String> protocols;
  private final Selection selection;
  private final Deadline deadline;
  private final CompletableFuture<String> result = new CompletableFuture<>();
  private State state = State.AWAIT_HEADER;
  private int proposalIndex;
  private int refused;

  private MultistreamHandler(Role role, List<String> protocols, Selection selection, Duration timeout) {
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException("multistream: no protocols");
    }
    for (String p : protocols) {
      if (p.isEmpty() || p.getBytes(StandardCharsets.UTF_8).length + 1 > Multistream.MAX_MESSAGE_LENGTH
          || p.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("multistream: invalid protocol id '" + p + "'");
      }
    }
    this.role = role;
    this.protocols = List.copyOf(protocols);
    this.selection = selection;
    this.deadline = new Deadline(timeout);
  }

  /** Accepts the first proposal found in {@code supported}. */
  public static MultistreamHandler listener(List<String> supported, Selection selection, Duration timeout) {
    return new MultistreamHandler(Role.LISTENER, supported, selection, timeout);
  }

  /** Proposes {@code preferred} in order until the listener accepts one. */
  public static MultistreamHandler dialer(List<String> preferred, Selection selection, Duration timeout) {
    return new MultistreamHandler(Role.DIALER, preferred, selection, timeout);
  }

  /** Proposes {@code protocol} and hands over without waiting for the listener's answer. */
  public static MultistreamHandler lazyDialer(String protocol, Selection selection, Duration timeout) {
    return new MultistreamHandler(Role.LAZY_DIALER, List.of(protocol), selection, timeout);
  }

  /**
   * Completes with the selected protocol once negotiation is done (for the lazy dialer: once the
   * listener confirmed), or exceptionally with a {@link ProtocolException}.
   */
  public CompletableFuture<String> result() {
    return result;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (!deadline.start(ctx,
        () -> fail(ctx, "multistream: negotiation timed out after " + deadline.millis() + " ms"))) {
      return;
    }
    if (role != Role.LISTENER) {
      ctx.writeAndFlush(Multistream.encode(ctx.alloc(), Multistream.PROTOCOL_ID, protocols.get(0)))
          .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
      if (role == Role.LAZY_DIALER) {
        selection.selected(ctx, protocols.get(0));
      }
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (state != State.DONE && in.isReadable()) {
      String message;
      try {
        message = readMessage(in);
      } catch (ProtocolException e) {
        fail(ctx, e.getMessage());
        return;
      }
      if (message == null) {
        return;
      }
      switch (role) {
        case LISTENER -> onListenerMessage(ctx, message);
        default -> onDialerMessage(ctx, message);
      }
    }
  }

  private void onListenerMessage(ChannelHandlerContext ctx, String message) {
    if (state == State.AWAIT_HEADER) {
      if (!checkHeader(ctx, message)) {
        return;
      }
      ctx.writeAndFlush(Multistream.encode(ctx.alloc(), Multistream.PROTOCOL_ID));
      state = State.AWAIT_PROPOSAL_OR_REPLY;
      return;
    }
    if (Multistream.LS.equals(message)) {
      ctx.writeAndFlush(Multistream.encodeList(ctx.alloc(), protocols));
      return;
    }
    if (protocols.contains(message)) {
      ctx.writeAndFlush(Multistream.encode(ctx.alloc(), message));
      succeed(ctx, message, true);
      return;
    }
    if (++refused > MAX_PROPOSALS) {
      fail(ctx, "multistream: more than " + MAX_PROPOSALS + " unsupported proposals");
      return;
    }
    LOG.debug("[{}] multistream: refusing unsupported protocol '{}'", ctx.channel().id(), message);
    ctx.writeAndFlush(Multistream.encode(ctx.alloc(), Multistream.NA));
  }

  private void onDialerMessage(ChannelHandlerContext ctx, String message) {
    if (state == State.AWAIT_HEADER) {
      if (checkHeader(ctx, message)) {
        state = State.AWAIT_PROPOSAL_OR_REPLY;
      }
      return;
    }
    String proposal = protocols.get(proposalIndex);
    if (message.equals(proposal)) {
      succeed(ctx, proposal, role == Role.DIALER);
      return;
    }
    if (!Multistream.NA.equals(message)) {
      fail(ctx, "multistream: unexpected reply '" + printable(message) + "' to proposal '" + proposal + "'");
      return;
    }
    // a refusal is an answer, not a protocol error: the caller's future says why, the log stays quiet
    if (role == Role.LAZY_DIALER) {
      fail(ctx, "multistream: peer refused '" + proposal + "' (na) after lazy selection", true);
      return;
    }
    if (++proposalIndex >= protocols.size()) {
      fail(ctx, "multistream: peer supports none of " + protocols, true);
      return;
    }
    ctx.writeAndFlush(Multistream.encode(ctx.alloc(), protocols.get(proposalIndex)));
  }

  private boolean checkHeader(ChannelHandlerContext ctx, String message) {
    if (Multistream.PROTOCOL_ID.equals(message)) {
      return true;
    }
    if (message.startsWith("/multistream/")) {
      fail(ctx, "multistream: unsupported version '" + printable(message) + "' (expected "
          + Multistream.PROTOCOL_ID + ")");
    } else {
      fail(ctx, "multistream: expected header " + Multistream.PROTOCOL_ID + ", got '" + printable(message) + "'");
    }
    return false;
  }

  private void succeed(ChannelHandlerContext ctx, String protocol, boolean handOver) {
    state = State.DONE;
    deadline.cancel();
    LOG.debug("[{}] multistream: selected {}", ctx.channel().id(), protocol);
    if (handOver) {
      selection.selected(ctx, protocol);
    }
    result.complete(protocol);
    ctx.pipeline().remove(this);
  }

  private void fail(ChannelHandlerContext ctx, String reason) {
    fail(ctx, reason, false);
  }

  private void fail(ChannelHandlerContext ctx, String reason, boolean refusal) {
    if (state == State.DONE && result.isDone()) {
      return;
    }
    state = State.DONE;
    deadline.cancel();
    if (refusal) {
      LOG.debug("[{}] {}; closing {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
    } else {
      LOG.warn("[{}] {}; closing {}", ctx.channel().id(), reason, ctx.channel().remoteAddress());
    }
    result.completeExceptionally(new ProtocolException(reason));
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!result.isDone() && cause instanceof java.io.IOException) {
      // the connection went away under the negotiation (peer closed, reset): not the peer's protocol error
      LOG.debug("[{}] multistream: {} during negotiation", ctx.channel().id(), cause.toString());
      state = State.DONE;
      deadline.cancel();
      result.completeExceptionally(new ProtocolException("multistream: " + cause, cause));
      ctx.close();
    } else if (!result.isDone()) {
      fail(ctx, "multistream: " + cause);
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    deadline.cancel();
    if (!result.isDone()) {
      state = State.DONE;
      result.completeExceptionally(new ProtocolException("multistream: channel closed during negotiation"));
    }
    super.channelInactive(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    deadline.cancel();
  }

  /** Reads one complete message, or returns null (reader index unchanged) if more bytes are needed. */
  private static String readMessage(ByteBuf in) {
    int start = in.readerIndex();
    long len;
    try {
      len = Varint.read(in);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("multistream: garbage length prefix (" + e.getMessage() + ")");
    }
    if (len == Varint.INCOMPLETE) {
      return null;
    }
    if (len == 0 || len > Multistream.MAX_MESSAGE_LENGTH) {
      throw new ProtocolException("multistream: message length " + len + " (expected 1-"
          + Multistream.MAX_MESSAGE_LENGTH + "); garbage or not multistream-select");
    }
    if (in.readableBytes() < len) {
      in.readerIndex(start);
      return null;
    }
    ByteBuf body = in.readSlice((int) len);
    if (body.getByte(body.writerIndex() - 1) != '\n') {
      throw new ProtocolException(
          "multistream: message does not end with a newline; garbage or not multistream-select");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(body.nioBuffer(body.readerIndex(), (int) len - 1)).toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException("multistream: message is not valid UTF-8");
    }
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return s.length() > 64 ? sb + "..." : sb.toString();
  }

}
