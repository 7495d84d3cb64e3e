package io.warren.libp2p.internal.host;

import io.netty.channel.Channel;
import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An upgraded connection with an authenticated peer: TCP secured by TLS 1.3 or Noise and multiplexed
 * by Yamux, the same inside a relay's stream, or QUIC (TLS 1.3 and streams of its own).
 */
public final class Connection {

  /** What the peer told us about itself with identify; {@code signedRecord}: its addresses came in a verified signed peer record. */
  public record PeerDetails(String agentVersion, String protocolVersion, List<String> protocols,
      List<Multiaddr> listenAddrs, Multiaddr observedAddr, boolean signedRecord) {
    public PeerDetails {
      protocols = List.copyOf(protocols);
      listenAddrs = List.copyOf(listenAddrs);
    }
  }

  private final Channel channel;
  private final Muxer muxer;
  private final PeerId remotePeer;
  private final Libp2pPublicKey remoteKey;
  private final String security;
  private final boolean outbound;
  private final Multiaddr remoteAddress;
  private final boolean relayed;
  private final Instant opened = Instant.now();
  private final CompletableFuture<PeerDetails> identified = new CompletableFuture<>();
  private volatile PeerDetails details;
  private final ByteCounter bytes;

  Connection(Channel channel, Muxer muxer, PeerId remotePeer, Libp2pPublicKey remoteKey, String security,
      boolean outbound, Multiaddr remoteAddress, boolean relayed) {
    this.channel = channel;
    this.muxer = muxer;
    this.remotePeer = remotePeer;
    this.remoteKey = remoteKey;
    this.security = security;
    this.outbound = outbound;
    this.remoteAddress = remoteAddress;
    this.relayed = relayed;
    ByteCounter counter = channel.pipeline().get(ByteCounter.class);
    this.bytes = counter == null ? new ByteCounter() : counter;
  }

  /** Bytes read from the peer on this connection so far, as they crossed it (encrypted and framed). */
  public long bytesIn() {
    return bytes.in();
  }

  /** Bytes written to the peer on this connection so far, as they crossed it. */
  public long bytesOut() {
    return bytes.out();
  }

  public Channel channel() {
    return channel;
  }

  /** The security protocol that authenticated the peer: {@code /tls/1.0.0}, {@code /noise}, or {@code /quic-v1}'s TLS. */
  public String security() {
    return security;
  }

  /** What carries this connection's streams. */
  public Muxer muxer() {
    return muxer;
  }

  /** How the bytes travel: {@code tcp}, {@code quic}, or {@code relayed} (inside a relay's stream). */
  public String transport() {
    return transportOf(remoteAddress, relayed);
  }

  /** {@link #transport()} of a connection at {@code remote}. */
  public static String transportOf(Multiaddr remote, boolean relayed) {
    if (relayed) {
      return "relayed";
    }
    return remote.components().stream().anyMatch(
        c -> c.protocol() == io.warren.libp2p.internal.multiformats.Protocol.QUIC_V1) ? "quic" : "tcp";
  }

  public PeerId remotePeer() {
    return remotePeer;
  }

  public Libp2pPublicKey remoteKey() {
    return remoteKey;
  }

  public boolean outbound() {
    return outbound;
  }

  /** The address at the other end: of the TCP or QUIC connection, or {@code <relay>/p2p-circuit} when relayed. */
  public Multiaddr remoteAddress() {
    return remoteAddress;
  }

  public Instant opened() {
    return opened;
  }

  /** Whether this connection runs inside a relay's stream (circuit relay v2) rather than over TCP. */
  public boolean relayed() {
    return relayed;
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** The latest identify (or identify/push) from the peer, null before the first. */
  public PeerDetails details() {
    return details;
  }

  /** Completes with the first identify answer, or exceptionally if identify failed. */
  public CompletableFuture<PeerDetails> identified() {
    return identified;
  }

  /** Records an identify answer (called by the identify protocol). */
  public void recordIdentify(PeerDetails d) {
    details = d;
    identified.complete(d);
  }

  /** Records that identify failed; {@link #identified()} completes exceptionally if it had not completed. */
  public void recordIdentifyFailure(Throwable t) {
    identified.completeExceptionally(t);
  }

  @Override
  public String toString() {
    return (outbound ? "to " : "from ") + remotePeer + " at " + remoteAddress + " [" + channel.id() + "]";
  }
}
