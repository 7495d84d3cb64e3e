/** Files sent to and received from other nodes and devices, as the console and other bundles see them. */
@Export
@Version("2.0.0")
package io.warren.files;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
