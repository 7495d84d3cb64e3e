/**
 * Nostr (NIP-01) events and filters, and the relay this node can run.
 *
 * <p>{@link io.warren.nostr.Event} is an immutable event with its canonical NIP-01 serialization
 * and id; {@link io.warren.nostr.Filter} is a subscription filter that matches events;
 * {@link io.warren.nostr.Relay} is the running relay (NIP-01, NIP-11, NIP-42) as a service;
 * {@link io.warren.nostr.Tunnels} reaches devices behind relays (services, forwards, stdio pipes).
 */
@Export
@Version("1.1.0")
package io.warren.nostr;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
