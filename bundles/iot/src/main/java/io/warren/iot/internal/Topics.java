package io.warren.iot.internal;

/** MQTT topic names and filters (MQTT 3.1.1 section 4.7, 5.0 section 4.7): checks and matching. */
final class Topics {
  private Topics() {}

  /** Throws saying why {@code topic} cannot be published to: empty, wildcards, NUL. */
  static void checkName(String topic) {
    if (topic == null || topic.isEmpty()) {
      throw new IllegalArgumentException("a topic name is at least one character");
    }
    if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0 || topic.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a topic name has no wildcards (+ #) or NUL: " + topic);
    }
  }

  /** Throws saying why {@code filter} is not a topic filter: '#' not last or not a whole level, '+' not a whole level. */
  static void checkFilter(String filter) {
    if (filter == null || filter.isEmpty()) {
      throw new IllegalArgumentException("a topic filter is at least one character");
    }
    if (filter.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a topic filter has no NUL");
    }
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String l = levels[i];
      if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
        throw new IllegalArgumentException("'#' must be a whole level and the last one: " + filter);
      }
      if (l.contains("+") && !l.equals("+")) {
        throw new IllegalArgumentException("'+' must be a whole level: " + filter);
      }
    }
  }

  /** Whether {@code topic} (a name) matches {@code filter}; wildcards at the first level skip {@code $} topics. */
  static boolean matches(String filter, String topic) {
    if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
      return false;
    }
    return covers(filter, topic);
  }

  /**
   * Whether every topic {@code inner} (a name or a filter) can match also matches {@code outer}:
   * an ACL pattern covering a subscription, or a filter matching a name.
   */
  static boolean covers(String outer, String inner) {
    String[] o = outer.split("/", -1);
    String[] n = inner.split("/", -1);
    for (int i = 0; i < o.length; i++) {
      if (o[i].equals("#")) {
        return true;
      }
      if (i >= n.length) {
        return false; // outer is longer ("a/#" matching "a" was answered by the '#' check above)
      }
      if (o[i].equals("+")) {
        if (n[i].equals("#")) {
          return false;
        }
        continue;
      }
      if (!o[i].equals(n[i])) {
        return false;
      }
    }
    return o.length == n.length;
  }

  /**
   * The filter of a shared subscription {@code $share/<group>/<filter>} (MQTT 5.0 section 4.8.2);
   * throws saying why when the group name is empty or holds a wildcard, or the filter is bad.
   */
  static String sharedFilter(String shared) {
    int slash = shared.indexOf('/', Broker.SHARE.length());
    if (slash < 0) {
      throw new IllegalArgumentException("a shared subscription is $share/<group>/<filter>: " + shared);
    }
    String group = shared.substring(Broker.SHARE.length(), slash);
    if (group.isEmpty() || group.contains("+") || group.contains("#")) {
      throw new IllegalArgumentException("a share group name is not empty and has no wildcards: " + shared);
    }
    String filter = shared.substring(slash + 1);
    checkFilter(filter);
    return filter;
  }
}
