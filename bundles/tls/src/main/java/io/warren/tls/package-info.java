/** TLS at the edge: certificates obtained through ACME and a TLS listener routing by SNI. */
@Export
@Version("2.1.0")
package io.warren.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
