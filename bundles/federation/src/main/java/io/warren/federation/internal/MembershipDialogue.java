package io.warren.federation.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.PeerId;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import io.warren.api.Transport;
import io.warren.api.TransportException;
import io.warren.identity.NetworkCredentials;
import io.warren.libp2p.Libp2pNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership proof at the start of every federation stream, both sides of it:
 * <pre>
 * dialer   HELLO     version=2, network, dialer nonce, operation ("sync" | "admin")
 * listener CHALLENGE 0, listener nonce | 1, reason (not in that network)
 * dialer   PROOF     dialer proof
 * listener RESULT    0, listener proof | 1, reason (the dialer's proof did not verify)
 * dialer   ACK       0 | 1, reason (the listener's proof did not verify)
 * </pre>
 * The proofs are bound to both peer IDs and both nonces (see {@link Membership}); the password is
 * never sent. The listener proves nothing before the dialer has: a stranger who dials a node to
 * collect a password-derived value gets a nonce only, so it has nothing to test passwords against
 * offline, and each guess costs it a round trip to a node that notes the refusal. The dialer
 * proves first only to the peer it chose to dial (a bootstrap node the operator named, or a member
 * whose record the network signed), over a Noise channel that authenticated that peer's key, so an
 * eavesdropper sees neither proof.
 */
final class MembershipDialogue {
  static final String PROTOCOL = "/warren/federation/2.0.0";
  private static final Logger LOG = LoggerFactory.getLogger(MembershipDialogue.class);
  private static final int VERSION = 2;

  private final NodeIdentity identity;
  private final Optional<NetworkCredentials.Network> network;
  private final Transport transport;
  private final Libp2pNode libp2p;
  private final PeerTable table;
  private final Duration timeout;

  MembershipDialogue(NodeIdentity identity, Optional<NetworkCredentials.Network> network, Transport transport,
      Libp2pNode libp2p, PeerTable table, Duration timeout) {
    this.identity = identity;
    this.network = network;
    this.transport = transport;
    this.libp2p = libp2p;
    this.table = table;
    this.timeout = timeout;
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Opens a federation stream to {@code peerId} (connecting through {@code addresses} first if no
   * connection is open) and proves membership as the dialer; the frames returned are ready for
   * {@code operation}'s messages.
   */
  Frames dial(String peerId, List<String> addresses, String operation) throws Exception {
    NetworkCredentials.Network net = network.orElseThrow(
        () -> new TransportException("this node is in no network (start it with -dnc network:password)"));
    Stream stream = open(peerId, addresses);
    Frames f = new Frames(stream, timeout);
    boolean ok = false;
    try {
      byte[] dialerNonce = Membership.nonce();
      f.write(new Codec.Writer().u8(VERSION).text(net.name()).bytes(dialerNonce).text(operation).toByteArray());
      Codec.Reader challenge = new Codec.Reader(f.read());
      if (challenge.u8() != 0) {
        String reason = challenge.text(1024, "reason");
        throw new MembershipException(peerId + " refused: " + reason);
      }
      byte[] listenerNonce = challenge.bytes(Membership.NONCE_BYTES, "nonce");
      challenge.end();
      if (listenerNonce.length != Membership.NONCE_BYTES) {
        throw new ProtocolException("a nonce of " + listenerNonce.length + " bytes");
      }
      f.write(new Codec.Writer().bytes(Membership.proof(net.key(), "dialer", net.name(), identity.peerId(), peerId,
          dialerNonce, listenerNonce)).toByteArray());
      Codec.Reader result = new Codec.Reader(f.read());
      if (result.u8() != 0) {
        throw new MembershipException(peerId + " refused this node: " + result.text(1024, "reason"));
      }
      byte[] listenerProof = result.bytes(64, "proof");
      result.end();
      byte[] expected = Membership.proof(net.key(), "listener", net.name(), peerId, identity.peerId(), dialerNonce,
          listenerNonce);
      if (!Membership.matches(expected, listenerProof)) {
        f.write(new Codec.Writer().u8(1).text("your membership proof for network " + net.name()
            + " did not verify: different network password").toByteArray());
        throw new MembershipException("wrong network credentials: " + peerId + " could not prove membership of network "
            + net.name() + " (its network password differs from this node's)");
      }
      f.write(new Codec.Writer().u8(0).toByteArray());
      table.proven(peerId);
      ok = true;
      return f;
    } finally {
      if (!ok) {
        f.close();
      }
    }
  }

  private Stream open(String peerId, List<String> addresses) throws Exception {
    PeerRef ref;
    try {
      ref = PeerRef.libp2p(PeerId.parse(peerId));
      // libp2p dials the direct addresses first, then the /p2p-circuit ones, unless a connection is open
      libp2p.addAddresses(peerId, addresses);
    } catch (IllegalArgumentException e) {
      throw new TransportException("not a peer ID: " + peerId, e);
    }
    return transport.open(ref, PROTOCOL).toCompletableFuture().get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
  }

  /**
   * Answers the dialogue on an inbound stream: the operation the dialer asked for once it proved
   * membership, or empty when one side refused the other (said to the dialer, noted in the table,
   * logged).
   */
  Optional<String> answer(Stream stream, Frames f) throws Exception {
    String peer = stream.peer().id();
    Codec.Reader hello = new Codec.Reader(f.read());
    int v = hello.u8();
    String net = hello.text(128, "network");
    byte[] dialerNonce = hello.bytes(Membership.NONCE_BYTES, "nonce");
    String operation = hello.text(16, "operation");
    hello.end();
    if (v != VERSION) {
      throw new ProtocolException("federation protocol version " + v + " (this node speaks " + VERSION + ")");
    }
    if (dialerNonce.length != Membership.NONCE_BYTES) {
      throw new ProtocolException("a nonce of " + dialerNonce.length + " bytes");
    }
    if (network.isEmpty() || !network.get().name().equals(net)) {
      String reason = network.isEmpty() ? "this node is in no network"
          : "this node is not a member of network '" + net + "'";
      f.write(new Codec.Writer().u8(1).text(reason).toByteArray());
      table.refused(peer, "asked for network '" + net + "'");
      LOG.warn("federation: refused {}: it asked for network '{}'", peer, net);
      return Optional.empty();
    }
    NetworkCredentials.Network n = network.get();
    byte[] listenerNonce = Membership.nonce();
    f.write(new Codec.Writer().u8(0).bytes(listenerNonce).toByteArray());
    Codec.Reader proof = new Codec.Reader(f.read());
    byte[] given = proof.bytes(64, "proof");
    proof.end();
    byte[] expected =
        Membership.proof(n.key(), "dialer", n.name(), peer, identity.peerId(), dialerNonce, listenerNonce);
    if (!Membership.matches(expected, given)) {
      f.write(new Codec.Writer().u8(1).text("membership proof for network " + n.name()
          + " did not verify: wrong network credentials").toByteArray());
      table.refused(peer, "wrong network credentials (its network password differs from this node's)");
      LOG.warn("federation: refused {}: wrong network credentials for network {}", peer, n.name());
      return Optional.empty();
    }
    // only now, to a dialer that proved membership, does this node prove its own
    f.write(new Codec.Writer().u8(0).bytes(Membership.proof(n.key(), "listener", n.name(), identity.peerId(), peer,
        dialerNonce, listenerNonce)).toByteArray());
    Codec.Reader ack = new Codec.Reader(f.read());
    if (ack.u8() != 0) {
      String reason = ack.text(1024, "reason");
      table.refused(peer, "it refused this node: " + reason);
      LOG.warn("federation: {} refused this node's membership proof for network {}: {}", peer, n.name(), reason);
      return Optional.empty();
    }
    ack.end();
    table.accepted(peer);
    return Optional.of(operation);
  }
}
