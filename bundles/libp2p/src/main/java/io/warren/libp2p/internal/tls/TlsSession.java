package io.warren.libp2p.internal.tls;

import io.warren.api.PeerId;
import io.warren.libp2p.internal.crypto.Libp2pPublicKey;
import java.util.Optional;

/**
 * What a completed libp2p TLS handshake established: the peer named by its certificate's libp2p
 * public key extension, and the muxer chosen by ALPN. Fired as a user event down the pipeline
 * (before any decrypted byte) and available from {@link TlsHandler#handshakeResult()}.
 *
 * @param muxer the muxer ALPN selected (early muxer negotiation); empty when ALPN settled on
 *     {@value TlsConfig#ALPN_LIBP2P}, in which case the muxer is negotiated with multistream-select
 * @param cipherSuite the TLS 1.3 cipher suite in use, e.g. {@code TLS_AES_128_GCM_SHA256}
 */
public record TlsSession(PeerId remotePeer, Libp2pPublicKey remoteKey, boolean initiator, Optional<String> muxer,
    String cipherSuite) {}
