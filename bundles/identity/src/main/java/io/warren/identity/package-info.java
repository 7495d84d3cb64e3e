/**
 * Encodings and signatures shared by the transports (base58btc, bech32/NIP-19, BIP-340 Schnorr,
 * libp2p peer IDs) and this node's admin account.
 */
@Export
@Version("1.2.0")
package io.warren.identity;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
