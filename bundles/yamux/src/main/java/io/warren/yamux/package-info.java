/**
 * Yamux, the stream multiplexer libp2p connections use, as a library for any byte pipe: libp2p
 * runs it over Noise, the Nostr relay over binary WebSocket messages. Streams are Netty child
 * channels ({@link io.warren.yamux.YamuxStreamChannel}, half-closable) with per-stream flow
 * control and window auto-tuning; {@link io.warren.yamux.Yamux} installs a session on a pipeline.
 */
@Export
@Version("1.1.0")
package io.warren.yamux;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
