package io.warren.nostr;

import io.warren.nostr.internal.Json;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A NIP-01 subscription filter. Every condition that is present must hold ({@code &&}); a list
 * condition holds when the event's value is one of the list's. A {@code null} component means
 * "no condition"; an empty set matches nothing.
 *
 * @param ids exact event ids (64 lowercase hex), or null
 * @param authors exact pubkeys (64 lowercase hex), or null
 * @param kinds kinds, or null
 * @param tags single-letter tag name to values: the event must have a tag of that name whose
 *     first value is one of them (one entry per {@code #<letter>} key)
 * @param since events with created_at at or after this, or null
 * @param until events with created_at at or before this, or null
 * @param limit how many stored events the initial query returns at most, or null
 */
public record Filter(Set<String> ids, Set<String> authors, Set<Integer> kinds, Map<Character, Set<String>> tags,
    Long since, Long until, Integer limit) {

  public Filter {
    ids = ids == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(ids));
    authors = authors == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(authors));
    kinds = kinds == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(kinds));
    Map<Character, Set<String>> t = new TreeMap<>();
    if (tags != null) {
      for (Map.Entry<Character, Set<String>> e : tags.entrySet()) {
        char name = e.getKey();
        if (!isTagLetter(name)) {
          throw new NostrException("tag filters are for single letters a-z, A-Z, got '" + name + "'");
        }
        t.put(name, Collections.unmodifiableSet(new LinkedHashSet<>(e.getValue())));
      }
    }
    tags = Collections.unmodifiableMap(t);
    if (limit != null && limit < 0) {
      throw new NostrException("limit must not be negative, got " + limit);
    }
  }

  /** A filter that matches every event. */
  public static Filter all() {
    return new Filter(null, null, null, null, null, null, null);
  }

  static boolean isTagLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** Parses a filter from JSON text. */
  public static Filter parse(String json) {
    return fromJson(Json.parse(json));
  }

  /**
   * A filter from a parsed JSON object. An attribute NIP-01 does not define is refused with a
   * message starting {@code unsupported:}, so a client never gets more than it asked for.
   */
  public static Filter fromJson(Object json) {
    if (!(json instanceof Map<?, ?> m)) {
      throw new NostrException("a filter must be a JSON object");
    }
    Set<String> ids = null;
    Set<String> authors = null;
    Set<Integer> kinds = null;
    Map<Character, Set<String>> tags = new LinkedHashMap<>();
    Long since = null;
    Long until = null;
    Integer limit = null;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String key = (String) e.getKey();
      Object v = e.getValue();
      switch (key) {
        case "ids" -> ids = hexList(key, v);
        case "authors" -> authors = hexList(key, v);
        case "kinds" -> {
          kinds = new LinkedHashSet<>();
          for (Object k : list(key, v)) {
            if (!(k instanceof Long l) || l < 0 || l > 65_535) {
              throw new NostrException("kinds must be integers 0-65535");
            }
            kinds.add(l.intValue());
          }
        }
        case "since" -> since = timestamp(key, v);
        case "until" -> until = timestamp(key, v);
        case "limit" -> {
          long l = timestamp(key, v);
          limit = (int) Math.min(l, Integer.MAX_VALUE);
        }
        default -> {
          if (key.length() == 2 && key.charAt(0) == '#' && isTagLetter(key.charAt(1))) {
            Set<String> values = new LinkedHashSet<>();
            for (Object s : list(key, v)) {
              if (!(s instanceof String str)) {
                throw new NostrException(key + " values must be strings");
              }
              values.add(str);
            }
            tags.put(key.charAt(1), values);
          } else {
            throw new NostrException("unsupported: filter attribute '" + key + "' is not supported");
          }
        }
      }
    }
    return new Filter(ids, authors, kinds, tags, since, until, limit);
  }

  private static List<?> list(String key, Object v) {
    if (!(v instanceof List<?> l)) {
      throw new NostrException(key + " must be an array");
    }
    return l;
  }

  private static Set<String> hexList(String key, Object v) {
    Set<String> out = new LinkedHashSet<>();
    for (Object o : list(key, v)) {
      if (!(o instanceof String s) || !Event.isHex64(s)) {
        throw new NostrException(key + " must hold exact 64-character lowercase hex values");
      }
      out.add(s);
    }
    return out;
  }

  private static long timestamp(String key, Object v) {
    if (v instanceof Long l && l >= 0) {
      return l;
    }
    if (v instanceof BigInteger b && b.signum() > 0) {
      return Long.MAX_VALUE;
    }
    throw new NostrException(key + " must be a non-negative integer");
  }

  /** Whether {@code e} passes every condition ({@link #limit} is not a condition). */
  public boolean matches(Event e) {
    if (ids != null && !ids.contains(e.id())) {
      return false;
    }
    if (authors != null && !authors.contains(e.pubkey())) {
      return false;
    }
    if (kinds != null && !kinds.contains(e.kind())) {
      return false;
    }
    if (since != null && e.createdAt() < since) {
      return false;
    }
    if (until != null && e.createdAt() > until) {
      return false;
    }
    for (Map.Entry<Character, Set<String>> t : tags.entrySet()) {
      if (!hasTag(e, t.getKey(), t.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasTag(Event e, char name, Set<String> values) {
    for (List<String> tag : e.tags()) {
      if (tag.size() >= 2 && tag.get(0).length() == 1 && tag.get(0).charAt(0) == name && values.contains(tag.get(1))) {
        return true;
      }
    }
    return false;
  }

  /** Whether some condition is an empty list, so that nothing can match. */
  public boolean matchesNothing() {
    if ((ids != null && ids.isEmpty()) || (authors != null && authors.isEmpty())
        || (kinds != null && kinds.isEmpty())) {
      return true;
    }
    if (since != null && until != null && since > until) {
      return true;
    }
    for (Set<String> v : tags.values()) {
      if (v.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The filter as JSON, attributes in NIP-01 order. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (ids != null) {
      m.put("ids", ids);
    }
    if (authors != null) {
      m.put("authors", authors);
    }
    if (kinds != null) {
      m.put("kinds", kinds);
    }
    tags.forEach((k, v) -> m.put("#" + k, v));
    if (since != null) {
      m.put("since", since);
    }
    if (until != null) {
      m.put("until", until);
    }
    if (limit != null) {
      m.put("limit", limit);
    }
    return Json.write(m);
  }
}
