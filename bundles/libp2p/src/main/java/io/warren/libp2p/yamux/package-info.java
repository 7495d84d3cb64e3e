/**
 * The libp2p bundle's Yamux multiplexer, for other bundles that carry streams over a byte pipe of
 * their own (the Nostr relay runs it over binary WebSocket messages). Streams are Netty child
 * channels with per-stream flow control; see {@link io.warren.libp2p.yamux.Yamux}.
 */
@Export
@Version("1.0.0")
package io.warren.libp2p.yamux;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
