package io.warren.node.internal;

import io.warren.api.PeerDirectory;
import io.warren.api.PeerId;
import io.warren.api.PeerNames;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.identity.Bech32;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The node's {@link PeerDirectory}: literal forms are parsed here, names come from every
 * registered {@link PeerNames}, and streams are opened on the {@link Transport} registered under
 * the reference's scheme. Transports and name sources come and go at run time.
 */
@Component(service = PeerDirectory.class)
public final class Directory implements PeerDirectory {
  private final Map<String, Transport> transports = new ConcurrentHashMap<>();
  private final List<PeerNames> names = new CopyOnWriteArrayList<>();

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addTransport(Transport t) {
    transports.put(t.name(), t);
  }

  void removeTransport(Transport t) {
    transports.remove(t.name(), t);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addNames(PeerNames n) {
    names.add(n);
  }

  void removeNames(PeerNames n) {
    names.remove(n);
  }

  @Override
  public PeerRef resolve(String text) {
    Optional<PeerRef> literal = literal(text);
    if (literal.isPresent()) {
      return literal.get();
    }
    List<PeerRef> found = new ArrayList<>();
    for (PeerNames n : names) {
      n.lookup(text).filter(r -> !found.contains(r)).ifPresent(found::add);
    }
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("no node '" + text + "' known here (expected a node name, a device, "
          + "a peer ID 12D3KooW..., an npub1... or a 64-digit hex key)");
    }
    throw new IllegalArgumentException("'" + text + "' names more than one peer: " + found);
  }

  /** A peer ID, an npub, a 64-digit hex key or a {@code scheme:id} reference; empty otherwise. */
  static Optional<PeerRef> literal(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no peer given");
    }
    if (text.startsWith(PeerRef.LIBP2P + ":") || text.startsWith(PeerRef.NOSTR + ":")) {
      return Optional.of(PeerRef.parse(text));
    }
    if (text.startsWith("npub1")) {
      Bech32.Decoded d = Bech32.decode(text);
      if (!d.hrp().equals("npub")) {
        throw new IllegalArgumentException("not an npub: " + text);
      }
      return Optional.of(PeerRef.nostr(d.data()));
    }
    if (text.length() == 64 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      return Optional.of(PeerRef.nostr(HexFormat.of().parseHex(text)));
    }
    if (PeerId.isPeerId(text)) {
      return Optional.of(PeerRef.libp2p(PeerId.parse(text)));
    }
    return Optional.empty();
  }

  @Override
  public Optional<String> nameOf(PeerRef peer) {
    for (PeerNames n : names) {
      Optional<String> name = n.nameOf(peer);
      if (name.isPresent()) {
        return name;
      }
    }
    return Optional.empty();
  }

  @Override
  public List<String> transportsFor(PeerRef peer) {
    return transports.containsKey(peer.transport()) ? List.of(peer.transport()) : List.of();
  }

  @Override
  public CompletionStage<Stream> open(PeerRef peer, String protocolId) {
    Transport t = transports.get(peer.transport());
    if (t == null) {
      return CompletableFuture.failedFuture(new TransportException("no " + peer.transport()
          + " transport is running on this node to reach " + peer));
    }
    return t.open(peer, protocolId);
  }
}
