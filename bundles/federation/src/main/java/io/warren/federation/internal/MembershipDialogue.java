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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The membership proof at the start of every federation stream, both sides of it: a J-PAKE run
 * with key confirmation (see {@link Membership}) whose secret is the network key.
 * <pre>
 * dialer   HELLO    version=3, network, operation ("sync" | "admin"), dialer round 1
 * listener ROUNDS   0, listener round 1, listener round 2 | 1, reason (not in that network)
 * dialer   CONFIRM  dialer round 2, dialer key confirmation
 * listener RESULT   0, listener key confirmation | 1, reason (wrong network password)
 * dialer   ACK      0 | 1, reason (wrong network password)
 * </pre>
 * No message lets its receiver test a password guess offline: the rounds are J-PAKE's, and a key
 * confirmation confirms only the one guess its receiver committed to in its round 2. The listener,
 * whom anyone can dial, confirms only to a dialer whose confirmation verified, so a stranger who
 * dials a node learns J-PAKE round values and a refusal, and each guess costs it a run against a
 * node that notes the refusal. The dialer confirms first, but only to the peer it chose to dial (a
 * bootstrap node the operator named, or a member whose record carries the network's membership
 * tag), over a Noise channel that authenticated that peer's key; a rogue there too gets one guess
 * per run. Every message of the proof is at most {@value Frames#HANDSHAKE_FRAME} bytes.
 */
final class MembershipDialogue {
  static final String PROTOCOL = "/warren/federation/3.0.0";
  /** Messages the dialer reads during the proof (ROUNDS, RESULT), and the listener (HELLO, CONFIRM, ACK). */
  static final int DIALER_FRAMES = 2;
  static final int LISTENER_FRAMES = 3;
  private static final Logger LOG = LoggerFactory.getLogger(MembershipDialogue.class);
  private static final int VERSION = 3;
  private static final int MAX_REASON = 1024;

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
    Stream stream = open(peerId, addresses);
    Frames f = new Frames(stream, timeout, DIALER_FRAMES);
    boolean ok = false;
    try {
      prove(peerId, f, operation);
      ok = true;
      return f;
    } finally {
      if (!ok) {
        f.close();
      }
    }
  }

  /** The dialer's side of the proof, on a stream to {@code peerId} (blocking). */
  void prove(String peerId, Frames f, String operation) throws Exception {
    NetworkCredentials.Network net = network.orElseThrow(
        () -> new TransportException("this node is in no network (start it with -dnc network:password)"));
    Membership m = new Membership(net.name(), net.key(), identity.peerId(), peerId);
    try {
      Codec.Writer hello = new Codec.Writer().u8(VERSION).text(net.name()).text(operation);
      m.writeRound1(hello);
      f.write(hello.toByteArray());
      Codec.Reader rounds = new Codec.Reader(f.read());
      if (rounds.u8() != 0) {
        throw new MembershipException(PROTOCOL + ": " + peerId + " refused: " + rounds.text(MAX_REASON, "reason"));
      }
      m.readRound1(rounds);
      Codec.Writer confirm = new Codec.Writer();
      m.writeRound2(confirm);
      m.readRound2(rounds);
      rounds.end();
      f.write(confirm.bytes(m.confirmation()).toByteArray());
      Codec.Reader result = new Codec.Reader(f.read());
      if (result.u8() != 0) {
        throw new MembershipException(PROTOCOL + ": wrong network password: " + peerId
            + " refused this node's key confirmation for network " + net.name() + " ("
            + result.text(MAX_REASON, "reason") + ")");
      }
      byte[] tag = result.bytes(Membership.MAX_SCALAR, "key confirmation");
      result.end();
      if (!m.confirms(tag)) {
        f.write(new Codec.Writer().u8(1).text(PROTOCOL + ": wrong network password: your key confirmation for"
            + " network " + net.name() + " did not verify").toByteArray());
        throw new MembershipException(PROTOCOL + ": wrong network password: " + peerId + " could not prove"
            + " membership of network " + net.name() + " (its network password differs from this node's)");
      }
      f.write(new Codec.Writer().u8(0).toByteArray());
      table.proven(peerId);
    } catch (ProtocolException e) {
      throw prefixed(peerId, e);
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
   * Answers the dialogue on an inbound stream without holding a thread while the dialer is silent:
   * the messages are awaited on the stream's event loop (all within one timeout from now), the
   * J-PAKE work runs on {@code workers}. Completes with the operation the dialer asked for once it
   * proved membership, or empty when one side refused the other (said to the dialer, noted in the
   * table, logged); fails on a protocol error, a closed stream or the timeout.
   */
  CompletableFuture<Optional<String>> answer(Stream stream, Frames f, Executor workers) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Listener l = new Listener(stream.peer().id(), f);
    return f.next(deadline).thenApplyAsync(l::hello, workers)
        .thenCompose(go -> go ? f.next(deadline).thenApplyAsync(l::confirm, workers)
            : CompletableFuture.completedFuture(false))
        .thenCompose(go -> go ? f.next(deadline).thenApply(l::ack)
            : CompletableFuture.completedFuture(Optional.empty()));
  }

  /** The listener's side of one proof, one method per message it reads. */
  private final class Listener {
    private final String peer;
    private final Frames f;
    private Membership membership;
    private String operation;
    private NetworkCredentials.Network net;

    Listener(String peer, Frames f) {
      this.peer = peer;
      this.f = f;
    }

    boolean hello(byte[] message) {
      try {
        Codec.Reader hello = new Codec.Reader(message);
        int v = hello.u8();
        if (v != VERSION) {
          throw new ProtocolException(PROTOCOL + ": version " + v + " (this node speaks " + VERSION + ")");
        }
        String name = hello.text(128, "network");
        operation = hello.text(16, "operation");
        if (network.isEmpty() || !network.get().name().equals(name)) {
          String reason = network.isEmpty() ? "this node is in no network"
              : "this node is not a member of network '" + name + "'";
          f.send(new Codec.Writer().u8(1).text(reason).toByteArray());
          table.refused(peer, "asked for network '" + name + "'");
          LOG.warn("federation: refused {}: it asked for network '{}'", peer, name);
          return false;
        }
        net = network.get();
        membership = new Membership(net.name(), net.key(), identity.peerId(), peer);
        Codec.Writer rounds = new Codec.Writer().u8(0);
        membership.writeRound1(rounds);
        membership.readRound1(hello);
        hello.end();
        membership.writeRound2(rounds);
        f.send(rounds.toByteArray());
        return true;
      } catch (ProtocolException e) {
        throw prefixed(peer, e);
      }
    }

    boolean confirm(byte[] message) {
      try {
        Codec.Reader confirm = new Codec.Reader(message);
        membership.readRound2(confirm);
        byte[] tag = confirm.bytes(Membership.MAX_SCALAR, "key confirmation");
        confirm.end();
        if (!membership.confirms(tag)) {
          f.send(new Codec.Writer().u8(1).text(PROTOCOL + ": wrong network password: your key confirmation for"
              + " network " + net.name() + " did not verify").toByteArray());
          table.refused(peer, "wrong network password (its key confirmation did not verify)");
          LOG.warn("federation: refused {}: wrong network password for network {}", peer, net.name());
          return false;
        }
        // only now, to a dialer that confirmed the key, does this node confirm it
        f.send(new Codec.Writer().u8(0).bytes(membership.confirmation()).toByteArray());
        return true;
      } catch (ProtocolException e) {
        throw prefixed(peer, e);
      }
    }

    Optional<String> ack(byte[] message) {
      try {
        Codec.Reader ack = new Codec.Reader(message);
        if (ack.u8() != 0) {
          String reason = ack.text(MAX_REASON, "reason");
          table.refused(peer, "it refused this node: " + reason);
          LOG.warn("federation: {} refused this node's key confirmation for network {}: {}", peer, net.name(), reason);
          return Optional.empty();
        }
        ack.end();
        table.accepted(peer);
        return Optional.of(operation);
      } catch (ProtocolException e) {
        throw prefixed(peer, e);
      }
    }
  }

  /** {@code e} with this protocol's name and the peer in front, as every wire error says it. */
  static ProtocolException prefixed(String peer, ProtocolException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (m.startsWith(PROTOCOL)) {
      return e;
    }
    return new ProtocolException(PROTOCOL + ": from " + peer + ": " + m, e);
  }
}
