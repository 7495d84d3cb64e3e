/** Running console commands, as the local console, the SSH console and remote admin calls do. */
@Export
@Version("1.0.0")
package io.warren.node;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
