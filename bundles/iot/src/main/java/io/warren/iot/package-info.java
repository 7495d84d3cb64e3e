/** The node's MQTT broker and its bridges across the network, as the console and other bundles see them. */
@Export
@Version("1.0.0")
package io.warren.iot;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
