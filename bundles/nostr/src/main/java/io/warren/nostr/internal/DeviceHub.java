package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.warren.api.channel.Splice;
import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.HeaderReader;
import io.warren.nostr.internal.tunnel.Throttle;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.yamux.Yamux;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's device layer: devices registered by a hello after NIP-42 AUTH, each with a Yamux
 * session over its WebSocket, and the tunnels between them.
 *
 * <p>A device is its public key: its callsign is derived from the key, so a device can only ever
 * claim its own. A second authenticated hello for a key that is registered replaces the first
 * (newest wins: a device that reconnects after a network change must not wait for the old TCP
 * connection to time out); the old connection gets a NOTICE and is closed. Nobody else can
 * register the key, since the hello must come from a connection authenticated (NIP-42) as that key.
 */
public final class DeviceHub {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceHub.class);
  /** Seconds a device has to answer a tunnel request. */
  static final int ANSWER_TIMEOUT_SECONDS = 15;
  /** Seconds without input after which a device's connection is closed (devices ping more often). */
  static final int IDLE_SECONDS = 180;

  /** The relay's own key, to sign the requests it makes (gateway, local opens). */
  public record Signer(String pubkey, UnaryOperator<byte[]> sign) {}

  /** A registered device. */
  public static final class Device {
    final String hex;
    final String callsign;
    final Channel channel;
    final Yamux.Session mux;
    final Instant since = Instant.now();
    final AtomicInteger tunnels = new AtomicInteger();
    final AtomicLong tunnelsOpened = new AtomicLong();
    final Throttle throttle;

    Device(String hex, Channel channel, Yamux.Session mux, Throttle throttle) {
      this.hex = hex;
      this.callsign = TunnelWire.callsign(hex);
      this.channel = channel;
      this.mux = mux;
      this.throttle = throttle;
    }

    public String hex() {
      return hex;
    }

    public String callsign() {
      return callsign;
    }

    public Instant since() {
      return since;
    }

    public int tunnels() {
      return tunnels.get();
    }

    public long tunnelsOpened() {
      return tunnelsOpened.get();
    }

    public String remoteAddress() {
      return String.valueOf(channel.remoteAddress());
    }
  }

  /** A refused or failed tunnel, with the NIP-01 style reason ({@code restricted: ...}). */
  public static final class TunnelRefused extends io.warren.api.TransportException {
    private static final long serialVersionUID = 1L;

    public TunnelRefused(String reason) {
      super(reason);
    }
  }

  private final DeviceSettings settings;
  private final Signer signer;
  private final ConcurrentMap<String, Device> devices = new ConcurrentHashMap<>();

  public DeviceHub(DeviceSettings settings, Signer signer) {
    this.settings = settings;
    this.signer = signer;
  }

  public DeviceSettings settings() {
    return settings;
  }

  public Signer signer() {
    return signer;
  }

  /**
   * Whether {@code hex} may register as a device now (allow/block lists, device limit).
   *
   * @return null, or why the device is refused (a NIP-01 OK reason)
   */
  String check(String hex) {
    String r = settings.refusal(hex);
    if (r != null) {
      return r;
    }
    if (!devices.containsKey(hex) && devices.size() >= settings.maxDevices()) {
      return "rate-limited: this relay serves " + settings.maxDevices() + " devices at most";
    }
    return null;
  }

  /**
   * Registers the device behind {@code ch} (on its event loop, after the OK for its hello was
   * written) and starts Yamux on the connection, after {@code afterHandler}. A registered device
   * with the same key is replaced and its connection closed.
   */
  void register(String hex, Channel ch, String afterHandler) {
    ChannelPipeline p = ch.pipeline();
    // a device pings every keepalive.seconds (30 by default): silence this long means it is gone
    p.addFirst("device-idle-close", new io.netty.channel.ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
          LOG.info("Device {}: nothing received for {} s, closing", TunnelWire.callsign(hex), IDLE_SECONDS);
          ctx.close();
        } else {
          ctx.fireUserEventTriggered(evt);
        }
      }
    });
    p.addFirst("device-idle", new io.netty.handler.timeout.IdleStateHandler(IDLE_SECONDS, 0, 0));
    p.addAfter(afterHandler, io.warren.nostr.internal.tunnel.WsBinaryCodec.NAME,
        new io.warren.nostr.internal.tunnel.WsBinaryCodec());
    Yamux.Session mux = Yamux.install(p, io.warren.nostr.internal.tunnel.WsBinaryCodec.NAME, false,
        new InboundStreams(hex), Math.max(1, settings.maxTunnelsPerDevice()));
    Device d = new Device(hex, ch, mux, settings.bandwidth() > 0 ? new Throttle(settings.bandwidth()) : null);
    Device old = devices.put(hex, d);
    LOG.info("Device {} ({}) connected from {}", d.callsign, hex, ch.remoteAddress());
    if (old != null && old.channel != ch) {
      LOG.info("Device {}: a newer session from {} replaces the one from {}", d.callsign, ch.remoteAddress(),
          old.channel.remoteAddress());
      old.channel.eventLoop().execute(() -> {
        old.channel
            .write(new TextWebSocketFrame(Messages.notice("error: a newer session for this key replaced this one")));
        old.channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION, "replaced"))
            .addListener(f -> old.channel.close());
      });
    }
    ch.closeFuture().addListener(f -> {
      if (devices.remove(hex, d)) {
        LOG.info("Device {} disconnected", d.callsign);
      }
    });
  }

  /** Devices connected now, by callsign. */
  public List<Device> devices() {
    List<Device> l = new ArrayList<>(devices.values());
    l.sort(Comparator.comparing(Device::callsign));
    return l;
  }

  /** The device named by a hex key, npub or callsign, or null if it is not connected. */
  public Device find(TunnelWire.DeviceRef ref) {
    if (ref.hex() != null) {
      return devices.get(ref.hex());
    }
    for (Device d : devices.values()) {
      if (d.callsign.equals(ref.callsign())) {
        return d;
      }
    }
    return null;
  }

  /** A tunnel request signed by the relay itself. */
  public Event request(String deviceHex, String protocol, List<List<String>> extraTags) {
    List<List<String>> tags = new ArrayList<>();
    tags.add(List.of("p", deviceHex));
    tags.add(List.of("protocol", protocol));
    tags.add(TunnelWire.nonce());
    tags.addAll(extraTags);
    return Event.sign(signer.pubkey(), signer.sign(), System.currentTimeMillis() / 1000, TunnelWire.REQUEST_KIND, tags,
        "");
  }

  /**
   * Opens a tunnel to {@code target}: a stream carrying {@code request}, completed with the stream
   * (auto-read off, bytes after the answer held for its first read) once the device accepted.
   */
  public CompletableFuture<Channel> open(Device target, Event request) {
    CompletableFuture<Channel> result = new CompletableFuture<>();
    if (settings.maxTunnelsPerDevice() > 0 && target.tunnels.get() >= settings.maxTunnelsPerDevice()) {
      result.completeExceptionally(new TunnelRefused("rate-limited: device " + target.callsign + " has "
          + settings.maxTunnelsPerDevice() + " tunnels open"));
      return result;
    }
    HeaderReader reader = new HeaderReader(new HeaderReader.Listener() {
      @Override
      public void onHeader(Channel stream, String json) {
        String refusal = TunnelWire.refusal(json);
        if (refusal == null) {
          result.complete(stream);
        } else {
          result.completeExceptionally(new TunnelRefused(refusal));
          stream.close();
        }
      }

      @Override
      public void onFailure(Channel stream, String why) {
        result.completeExceptionally(new TunnelRefused("error: device " + target.callsign + " did not answer ("
            + why + ")"));
      }
    });
    target.mux.openStream(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(HeaderReader.NAME, reader);
      }
    }).addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(new TunnelRefused("error: cannot open a stream to device " + target.callsign
            + ": " + f.cause().getMessage()));
        return;
      }
      Channel stream = (Channel) f.getNow();
      target.tunnels.incrementAndGet();
      target.tunnelsOpened.incrementAndGet();
      stream.closeFuture().addListener(x -> target.tunnels.decrementAndGet());
      stream.writeAndFlush(TunnelWire.header(stream.alloc(), request.toJson()));
      stream.eventLoop().schedule(() -> {
        if (!result.isDone()) {
          result.completeExceptionally(new TunnelRefused("error: device " + target.callsign + " did not answer within "
              + ANSWER_TIMEOUT_SECONDS + " s"));
          stream.close();
        }
      }, ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    });
    return result;
  }

  /** Streams a device opens to the relay: tunnel requests to other devices. */
  @Sharable
  private final class InboundStreams extends ChannelInitializer<Channel> {
    private final String from;

    InboundStreams(String from) {
      this.from = from;
    }

    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline().addLast(HeaderReader.NAME, new HeaderReader(new HeaderReader.Listener() {
        @Override
        public void onHeader(Channel stream, String json) {
          forward(from, stream, json);
        }

        @Override
        public void onFailure(Channel stream, String why) {
          LOG.debug("Device {}: tunnel stream failed: {}", from, why);
        }
      }));
    }
  }

  private void forward(String from, Channel source, String json) {
    Event request;
    String targetHex;
    try {
      request = Event.parse(json);
      targetHex = TunnelWire.checkRequest(request, System.currentTimeMillis() / 1000);
    } catch (NostrException e) {
      TunnelWire.refuse(source, "invalid: " + e.getMessage());
      return;
    }
    if (!request.pubkey().equals(from)) {
      TunnelWire.refuse(source, "invalid: the tunnel request is not signed by this connection's key");
      return;
    }
    String r = settings.refusal(from);
    if (r != null) {
      TunnelWire.refuse(source, r);
      return;
    }
    if ((request.firstTagValue("gateway").isPresent() || request.firstTagValue("auth").isPresent())
        && !settings.gatewayKeys().contains(from)) {
      // these tags make a device act for the key of a NIP-98 event: only this relay's gateway and the keys its operator allowed
      TunnelWire.refuse(source,
          "restricted: gateway and auth tags are accepted only from keys in this relay's device.gateway.allow");
      return;
    }
    Device target = devices.get(targetHex);
    if (target == null) {
      TunnelWire.refuse(source, "error: device " + TunnelWire.callsign(targetHex) + " is not connected to this relay");
      return;
    }
    Device origin = devices.get(from);
    if (origin != null) {
      origin.tunnels.incrementAndGet();
      source.closeFuture().addListener(f -> origin.tunnels.decrementAndGet());
    }
    open(target, request).whenComplete((dest, err) -> {
      if (err != null) {
        TunnelWire.refuse(source, err instanceof TunnelRefused ? err.getMessage() : "error: " + err);
        return;
      }
      source.writeAndFlush(TunnelWire.header(source.alloc(), TunnelWire.answer(true, "")));
      Splice.between(source, dest).pace(target.throttle).start();
    });
  }
}
