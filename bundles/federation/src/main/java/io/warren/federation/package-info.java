/**
 * Networks of Warren nodes: the peer table every member keeps in sync, and how other bundles find
 * a member by name or peer ID.
 */
@Export
@Version("1.1.0")
package io.warren.federation;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
