package io.warren.node.internal;

import org.osgi.service.component.annotations.Component;

/**
 * The marker service the launcher waits for: one instance, made by {@link Readiness} through this
 * component's factory once the node is up (or cannot come up), carrying {@value Readiness#READY}
 * and, on failure, {@value Readiness#FAILURE} as service properties.
 */
@Component(factory = ReadyMarker.FACTORY, service = ReadyMarker.class)
public final class ReadyMarker {
  static final String FACTORY = "io.warren.node.ready";
}
