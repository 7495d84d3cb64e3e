package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /warren/voip/2.0.0} protocol: one request line and one answer line per stream, UTF-8,
 * words separated by one space, at most {@value #MAX_LINE} bytes with the newline. Requests:
 *
 * <pre>
 * ALLOCATE &lt;id&gt; &lt;callee ref&gt;           to a relay: OK &lt;leg a host:port&gt; &lt;leg b host:port&gt;
 * OFFER &lt;id&gt; &lt;codecs&gt; overlay          to the callee, media over the overlay: OK ringing
 * OFFER &lt;id&gt; &lt;codecs&gt; overlay &lt;device&gt; to the callee's node, to ring a Nostr device of its relay:
 *                                      OK ringing nostr:&lt;key&gt; (an older node ignores the word: OK ringing)
 * OFFER &lt;id&gt; &lt;codecs&gt; &lt;host:port&gt; &lt;relay ref|-&gt;  to the callee, its relay leg ("-": the caller relays): OK ringing
 * ANSWER &lt;id&gt; &lt;codec&gt;                 to the caller, from the callee: OK active
 * REFUSE &lt;id&gt; &lt;reason ...&gt;             to the caller, from the callee: OK refused
 * STATS &lt;id&gt;                           to a relay: OK &lt;leg a: 9 fields&gt; &lt;leg b: 9 fields&gt; (RelayStats)
 * RELEASE &lt;id&gt;                         to a relay, from the caller: OK released
 * HANGUP &lt;id&gt;                          to the other side: OK bye
 * PING &lt;id&gt;                            to the other side of an active call: OK pong; ERR ended &lt;state&gt;
 *                                      when that side ended it moments ago (its HANGUP may be on the way);
 *                                      or ERR no such call
 * </pre>
 *
 * An error is {@code ERR <text>}. A call id is 16 lowercase hex digits; RTCP uses the RTP port + 1.
 */
final class Wire {
  private static final Logger LOG = LoggerFactory.getLogger(Wire.class);
  static final String PROTOCOL = "/warren/voip/2.0.0";
  static final int MAX_LINE = 512;
  static final String ALLOCATE = "ALLOCATE";
  static final String OFFER = "OFFER";
  static final String ANSWER = "ANSWER";
  static final String REFUSE = "REFUSE";
  static final String OVERLAY = "overlay";
  static final String STATS = "STATS";
  static final String RELEASE = "RELEASE";
  static final String HANGUP = "HANGUP";
  static final String PING = "PING";
  /** The error for a request about a call the answering node does not have (with that peer). */
  static final String NO_SUCH_CALL = "no such call";
  /** The error word for a PING about a call the answering node ended moments ago; its end state follows. */
  static final String ENDED = "ended";
  static final String CALLER = "-";
  private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");
  /** A device as the callee's node names it: one word of printable ASCII. */
  private static final Pattern DEVICE = Pattern.compile("[\\x21-\\x7e]{1,100}");
  private static final Pattern ENDPOINT = Pattern.compile("([0-9a-fA-F.:]{2,45}):([0-9]{1,5})");

  record Request(String verb, String id, String[] args) {
    String arg(int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(verb + " needs " + (i + 1) + " arguments after the id");
      }
      return args[i];
    }
  }

  private Wire() {}

  static Request parse(String line) {
    String[] w = line.split(" ", -1);
    if (w.length < 2 || !ID.matcher(w[1]).matches()) {
      throw new IllegalArgumentException("expected <VERB> <16 hex digit id> ..., got " + shorten(line));
    }
    return new Request(w[0], w[1], Arrays.copyOfRange(w, 2, w.length));
  }

  private static String shorten(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  /** A {@code host:port} with a literal IP address and a port 1-65535, or an error saying so. */
  static String endpoint(String text) {
    var m = ENDPOINT.matcher(text);
    int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
    if (port < 1 || port > 65535 || !isIpLiteral(m.group(1))) {
      throw new IllegalArgumentException("expected an RTP endpoint <ip>:<port>, got " + shorten(text));
    }
    return text;
  }

  private static boolean isIpLiteral(String host) {
    try {
      // an IPv4 dotted quad or an IPv6 literal only, so never a name lookup
      return (host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.contains(":"))
          && InetAddress.getByName(host) != null;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  static String allocate(String id, PeerRef callee) {
    return ALLOCATE + " " + id + " " + callee;
  }

  static String offer(String id, java.util.List<String> codecs, String media, PeerRef relay) {
    return OFFER + " " + id + " " + String.join(",", codecs) + " " + media + " "
        + (relay == null ? CALLER : relay.toString());
  }

  static String offerOverlay(String id, java.util.List<String> codecs) {
    return OFFER + " " + id + " " + String.join(",", codecs) + " " + OVERLAY;
  }

  /**
   * An overlay offer to ring {@code device} (one word the callee's node resolves: {@code nostr:<hex>},
   * an npub, a name it knows) at the callee's node instead of its console.
   */
  static String offerDevice(String id, java.util.List<String> codecs, String device) {
    if (!DEVICE.matcher(device).matches()) {
      throw new IllegalArgumentException("voip: a device is named by one word of at most 100 printable characters,"
          + " got " + shorten(device));
    }
    return offerOverlay(id, codecs) + " " + device;
  }

  /** The device an {@code OFFER} asks to ring, or null (the node's console answers). */
  static String device(Request offer) {
    boolean overlay = offer.arg(1).equals(OVERLAY);
    int at = overlay ? 2 : 3;
    if (offer.args().length <= at) {
      return null;
    }
    if (!overlay) {
      throw new IllegalArgumentException("a device is rung for a call with media over the overlay only");
    }
    if (offer.args().length > at + 1 || !DEVICE.matcher(offer.args()[at]).matches()) {
      throw new IllegalArgumentException("expected one word naming a device after overlay, got "
          + shorten(String.join(" ", Arrays.copyOfRange(offer.args(), at, offer.args().length))));
    }
    return offer.args()[at];
  }

  /** The answer to an offer that rings {@code device}. */
  static String ringing(PeerRef device) {
    return ok("ringing " + device);
  }

  /**
   * The device {@code who} rings, from its answer to {@link #offerDevice}.
   *
   * @throws IllegalArgumentException with {@code who}'s refusal, or when it rang its console instead
   *     (an older node, which ignores the device)
   */
  static PeerRef ringingDevice(String answer, String who) {
    String[] w = ok(answer, 1, who);
    if (w.length < 3 || !w[1].equals("ringing") || !w[2].startsWith(PeerRef.NOSTR + ":")) {
      throw new IllegalArgumentException("voip: " + who + " rings its console, not the device: its voip does not"
          + " ring devices for other nodes (answered " + shorten(answer) + ")");
    }
    return PeerRef.parse(w[2]);
  }

  static String answer(String id, String codec) {
    return ANSWER + " " + id + " " + codec;
  }

  static String refuse(String id, String reason) {
    return REFUSE + " " + id + " " + reason.replace('\n', ' ');
  }

  static String stats(String id) {
    return STATS + " " + id;
  }

  static String release(String id) {
    return RELEASE + " " + id;
  }

  static String hangup(String id) {
    return HANGUP + " " + id;
  }

  static String ping(String id) {
    return PING + " " + id;
  }

  static String ok(String rest) {
    return "OK " + rest;
  }

  static String error(String text) {
    return "ERR " + (text == null ? "failed" : text.replace('\n', ' '));
  }

  /** The state in a PING's answer {@code ERR ended <state>}, if it is one. */
  static Optional<String> endedState(String answer) {
    String prefix = error(ENDED + " ");
    String state = answer.startsWith(prefix) ? answer.substring(prefix.length()).strip() : "";
    return state.matches("[a-z]{1,20}") ? Optional.of(state) : Optional.empty();
  }

  /**
   * The words of an {@code OK} answer with at least {@code words} after it.
   *
   * @throws IllegalArgumentException with the other side's error, or saying the answer was malformed
   */
  static String[] ok(String answer, int words, String who) {
    if (answer.startsWith("ERR ")) {
      throw new IllegalArgumentException("voip: " + who + " refused: " + answer.substring(4));
    }
    String[] w = answer.split(" ");
    if (!w[0].equals("OK") || w.length < words + 1) {
      throw new IllegalArgumentException("voip: " + who + " answered malformed: " + shorten(answer));
    }
    return w;
  }

  /**
   * Serves one request on {@code stream}: its first line is answered by {@code serve} (peer, line)
   * on {@code workers} ({@code ERR busy} when their queue is full) and the stream closed; a stream
   * that asks nothing, or whose answer takes too long, is closed after {@code timeoutMillis}.
   */
  static void serve(Stream stream, Executor workers, BiFunction<PeerRef, String, String> serve, long timeoutMillis) {
    stream.channel().pipeline().addLast(new LineBasedFrameDecoder(MAX_LINE),
        new SimpleChannelInboundHandler<ByteBuf>() {
          private boolean seen;

          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            if (seen) {
              return; // one request per stream
            }
            seen = true;
            String line = msg.toString(StandardCharsets.UTF_8);
            try {
              workers.execute(() -> reply(stream, serve.apply(stream.peer(), line)));
            } catch (RejectedExecutionException e) {
              reply(stream, error("busy"));
            }
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("voip: stream from {}: {}", stream.peer(), cause.toString());
            reply(stream, error("bad request: " + cause.getMessage()));
          }
        });
    stream.channel().eventLoop().schedule(() -> {
      stream.channel().close();
    }, timeoutMillis, TimeUnit.MILLISECONDS);
    stream.channel().config().setAutoRead(true);
  }

  private static void reply(Stream stream, String line) {
    stream.channel().writeAndFlush(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
