/** The node's console over SSH: its host key and the public keys that may log in as the admin. */
@Export
@Version("1.3.0")
package io.warren.ssh;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
