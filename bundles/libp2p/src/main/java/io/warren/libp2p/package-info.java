/**
 * The libp2p node as other bundles and the console see it: its addresses, its peers, and the
 * operator's diagnostics (connect, ping, echo), its reachability and relay reservations, an address book
 * for peers it is not connected to, and the {@link io.warren.libp2p.TrustedPeers} SPI. Streams to peers go through
 * {@link io.warren.api.Transport}, not through this package.
 */
@Export
@Version("1.5.0")
package io.warren.libp2p;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
