package io.warren.api;

import java.util.Collection;
import java.util.Map;

/**
 * Writes the small JSON documents Warren hands out: {@code node:identity}, the {@code --json} of
 * listing commands, the dashboard's state, the Nostr relay's messages (no parsing here). Maps
 * become objects (in their iteration order), collections arrays, numbers and booleans themselves
 * (a NaN or infinity {@code null}), {@link Raw} its text unchanged, anything else its
 * {@code toString()} as a string.
 */
public final class Json {
  private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

  private Json() {}

  /** A JSON text written elsewhere (a command's {@code --json} output), put in as it is. */
  public record Raw(String json) {}

  public static String write(Object value) {
    return append(new StringBuilder(), value).toString();
  }

  /** Appends {@code value} as compact JSON. */
  public static StringBuilder append(StringBuilder sb, Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        appendString(sb, String.valueOf(e.getKey())).append(':');
        append(sb, e.getValue());
      }
      sb.append('}');
    } else if (value instanceof Collection<?> list) {
      sb.append('[');
      boolean first = true;
      for (Object o : list) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        append(sb, o);
      }
      sb.append(']');
    } else if (value instanceof Raw raw) {
      sb.append(raw.json());
    } else if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
      sb.append("null");
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else {
      appendString(sb, value.toString());
    }
    return sb;
  }

  /** A JSON string literal: quotes, backslash and every control character escaped. */
  public static StringBuilder appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append("\\u00").append(HEX_DIGITS[c >> 4]).append(HEX_DIGITS[c & 0xF]);
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }
}
