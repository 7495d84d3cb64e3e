package io.warren.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader for feature files (objects become maps, arrays lists, numbers doubles or
 * longs), accepting the comments the OSGi Feature specification allows in feature files. Kept here
 * so the launcher's class path is the Felix framework alone.
 */
final class JsonReader {
  /**
   * Nesting deeper than this is refused: the reader recurses once per level, and a feature file
   * never nests beyond a handful, so a deep file is a mistake or an attack, not a stack overflow.
   */
  static final int MAX_DEPTH = 64;

  private final String s;
  private int i;
  private int depth;

  private JsonReader(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    JsonReader r = new JsonReader(text);
    Object v = r.value();
    r.skip();
    if (r.i != r.s.length()) {
      throw r.error("unexpected text after the JSON value");
    }
    return v;
  }

  private IllegalArgumentException error(String what) {
    int line = 1;
    for (int k = 0; k < Math.min(i, s.length()); k++) {
      if (s.charAt(k) == '\n') {
        line++;
      }
    }
    return new IllegalArgumentException(what + " at line " + line);
  }

  private void skip() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        i++;
      } else if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        if (end < 0) {
          throw error("unterminated comment");
        }
        i = end + 2;
      } else {
        return;
      }
    }
  }

  private Object value() {
    skip();
    if (i >= s.length()) {
      throw error("unexpected end of JSON");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{' :
        return nested(true);
      case '[' :
        return nested(false);
      case '"' :
        return string();
      case 't' :
        return literal("true", Boolean.TRUE);
      case 'f' :
        return literal("false", Boolean.FALSE);
      case 'n' :
        return literal("null", null);
      default :
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected character '" + c + "'");
    }
  }

  private Object nested(boolean isObject) {
    if (++depth > MAX_DEPTH) {
      throw error("JSON nested deeper than " + MAX_DEPTH + " levels");
    }
    Object v = isObject ? object() : array();
    depth--;
    return v;
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, i)) {
      throw error("expected " + word);
    }
    i += word.length();
    return v;
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    i++;
    skip();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      skip();
      if (peek() != '"') {
        throw error("expected a quoted key");
      }
      String k = string();
      skip();
      expect(':');
      m.put(k, value());
      skip();
      char c = next();
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        throw error("expected , or }");
      }
    }
  }

  private List<Object> array() {
    List<Object> l = new ArrayList<>();
    i++;
    skip();
    if (peek() == ']') {
      i++;
      return l;
    }
    while (true) {
      l.add(value());
      skip();
      char c = next();
      if (c == ']') {
        return l;
      }
      if (c != ',') {
        throw error("expected , or ]");
      }
    }
  }

  private String string() {
    i++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        throw error("control character in string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) {
            throw error("truncated \\u escape");
          }
          try {
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          i += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private Object number() {
    int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    String n = s.substring(start, i);
    try {
      return n.matches("-?\\d+") ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
    } catch (NumberFormatException e) {
      throw error("bad number " + n);
    }
  }

  private char peek() {
    if (i >= s.length()) {
      throw error("unexpected end of JSON");
    }
    return s.charAt(i);
  }

  private char next() {
    char c = peek();
    i++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("expected " + c);
    }
  }
}
