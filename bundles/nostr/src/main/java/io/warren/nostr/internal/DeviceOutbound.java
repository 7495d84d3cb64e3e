package io.warren.nostr.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.TransportException;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.Tunnels;
import io.warren.nostr.internal.tunnel.HeaderReader;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.yamux.Yamux;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What this device asks of other devices, through the first relay it is connected to: resolving
 * a callsign to a key (from the devices' announcements), opening tunnels (a signed request on a
 * new stream, answered by the other device) and listing announced services.
 */
final class DeviceOutbound {
  /** Seconds the other device has to answer a tunnel request. */
  static final int ANSWER_TIMEOUT_SECONDS = 20;

  private final DeviceClient device;

  DeviceOutbound(DeviceClient device) {
    this.device = device;
  }

  /** Resolves a device name to its hex key (a callsign by looking up its announcements). */
  CompletableFuture<String> resolve(String name) {
    TunnelWire.DeviceRef ref;
    try {
      ref = TunnelWire.parseDevice(name);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new TransportException(e.getMessage(), e));
    }
    if (ref.hex() != null) {
      return CompletableFuture.completedFuture(ref.hex());
    }
    RelayLink l = device.connected();
    if (l == null) {
      return CompletableFuture.failedFuture(device.notConnected());
    }
    Filter f = new Filter(null, null, Set.of(TunnelWire.DEVICE_KIND, TunnelWire.SERVICE_KIND),
        Map.of('w', Set.of(ref.callsign())), null, null, 50);
    return l.query(f).thenApply(events -> {
      for (Event e : events) {
        if (TunnelWire.callsign(e.pubkey()).equals(ref.callsign())) {
          return e.pubkey();
        }
      }
      throw new TransportException("nostr: no device with callsign " + ref.callsign() + " is announced on "
          + l.url() + " (give its npub or hex key)");
    });
  }

  /** Opens a tunnel to {@code name} speaking {@code protocol} through the first connected relay. */
  CompletableFuture<Stream> open(String name, String protocol) {
    return resolve(name).thenCompose(target -> {
      RelayLink l = device.connected();
      Yamux.Session mux = l == null ? null : l.mux();
      if (mux == null) {
        return CompletableFuture.failedFuture(device.notConnected());
      }
      Event request = device.sign(TunnelWire.REQUEST_KIND, List.of(List.of("p", target), List.of("protocol", protocol),
          TunnelWire.nonce()), "");
      CompletableFuture<Stream> result = new CompletableFuture<>();
      PeerRef peer = new PeerRef(PeerRef.NOSTR, target);
      HeaderReader reader = new HeaderReader(new HeaderReader.Listener() {
        @Override
        public void onHeader(Channel stream, String json) {
          String refusal = TunnelWire.refusal(json);
          if (refusal == null) {
            result.complete(new NostrStream(stream, peer, protocol));
          } else {
            result.completeExceptionally(new TransportException("nostr: " + refusal));
            stream.close();
          }
        }

        @Override
        public void onFailure(Channel stream, String why) {
          result.completeExceptionally(new TransportException("nostr: " + why));
        }
      });
      mux.openStream(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          ch.pipeline().addLast(HeaderReader.NAME, reader);
        }
      }).addListener(f -> {
        if (!f.isSuccess()) {
          result.completeExceptionally(new TransportException("nostr: cannot open a stream on " + l.url() + ": "
              + f.cause().getMessage(), f.cause()));
          return;
        }
        Channel stream = (Channel) f.getNow();
        stream.writeAndFlush(TunnelWire.header(stream.alloc(), request.toJson()));
        stream.eventLoop().schedule(() -> {
          if (result.completeExceptionally(new TransportException("nostr: no answer from the device within "
              + ANSWER_TIMEOUT_SECONDS + " s"))) {
            stream.close();
          }
        }, ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      });
      return result;
    });
  }

  /** Services announced on the first connected relay (of one device, or of all). */
  CompletableFuture<List<Tunnels.ServiceInfo>> services(String name) {
    RelayLink l = device.connected();
    if (l == null) {
      return CompletableFuture.failedFuture(device.notConnected());
    }
    CompletableFuture<Filter> filter;
    if (name == null || name.isBlank()) {
      filter = CompletableFuture
          .completedFuture(new Filter(null, null, Set.of(TunnelWire.SERVICE_KIND), null, null, null, 500));
    } else {
      filter = resolve(name)
          .thenApply(h -> new Filter(null, Set.of(h), Set.of(TunnelWire.SERVICE_KIND), null, null, null, 500));
    }
    return filter.thenCompose(l::query).thenApply(DeviceOutbound::infos);
  }

  /** Service announcements as the {@link Tunnels} API lists them, by callsign and name. */
  static List<Tunnels.ServiceInfo> infos(List<Event> events) {
    List<Tunnels.ServiceInfo> out = new ArrayList<>();
    for (Event e : events) {
      out.add(new Tunnels.ServiceInfo(e.pubkey(), TunnelWire.callsign(e.pubkey()), e.dTag(),
          e.firstTagValue("protocol").orElse(""), "true".equals(e.firstTagValue("public").orElse("false")),
          e.content()));
    }
    out.sort(Comparator.comparing(Tunnels.ServiceInfo::callsign).thenComparing(Tunnels.ServiceInfo::name));
    return out;
  }
}
