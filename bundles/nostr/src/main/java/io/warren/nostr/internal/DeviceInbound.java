package io.warren.nostr.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.warren.api.PeerRef;
import io.warren.api.StreamHandler;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import io.warren.nostr.Event;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.yamux.Yamux;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tunnel requests that reach this device: each is checked (addressed here, fresh, not seen
 * before, allowed by the {@link DevicePolicy}), then spliced to the configured service's local TCP
 * target or handed to the whiteboard {@link StreamHandler} of its protocol; a refusal is answered
 * with its reason.
 */
final class DeviceInbound {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceInbound.class);

  private final String hex;
  private final String callsign;
  private final Map<String, DeviceService> services;
  private final DevicePolicy policy;
  private final DevicePolicy.Seen seen = new DevicePolicy.Seen();
  private final Function<String, StreamHandler> handlers;
  private final EventLoops loops;

  DeviceInbound(String hex, ClientSettings settings, Function<String, StreamHandler> handlers, EventLoops loops) {
    this.hex = hex;
    this.callsign = TunnelWire.callsign(hex);
    this.services = settings.services();
    this.policy = new DevicePolicy(hex, settings.allow(), settings.block());
    this.handlers = handlers;
    this.loops = loops;
  }

  /** A tunnel request arrived on {@code stream} (its event loop). */
  void accept(Channel stream, String json) {
    long now = System.currentTimeMillis() / 1000;
    Event request;
    try {
      request = Event.parse(json);
      String target = TunnelWire.checkRequest(request, now);
      if (!target.equals(hex)) {
        TunnelWire.refuse(stream, "invalid: the request is addressed to another device");
        return;
      }
    } catch (NostrException e) {
      TunnelWire.refuse(stream, "invalid: " + e.getMessage());
      return;
    }
    if (!seen.add(request.id(), now)) {
      TunnelWire.refuse(stream, "duplicate: this tunnel request was already used");
      return;
    }
    String protocol = TunnelWire.protocolOf(request);
    if (protocol.startsWith(TunnelWire.SERVICE_PREFIX)) {
      service(stream, request, protocol.substring(TunnelWire.SERVICE_PREFIX.length()), now);
    } else {
      protocol(stream, request, protocol, now);
    }
  }

  /** A configured service: connect to its local target and splice. */
  private void service(Channel stream, Event request, String name, long now) {
    DeviceService s = services.get(name);
    if (s == null) {
      TunnelWire.refuse(stream, "error: this device has no service " + TunnelWire.printable(name));
      return;
    }
    String r = policy.refusal(request, s, now);
    if (r != null) {
      LOG.info("Device {}: refused {} to service {}: {}", callsign, TunnelWire.callsign(request.pubkey()), s.name(), r);
      TunnelWire.refuse(stream, r);
      return;
    }
    new Bootstrap().group(stream.eventLoop()).channel(loops.socketChannel())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .handler(Splice.hold()) // what the service sends before the splice starts
        .connect(s.host(), s.port()).addListener((ChannelFuture f) -> {
          if (!f.isSuccess()) {
            TunnelWire.refuse(stream, "error: service " + s.name() + " is not reachable on the device");
            return;
          }
          stream.writeAndFlush(TunnelWire.header(stream.alloc(), TunnelWire.answer(true, "")));
          LOG.debug("Device {}: tunnel from {} to service {}", callsign, TunnelWire.callsign(request.pubkey()),
              s.name());
          Splice.between(stream, f.channel()).start();
        });
  }

  /** A whiteboard protocol: its handler takes the stream. */
  private void protocol(Channel stream, Event request, String protocol, long now) {
    StreamHandler h = handlers.apply(protocol);
    if (h == null) {
      TunnelWire.refuse(stream, "error: protocol " + TunnelWire.printable(protocol) + " is not served here");
      return;
    }
    String r = policy.refusal(request, null, now);
    if (r != null) {
      TunnelWire.refuse(stream, r);
      return;
    }
    stream.writeAndFlush(TunnelWire.header(stream.alloc(), TunnelWire.answer(true, "")));
    try {
      h.handle(new NostrStream(stream, new PeerRef(PeerRef.NOSTR, request.pubkey()), protocol));
    } catch (Exception e) {
      LOG.warn("Device {}: handler for {} failed", callsign, protocol, e);
      Yamux.reset(stream);
    }
  }
}
