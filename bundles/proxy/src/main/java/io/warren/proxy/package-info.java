/** Proxy rules: a TCP port on one node forwarded to a service on another node, over any Transport. */
@Export
@Version("2.1.0")
package io.warren.proxy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
