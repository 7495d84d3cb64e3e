package io.warren.libp2p.internal.identify;

import io.netty.buffer.Unpooled;
import io.warren.api.Stream;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.host.AddressScope;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.host.Libp2pStream;
import io.warren.libp2p.internal.host.ReadToEnd;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.libp2p.internal.record.PeerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identify ({@value #PROTOCOL}) and identify/push ({@value #PUSH_PROTOCOL}): answers peers with this
 * node's key, addresses and protocols; asks each new connection's peer the same (its addresses go
 * to the host's address book); pushes an update to every connected peer that supports push when
 * this node's protocols change.
 */
public final class Identify {
  public static final String PROTOCOL = "/ipfs/id/1.0.0";
  public static final String PUSH_PROTOCOL = "/ipfs/id/push/1.0.0";
  public static final String PROTOCOL_VERSION = "ipfs/0.1.0";

  private static final Logger LOG = LoggerFactory.getLogger(Identify.class);

  private final Host host;
  private final String agentVersion;
  /** RFC 0003 allows unix time as seq; a restarted node, or one whose addresses changed, signs with a larger one. */
  private long recordSeq;
  /** The sealed records: all addresses (for peers on loopback), and those any other peer can use. */
  private byte[] signedRecord;
  private byte[] signedScopedRecord;

  public Identify(Host host, String agentVersion) {
    this.host = host;
    this.agentVersion = agentVersion;
  }

  /** Registers the two protocols, identifies every new connection, pushes on protocol changes. */
  public void install() {
    host.protocols().add(PROTOCOL, this::respond);
    host.protocols().add(PUSH_PROTOCOL, this::receivePush);
    host.addConnectionListener(c -> request(c));
    host.protocols().onChange(this::pushToAll);
    host.addAddressListener(() -> {
      synchronized (this) {
        signedRecord = null;
        signedScopedRecord = null;
      }
      pushToAll();
    });
  }

  /** What we tell the peer of {@code c}: the addresses it can use ({@link AddressScope}). */
  public IdentifyMessage describeSelf(Connection c) {
    boolean local = AddressScope.isLoopback(c.remoteAddress());
    List<byte[]> addrs = new ArrayList<>();
    addresses(local).forEach(a -> addrs.add(a.toBytes()));
    return new IdentifyMessage(PROTOCOL_VERSION, agentVersion, host.identity().publicKey().toProtobuf(), addrs,
        c.remoteAddress().toBytes(), host.protocols().protocols(), signedRecord(local));
  }

  private List<Multiaddr> addresses(boolean local) {
    return AddressScope.usable(host.advertisedAddresses(), local);
  }

  /** Our addresses in a signed peer record, sealed again (with a larger seq) when they change. */
  private synchronized byte[] signedRecord(boolean local) {
    byte[] r = local ? signedRecord : signedScopedRecord;
    if (r == null) {
      recordSeq = Math.max(recordSeq + 1, System.currentTimeMillis());
      r = new PeerRecord(host.peerId(), recordSeq, addresses(local)).seal(host.identity());
      if (local) {
        signedRecord = r;
      } else {
        signedScopedRecord = r;
      }
    }
    return r;
  }

  private void respond(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    s.channel().writeAndFlush(Unpooled.wrappedBuffer(describeSelf(s.connection()).encodeDelimited()));
    s.closeWrite();
  }

  private void receivePush(Stream stream) {
    Libp2pStream s = (Libp2pStream) stream;
    s.closeWrite();
    ReadToEnd.read(s.channel(), IdentifyMessage.MAX_LENGTH, "identify/push").whenComplete((bytes, e) -> {
      if (e != null) {
        LOG.debug("[{}] identify/push from {} failed: {}", s.channel(), s.connection().remotePeer(), e.toString());
        return;
      }
      apply(s.connection(), bytes, "identify/push");
    });
  }

  /** Asks the peer of {@code c} to identify itself; the answer also lands in {@link Connection#details()}. */
  public CompletableFuture<Connection.PeerDetails> request(Connection c) {
    host.newStream(c, PROTOCOL).thenCompose(s -> {
      s.closeWrite();
      return ReadToEnd.read(s.channel(), IdentifyMessage.MAX_LENGTH, "identify");
    }).whenComplete((bytes, e) -> {
      if (e != null) {
        LOG.debug("identify of {} failed: {}", c, e.toString());
        c.recordIdentifyFailure(e);
      } else if (!apply(c, bytes, "identify")) {
        c.recordIdentifyFailure(new IllegalArgumentException("identify: invalid answer from " + c.remotePeer()));
      }
    });
    return c.identified();
  }

  private boolean apply(Connection c, byte[] bytes, String what) {
    IdentifyMessage m;
    try {
      m = IdentifyMessage.decodeStream(bytes);
      if (m.publicKey() != null && !Libp2pPublicKey.fromProtobuf(m.publicKey()).matches(c.remotePeer())) {
        LOG.warn("{}: {} sent a public key that is not its own; ignored", what, c);
        return false;
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("{}: malformed message from {}: {}; ignored", what, c, e.getMessage());
      return false;
    }
    List<Multiaddr> addrs = new ArrayList<>();
    boolean signed = false;
    if (m.signedPeerRecord() != null) {
      // identify spec: a verifiable record replaces the plain listenAddrs
      try {
        PeerRecord record = PeerRecord.open(m.signedPeerRecord());
        if (!record.peerId().equals(c.remotePeer())) {
          throw new IllegalArgumentException("it is the record of " + record.peerId());
        }
        addrs.addAll(record.addresses());
        signed = true;
      } catch (IllegalArgumentException e) {
        LOG.warn("{}: {} sent a signed peer record that does not verify ({}); using its plain addresses", what, c,
            e.getMessage());
      }
    }
    if (!signed) {
      for (byte[] a : m.listenAddrs()) {
        try {
          addrs.add(Multiaddr.fromBytes(a));
        } catch (IllegalArgumentException e) {
          LOG.debug("{}: {} listed an address we cannot parse: {}", what, c, e.getMessage());
        }
      }
    }
    addrs.forEach(a -> host.addAddress(c.remotePeer(), a));
    Multiaddr observed = null;
    if (m.observedAddr() != null) {
      try {
        observed = Multiaddr.fromBytes(m.observedAddr());
      } catch (IllegalArgumentException e) {
        LOG.debug("{}: {} sent an observed address we cannot parse", what, c);
      }
    }
    Connection.PeerDetails old = c.details();
    boolean partial = old != null && what.endsWith("push");
    Connection.PeerDetails d = new Connection.PeerDetails(
        m.agentVersion() != null ? m.agentVersion() : partial ? old.agentVersion() : "",
        m.protocolVersion() != null ? m.protocolVersion() : partial ? old.protocolVersion() : "",
        !m.protocols().isEmpty() || !partial ? m.protocols() : old.protocols(),
        !addrs.isEmpty() || !partial ? addrs : old.listenAddrs(),
        observed != null || !partial ? observed : old.observedAddr(),
        signed || (partial && addrs.isEmpty() && old.signedRecord()));
    c.recordIdentify(d);
    LOG.debug("{}: {} runs {} with {} protocols, observes us at {}", what, c, d.agentVersion(), d.protocols().size(),
        observed);
    return true;
  }

  private void pushToAll() {
    for (Connection c : host.connections()) {
      Connection.PeerDetails d = c.details();
      if (d == null || !d.protocols().contains(PUSH_PROTOCOL) || !c.isOpen()) {
        continue;
      }
      host.newStream(c, PUSH_PROTOCOL).whenComplete((s, e) -> {
        if (e != null) {
          LOG.debug("identify/push to {} failed: {}", c, e.toString());
          return;
        }
        s.channel().writeAndFlush(Unpooled.wrappedBuffer(describeSelf(c).encodeDelimited()));
        s.closeWrite();
        s.channel().read(); // take the peer's FIN, so the stream closes
      });
    }
  }
}
