package io.warren.nostr.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.identity.Bip340;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.store.internal.H2Store;
import io.warren.testing.Await;
import io.warren.testing.TestEventLoops;
import io.warren.testing.TransportContract;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A Nostr relay with its device layer and two devices on loopback WebSockets, in this JVM, built
 * from the nostr bundle's internal classes the way its own NostrTransportTest builds them (hence
 * this package): {@code H2Store.open}, {@code new DeviceHub(DeviceSettings.DEFAULT, signer)},
 * {@code new RelayServer(RelaySettings.defaults(...), new EventStore(store), key, version, hub)},
 * {@code new DeviceClient(identity, config)} and its package-private {@code addStreamHandler},
 * {@code open} and {@code deactivate}. Device B allows device A's key; A opens tunnels to B's key.
 */
public final class NostrEndpoints implements TransportContract.Endpoints {
  private final H2Store store;
  private final TestEventLoops loops = new TestEventLoops();
  private final RelayServer relay;
  private final DeviceHub hub;
  private final List<DeviceClient> devices = new ArrayList<>();
  private DeviceClient a;
  private DeviceClient b;
  private String bHex;

  private NostrEndpoints(Path dir) throws Exception {
    store = H2Store.open(dir);
    Key relayKey = Key.random();
    NostrRelay.Config defaults = config(NostrRelay.Config.class, Map.of("enabled", true));
    hub = new DeviceHub(NostrRelay.deviceSettings(defaults), new DeviceHub.Signer(relayKey.hex(), relayKey::signNostr));
    relay = new RelayServer(loops, NostrRelay.settings(defaults, null), new EventStore(store), relayKey.hex(),
        "contract", hub);
  }

  /** Relay and both devices connected and registered; {@code dir} holds the relay's database. */
  public static NostrEndpoints start(Path dir) throws Exception {
    NostrEndpoints e = new NostrEndpoints(dir);
    try {
      Key aKey = Key.random();
      Key bKey = Key.random();
      e.a = e.device(aKey);
      e.b = e.device(bKey, aKey.hex());
      e.bHex = bKey.hex();
      return e;
    } catch (Exception | Error x) {
      e.close();
      throw x;
    }
  }

  private DeviceClient device(Key key, String... allow) throws InterruptedException {
    DeviceClient d = new DeviceClient(key, loops,
        config(DeviceClient.Config.class, Map.of("relays", new String[] {relay.url()}, "allow", allow,
            "reconnect_max_seconds", 1)));
    devices.add(d);
    Await.until(Duration.ofSeconds(20), () -> hub.devices().stream().anyMatch(x -> x.hex().equals(key.hex()))
        && d.links().get(0).state().equals("connected"), "device " + key.hex() + " registered at the relay");
    return d;
  }

  @Override
  public void register(String protocol, StreamHandler handler) {
    b.addStreamHandler(handler, Map.of(StreamHandler.PROTOCOL, protocol));
  }

  @Override
  public CompletionStage<Stream> open(String protocol) {
    return a.open(bHex, protocol);
  }

  @Override
  public void breakConnection() {
    a.deactivate();
  }

  @Override
  public void close() {
    devices.forEach(DeviceClient::deactivate);
    relay.close();
    store.close();
    loops.close();
  }

  /** A Config annotation instance as DS builds it: the given values, the annotation's defaults for the rest. */
  private static <A> A config(Class<A> type, Map<String, Object> values) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (m.getName().equals("annotationType")) {
        return type;
      }
      return values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue();
    }));
  }

  /** A device's identity: only its Nostr key matters here. */
  record Key(byte[] secret, String hex) implements NodeIdentity {
    static Key random() {
      byte[] s = Bip340.newSecretKey();
      return new Key(s, HexFormat.of().formatHex(Bip340.publicKey(s)));
    }

    @Override
    public String peerId() {
      return "contract";
    }

    @Override
    public byte[] publicKey() {
      return new byte[32];
    }

    @Override
    public byte[] sign(byte[] data) {
      throw new UnsupportedOperationException("a contract device has no Ed25519 key");
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
      return "contract";
    }
  }
}
