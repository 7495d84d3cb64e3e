package io.warren.nostr.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.warren.nostr.NostrException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as the relay sees it: a message parses into plain Java values ({@link Map} with insertion
 * order, {@link List}, {@link String}, {@link Long} or {@link BigInteger} for integers,
 * {@link Double}, {@link Boolean}, {@code null}); output is written with {@link #appendString}.
 *
 * <p>Two string escapings exist on purpose: {@link #appendCanonicalString} is the NIP-01 rule for
 * the id serialization (seven characters escaped, everything else verbatim) and
 * {@link #appendString} is valid JSON for the wire (every control character escaped).
 */
public final class Json {
  /** Nesting deeper than this is not a Nostr message (an event's tags are depth 4). */
  static final int MAX_DEPTH = 16;
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private Json() {}

  public static Object parse(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  /** Parses exactly one JSON value from UTF-8 bytes. */
  public static Object parse(byte[] utf8, int offset, int length) {
    try (JsonParser p = FACTORY.createParser(utf8, offset, length)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new NostrException("empty message");
      }
      Object value = read(p, first);
      if (p.nextToken() != null) {
        throw new NostrException("trailing data after the JSON value");
      }
      return value;
    } catch (IOException e) {
      throw new NostrException("malformed JSON: " + firstLine(e.getMessage()), e);
    }
  }

  private static String firstLine(String m) {
    if (m == null) {
      return "unreadable input";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static Object read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT : {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          m.put(name, read(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY : {
        List<Object> l = new ArrayList<>();
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
          l.add(read(p, v));
        }
        return l;
      }
      case VALUE_STRING :
        return p.getText();
      case VALUE_NUMBER_INT :
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
            : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT :
        return p.getDoubleValue();
      case VALUE_TRUE :
        return Boolean.TRUE;
      case VALUE_FALSE :
        return Boolean.FALSE;
      case VALUE_NULL :
        return null;
      default :
        throw new NostrException("unexpected JSON token " + t);
    }
  }

  /** A JSON string literal for the wire: quotes, backslash and every control character escaped. */
  public static StringBuilder appendString(StringBuilder sb, String s) {
    return io.warren.api.Json.appendString(sb, s);
  }

  /**
   * A string as NIP-01 serializes it for the event id: line feed, double quote, backslash,
   * carriage return, tab, backspace and form feed escaped as shown in NIP-01, every other
   * character verbatim.
   */
  public static StringBuilder appendCanonicalString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> sb.append(c);
      }
    }
    return sb.append('"');
  }

  /** Writes a value tree (as {@link #parse} returns) as compact JSON. */
  public static StringBuilder append(StringBuilder sb, Object v) {
    return io.warren.api.Json.append(sb, v);
  }

  public static String write(Object v) {
    return io.warren.api.Json.write(v);
  }
}
