package io.warren.nostr.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration annotations as DS builds them: the given values, the annotation's defaults for the rest. */
final class Configs {
  private Configs() {}

  static <A extends Annotation> A of(Class<A> type, Map<String, Object> values) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      if (method.getName().equals("annotationType")) {
        return type;
      }
      Object v = values.get(method.getName());
      return v != null ? v : method.getDefaultValue();
    }));
  }

  /** The relay's settings with its defaults, listening on a free loopback port. */
  static RelaySettings relay() {
    return NostrRelay.settings(of(NostrRelay.Config.class, Map.of("enabled", true)), null);
  }

  /** The relay's device rules with their defaults. */
  static DeviceSettings devices() {
    return NostrRelay.deviceSettings(of(NostrRelay.Config.class, Map.of()));
  }
}
