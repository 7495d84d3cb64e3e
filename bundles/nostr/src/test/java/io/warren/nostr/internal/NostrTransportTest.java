package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.TransportException;
import io.warren.identity.Bip340;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import io.warren.yamux.Yamux;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nostr Transport contract in one JVM: a relay with its device layer and two devices over real
 * WebSockets on loopback; streams opened by protocol id reach the remote whiteboard handler, carry
 * bytes both ways with backpressure and half-close, and refusals say why.
 */
class NostrTransportTest {
  static final String ECHO = "/test/echo/1.0.0";
  @TempDir Path dir;
  private H2Store h2;
  private final TestEventLoops loops = new TestEventLoops();
  private RelayServer relay;
  private EventStore events;
  private DeviceHub hub;
  private final List<DeviceClient> devices = new ArrayList<>();

  record Key(byte[] secret, String hex) implements NodeIdentity {
    static Key random() {
      byte[] s = Bip340.newSecretKey();
      return new Key(s, HexFormat.of().formatHex(Bip340.publicKey(s)));
    }

    @Override
    public String peerId() {
      return "test";
    }

    @Override
    public byte[] publicKey() {
      return new byte[32];
    }

    @Override
    public byte[] sign(byte[] data) {
      throw new UnsupportedOperationException();
    }

    @Override
    public byte[] nostrPublicKey() {
      return HexFormat.of().parseHex(hex);
    }

    @Override
    public String npub() {
      return TunnelWire.npub(hex);
    }

    @Override
    public byte[] signNostr(byte[] message32) {
      return Bip340.sign(secret, message32);
    }

    @Override
    public String name() {
      return "test";
    }
  }

  static DeviceClient.Config config(Map<String, Object> values) {
    return Configs.of(DeviceClient.Config.class, values);
  }

  @BeforeEach
  void startRelay() throws Exception {
    h2 = H2Store.open(dir);
    Key relayKey = Key.random();
    hub = new DeviceHub(Configs.devices(), new DeviceHub.Signer(relayKey.hex(), relayKey::signNostr));
    relay = new RelayServer(loops, Configs.relay(), events = new EventStore(h2), relayKey.hex(), "test", hub);
  }

  @AfterEach
  void stop() {
    devices.forEach(DeviceClient::deactivate);
    relay.close();
    h2.close();
    loops.close();
  }

  private DeviceClient device(Key key, String... allow) throws Exception {
    DeviceClient d = new DeviceClient(key, loops, config(Map.of("relays", new String[] {relay.url()}, "allow", allow,
        "reconnect_max_seconds", 1)));
    devices.add(d);
    Await.until(Duration.ofSeconds(20), () -> hub.devices().stream().anyMatch(x -> x.hex().equals(key.hex()))
        && d.links().get(0).state().equals("connected"), "device registered: " + d.links());
    // its announcement is stored a moment after it connected; callsigns resolve from then on
    Await.until(Duration.ofSeconds(20), () -> d.resolve(TunnelWire.callsign(key.hex()))
        .handle((h, e) -> key.hex().equals(h)).get(10, TimeUnit.SECONDS), "device announced");
    return d;
  }

  static StreamHandler echo() {
    return stream -> stream.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        assertFalse(ctx.channel().config().isAutoRead(), "handlers get streams with auto-read off");
        ctx.read();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> ctx.read());
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          Yamux.shutdownOutput(ctx.channel());
        }
      }
    });
  }

  /** Writes {@code data}, half-closes, and collects what comes back until the peer half-closes. */
  static byte[] roundTrip(Stream s, byte[] data) throws Exception {
    CompletableFuture<byte[]> back = new CompletableFuture<>();
    ByteBuf got = Unpooled.buffer();
    s.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        got.writeBytes(b);
        b.release();
        ctx.read();
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          byte[] out = new byte[got.readableBytes()];
          got.readBytes(out);
          back.complete(out);
        }
      }
    });
    s.channel().read();
    for (int off = 0; off < data.length; off += 65536) {
      s.channel().writeAndFlush(Unpooled.wrappedBuffer(data, off, Math.min(65536, data.length - off))).sync();
    }
    Yamux.shutdownOutput(s.channel());
    return back.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aStreamReachesTheRemoteHandlerAndCarriesBytesBothWays() throws Exception {
    Key a = Key.random();
    Key b = Key.random();
    DeviceClient da = device(a);
    DeviceClient db = device(b, a.hex());
    db.addStreamHandler(echo(), Map.of(StreamHandler.PROTOCOL, ECHO));

    Stream s = da.open(TunnelWire.callsign(b.hex()), ECHO).get(20, TimeUnit.SECONDS);
    assertTrue(s.relayed());
    assertEquals(ECHO, s.protocol());
    assertEquals(b.hex(), s.peer().id());
    assertFalse(s.channel().config().isAutoRead());
    byte[] data = new byte[3 << 20];
    new Random(5).nextBytes(data);
    byte[] back = roundTrip(s, data);
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)),
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(back)));
  }

  @Test
  void aHandlerLimitedToOtherTransportsIsNotServedThroughTheRelay() throws Exception {
    Key a = Key.random();
    Key b = Key.random();
    DeviceClient da = device(a);
    DeviceClient db = device(b, a.hex());
    db.addStreamHandler(echo(), Map.of(StreamHandler.PROTOCOL, ECHO, StreamHandler.TRANSPORTS, "libp2p"));
    assertTrue(failure(da.open(b.hex(), ECHO)).contains("not served"), "a libp2p-only handler");
    db.addStreamHandler(echo(), Map.of(StreamHandler.PROTOCOL, ECHO, StreamHandler.TRANSPORTS,
        new String[] {"libp2p", "nostr"}));
    assertEquals(ECHO, da.open(b.hex(), ECHO).get(20, TimeUnit.SECONDS).protocol(), "offered on nostr too");
  }

  @Test
  void refusalsSayWhy() throws Exception {
    Key a = Key.random();
    Key b = Key.random();
    DeviceClient da = device(a);
    DeviceClient db = device(b);
    db.addStreamHandler(echo(), Map.of(StreamHandler.PROTOCOL, ECHO));
    assertTrue(failure(da.open(b.hex(), ECHO)).contains("restricted:"), "a key the device does not allow");
    assertTrue(failure(da.open(b.hex(), "/nobody/1.0.0")).contains("not served"), "an unknown protocol");
    assertTrue(failure(da.open(Key.random().hex(), ECHO)).contains("not connected"), "a device that is not there");
    assertTrue(failure(da.open("../../etc", ECHO)).contains("invalid device"), "a path as device name");
  }

  @Test
  void gatewayTagsFromADeviceAreRefusedUnlessTheOperatorAllowedItsKey() throws Exception {
    Key a = Key.random();
    Key b = Key.random();
    DeviceClient da = device(a);
    DeviceClient db = device(b);
    db.addStreamHandler(echo(), Map.of(StreamHandler.PROTOCOL, ECHO));
    // a device speaking for another key, as only the relay's own gateway may
    io.warren.nostr.Event request = da.sign(TunnelWire.REQUEST_KIND, List.of(List.of("p", b.hex()),
        List.of("protocol", ECHO), TunnelWire.nonce(), List.of("gateway", "http"), List.of("auth", "{}")), "");
    CompletableFuture<String> answer = new CompletableFuture<>();
    da.connected().mux().openStream(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
      @Override
      protected void initChannel(io.netty.channel.Channel ch) {
        ch.pipeline().addLast(io.warren.nostr.internal.tunnel.HeaderReader.NAME,
            new io.warren.nostr.internal.tunnel.HeaderReader(
                new io.warren.nostr.internal.tunnel.HeaderReader.Listener() {
                  @Override
                  public void onHeader(io.netty.channel.Channel stream, String json) {
                    answer.complete(json);
                  }

                  @Override
                  public void onFailure(io.netty.channel.Channel stream, String why) {
                    answer.completeExceptionally(new IllegalStateException(why));
                  }
                }));
      }
    }).addListener(f -> {
      if (f.isSuccess()) {
        io.netty.channel.Channel s = (io.netty.channel.Channel) f.getNow();
        s.writeAndFlush(TunnelWire.header(s.alloc(), request.toJson()));
      }
    });
    String refusal = TunnelWire.refusal(answer.get(20, TimeUnit.SECONDS));
    assertTrue(refusal != null && refusal.startsWith("restricted:") && refusal.contains("device.gateway.allow"),
        String.valueOf(refusal));
  }

  @Test
  void theNewestSessionForAKeyWins() throws Exception {
    Key a = Key.random();
    DeviceClient first = device(a);
    DeviceClient second = new DeviceClient(a, loops, config(Map.of("relays", new String[] {relay.url()},
        "reconnect_max_seconds", 60)));
    devices.add(second);
    Await.until(Duration.ofSeconds(20), () -> second.links().get(0).state().equals("connected")
        && !first.links().get(0).state().equals("connected"), "the second session replaced the first");
    assertEquals(1, hub.devices().size());
  }

  @Test
  void anIdleDeviceStaysConnectedThroughKeepalives() throws Exception {
    Key a = Key.random();
    DeviceClient d =
        new DeviceClient(a, loops, config(Map.of("relays", new String[] {relay.url()}, "keepalive_seconds", 1)));
    devices.add(d);
    Await.until(Duration.ofSeconds(20), () -> d.links().get(0).state().equals("connected"), "connected");
    String since = d.links().get(0).since();
    // three times the keepalive without input would reconnect: watch for five seconds that it does not
    // (waiting for a reconnection must time out; it returns early on the first sign of one)
    AssertionError watched = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
        () -> Await.until(Duration.ofSeconds(5), () -> !d.links().get(0).state().equals("connected")
            || !since.equals(d.links().get(0).since()), "a reconnection"),
        () -> "the idle link reconnected: " + d.links());
    assertTrue(watched.getMessage().contains("a reconnection"), watched.getMessage());
    assertEquals("connected", d.links().get(0).state());
    assertEquals(since, d.links().get(0).since(), "no reconnection");
  }

  @Test
  void devicesAnnouncedThroughTheRelayAreNamedByCallsignAndName() throws Exception {
    Key a = Key.random();
    Key b = Key.random();
    DeviceClient da = device(a);
    device(b);
    // b announced itself after a connected: a's standing subscription hears it live
    Await.until(() -> da.seenDevices().stream().anyMatch(k -> k.hex().equals(b.hex())), "a saw b's announcement");
    DeviceNames names = new DeviceNames(da::seenDevices);
    PeerRef refB = new PeerRef(PeerRef.NOSTR, b.hex());
    assertEquals(Optional.of(refB), names.lookup(TunnelWire.callsign(b.hex())));
    assertEquals(Optional.of("test"), names.nameOf(refB), "the name b announces (its node name)");
    assertEquals(Optional.empty(), names.lookup("nobody"));
    assertEquals(Optional.empty(), names.nameOf(new PeerRef(PeerRef.NOSTR, Key.random().hex())));
    // both devices announce the node name "test": a name two keys share resolves to neither
    IllegalArgumentException twice = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> names.lookup("test"));
    assertTrue(twice.getMessage().contains(TunnelWire.callsign(a.hex()))
        && twice.getMessage().contains(TunnelWire.callsign(b.hex())), twice.getMessage());
  }

  @Test
  void aDevicesRecordAttributesReachOthersSignedAndFollowChanges() throws Exception {
    DeviceClient da = device(Key.random());
    DeviceClient db = device(Key.random());
    java.util.concurrent.atomic.AtomicReference<Map<String, String>> says =
        new java.util.concurrent.atomic.AtomicReference<>(Map.of("ssh.hostkey", "SHA256:one"));
    db.addRecordAttributes(says::get); // as DS binds a service registered after the device connected
    PeerRef refB = new PeerRef(PeerRef.NOSTR, db.hex());
    DeviceAttributes heardByA = new DeviceAttributes(hex -> da.seenAnnouncement(hex).stream().toList());
    DeviceAttributes onRelay = new DeviceAttributes(hex -> events.query(List.of(new io.warren.nostr.Filter(null,
        java.util.Set.of(hex), java.util.Set.of(TunnelWire.DEVICE_KIND), null, null, null, 4)), 4, 4).stream()
        .map(r -> io.warren.nostr.Event.parse(r.json())).toList());
    Await.until(() -> heardByA.of(refB).equals(Optional.of(Map.of("ssh.hostkey", "SHA256:one"))),
        "a heard b's attribute: " + heardByA.of(refB));
    Await.until(() -> onRelay.of(refB).equals(Optional.of(Map.of("ssh.hostkey", "SHA256:one"))),
        "the relay stored b's attribute");
    // a service changing what it says is announced again (the periodic look), and the newer word wins
    says.set(Map.of("ssh.hostkey", "SHA256:two"));
    Await.until(Duration.ofSeconds(20), () -> heardByA.of(refB).equals(Optional.of(Map.of("ssh.hostkey",
        "SHA256:two"))), "a heard b's new attribute");
    Await.until(() -> onRelay.of(refB).equals(Optional.of(Map.of("ssh.hostkey", "SHA256:two"))),
        "the relay replaced b's announcement");
    assertEquals(Optional.of(Map.of()), heardByA.of(new PeerRef(PeerRef.NOSTR, da.hex())), "a says nothing");
  }

  @Test
  void theRelayNamesItsDevicesByCallsignAndAnnouncedName() throws Exception {
    Key a = Key.random();
    device(a);
    PeerRef refA = new PeerRef(PeerRef.NOSTR, a.hex());
    // connected: the callsign is known at once; announced: the name too, from the relay's store
    DeviceNames connected = new DeviceNames(() -> DeviceNames.known(hub.devices(), List.of(), List.of()));
    assertEquals(Optional.of(refA), connected.lookup(TunnelWire.callsign(a.hex())));
    assertEquals(Optional.of(TunnelWire.callsign(a.hex())), connected.nameOf(refA));
    DeviceNames announced =
        new DeviceNames(() -> DeviceNames.known(List.of(), DeviceNames.announced(events, 10), List.of()));
    assertEquals(Optional.of(refA), announced.lookup("test"));
    assertEquals(Optional.of("test"), announced.nameOf(refA));
  }

  static String failure(CompletableFuture<?> f) throws InterruptedException {
    try {
      f.get(20, TimeUnit.SECONDS);
      return "(succeeded)";
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof TransportException, e.getCause().toString());
      return e.getCause().getMessage();
    } catch (java.util.concurrent.TimeoutException e) {
      return "(timed out)";
    }
  }

}
