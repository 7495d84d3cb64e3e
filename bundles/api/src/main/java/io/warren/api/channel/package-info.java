/**
 * Netty machinery every service shares: the node's {@link io.warren.api.channel.EventLoops} and
 * the one {@link io.warren.api.channel.Splice} that joins two channels, and the ingress protocol
 * ({@link io.warren.api.channel.IngressWire}) by which services hand a connection to another node,
 * and {@link io.warren.api.channel.PeerHealth}, whether the peers a service forwards to answer.
 */
@Export
@Version("1.4.0")
package io.warren.api.channel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
