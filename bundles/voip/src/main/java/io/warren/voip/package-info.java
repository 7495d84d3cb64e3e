/** Calls between peers and the media relay that carries their RTP, as the console and other bundles see them. */
@Export
@Version("2.3.0")
package io.warren.voip;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
