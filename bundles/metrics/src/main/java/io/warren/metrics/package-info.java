/** What the metrics bundle tells about its endpoint ({@code metrics:info}); bundles report through api's MetricsSource. */
@Export
@Version("1.0.0")
package io.warren.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
