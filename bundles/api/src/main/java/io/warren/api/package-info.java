/**
 * The small, stable contract between Warren bundles.
 *
 * <p>Services never talk to a transport directly: they call {@link io.warren.api.Transport#open}
 * and register {@link io.warren.api.StreamHandler}s. Identity, admin authorization and the store
 * are reached through the interfaces here so that their implementations can be replaced.
 */
@Export
@Version("1.11.0")
package io.warren.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
