/** Signed bundle pushes: the publishers a node trusts, what it installed, and going back. */
@Export
@Version("1.1.0")
package io.warren.deploy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
