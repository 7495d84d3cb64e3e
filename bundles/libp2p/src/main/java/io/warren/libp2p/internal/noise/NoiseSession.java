package io.warren.libp2p.internal.noise;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import java.util.List;
import java.util.Optional;

/**
 * What a completed Noise handshake established: the authenticated remote identity and the stream
 * muxers each side advertised. Fired as a user event down the pipeline when the handshake completes
 * (before any decrypted byte), and available from {@link NoiseHandler#handshakeResult()}.
 *
 * @param remoteMuxers the muxers the remote advertised in its payload, in its order of preference
 * @param muxer the muxer selected inside the handshake: the first muxer in the initiator's list that
 *     the responder also advertised; empty when either side advertised none, in which case the
 *     muxer is negotiated with multistream-select after the handshake (never both). When both
 *     advertised muxers without overlap the handshake fails, as the inlined-muxer spec requires.
 */
public record NoiseSession(PeerId remotePeer, Libp2pPublicKey remoteKey, boolean initiator, List<String> remoteMuxers,
    Optional<String> muxer) {}
