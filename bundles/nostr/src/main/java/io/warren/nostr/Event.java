package io.warren.nostr;

import io.warren.identity.Bip340;
import io.warren.nostr.internal.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Nostr event (NIP-01), immutable. The constructor checks the shape (lowercase hex of the right
 * lengths, kind 0-65535, a non-negative created_at, tags as lists of strings); {@link #verify}
 * checks that the id is the hash of the canonical serialization and that the signature is valid.
 *
 * @param id lowercase hex of the 32-byte sha256 of {@link #canonicalJson()}
 * @param pubkey lowercase hex of the author's 32-byte x-only secp256k1 public key
 * @param createdAt unix time in seconds
 * @param kind 0-65535
 * @param tags each tag a list of strings, the first being its name
 * @param content any string
 * @param sig lowercase hex of the 64-byte BIP-340 signature of the id
 */
public record Event(String id, String pubkey, long createdAt, int kind, List<List<String>> tags,
    String content, String sig) {
  private static final HexFormat HEX = HexFormat.of();

  public Event {
    requireHex("id", id, 64);
    requireHex("pubkey", pubkey, 64);
    requireHex("sig", sig, 128);
    if (createdAt < 0) {
      throw new NostrException("created_at must not be negative, got " + createdAt);
    }
    if (kind < 0 || kind > 65_535) {
      throw new NostrException("kind must be 0-65535, got " + kind);
    }
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(tags, "tags");
    List<List<String>> copy = new ArrayList<>(tags.size());
    for (List<String> tag : tags) {
      if (tag == null) {
        throw new NostrException("a tag must be an array of strings, got null");
      }
      for (String s : tag) {
        if (s == null) {
          throw new NostrException("tag values must be strings, got null");
        }
      }
      copy.add(List.copyOf(tag));
    }
    tags = List.copyOf(copy);
  }

  /** Signs a new event with {@code secretKey} (32 bytes): computes pubkey, id and signature. */
  public static Event sign(byte[] secretKey, long createdAt, int kind, List<List<String>> tags, String content) {
    String pubkey = HEX.formatHex(Bip340.publicKey(secretKey));
    byte[] id = sha256(canonicalJson(pubkey, createdAt, kind, tags, content));
    return new Event(HEX.formatHex(id), pubkey, createdAt, kind, tags, content,
        HEX.formatHex(Bip340.sign(secretKey, id)));
  }

  /**
   * Signs a new event with a key held elsewhere (e.g. {@code NodeIdentity::signNostr}).
   *
   * @param pubkey lowercase hex of the signer's x-only public key
   * @param signer BIP-340 signature (64 bytes) of a 32-byte message
   */
  public static Event sign(String pubkey, java.util.function.UnaryOperator<byte[]> signer, long createdAt, int kind,
      List<List<String>> tags, String content) {
    byte[] id = sha256(canonicalJson(pubkey, createdAt, kind, tags, content));
    return new Event(HEX.formatHex(id), pubkey, createdAt, kind, tags, content, HEX.formatHex(signer.apply(id)));
  }

  /** Parses an event from its JSON text. */
  public static Event parse(String json) {
    return fromJson(Json.parse(json));
  }

  /**
   * An event from a parsed JSON object (as the relay's parser produces: maps, lists, strings,
   * longs). Fields other than the seven of NIP-01 are ignored.
   */
  public static Event fromJson(Object json) {
    if (!(json instanceof Map<?, ?> m)) {
      throw new NostrException("an event must be a JSON object");
    }
    List<List<String>> tags = new ArrayList<>();
    if (!(m.get("tags") instanceof List<?> rawTags)) {
      throw new NostrException("tags must be an array of arrays of strings");
    }
    for (Object t : rawTags) {
      if (!(t instanceof List<?> rawTag)) {
        throw new NostrException("each tag must be an array of strings");
      }
      List<String> tag = new ArrayList<>(rawTag.size());
      for (Object v : rawTag) {
        if (!(v instanceof String s)) {
          throw new NostrException("tag values must be strings");
        }
        tag.add(s);
      }
      tags.add(tag);
    }
    long kind = integer(m, "kind");
    if (kind < 0 || kind > 65_535) {
      throw new NostrException("kind must be 0-65535, got " + kind);
    }
    return new Event(string(m, "id"), string(m, "pubkey"), integer(m, "created_at"), (int) kind, tags,
        string(m, "content"), string(m, "sig"));
  }

  private static String string(Map<?, ?> m, String field) {
    if (!(m.get(field) instanceof String s)) {
      throw new NostrException(field + " must be a string");
    }
    return s;
  }

  private static long integer(Map<?, ?> m, String field) {
    Object v = m.get(field);
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof BigInteger) {
      throw new NostrException(field + " is out of range");
    }
    throw new NostrException(field + " must be an integer");
  }

  /** The NIP-01 serialization {@code [0,pubkey,created_at,kind,tags,content]} the id is the hash of. */
  public String canonicalJson() {
    return canonicalJson(pubkey, createdAt, kind, tags, content);
  }

  private static String canonicalJson(String pubkey, long createdAt, int kind, List<List<String>> tags,
      String content) {
    StringBuilder sb = new StringBuilder(128 + content.length());
    sb.append("[0,\"").append(pubkey).append("\",").append(createdAt).append(',').append(kind).append(",[");
    for (int i = 0; i < tags.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append('[');
      List<String> tag = tags.get(i);
      for (int j = 0; j < tag.size(); j++) {
        if (j > 0) {
          sb.append(',');
        }
        Json.appendCanonicalString(sb, tag.get(j));
      }
      sb.append(']');
    }
    sb.append("],");
    Json.appendCanonicalString(sb, content);
    return sb.append(']').toString();
  }

  /** The id this event should have: lowercase hex of sha256 of {@link #canonicalJson()}. */
  public String computeId() {
    return HEX.formatHex(sha256(canonicalJson()));
  }

  /**
   * Checks the id and the signature.
   *
   * <p>The id must be the hash of {@link #canonicalJson()}. One tolerance: NIP-01 says control
   * characters other than the seven it names go verbatim into the serialization, while clients
   * that serialize with a JSON library (JavaScript's {@code JSON.stringify}, so nostr-tools)
   * write them as {@code \}{@code u00XX}; for an event that holds such characters the id of that
   * form is accepted too. Both forms are injective, so neither lets one id stand for two events.
   *
   * @throws NostrException saying what does not check
   */
  public void verify() {
    rejectUnpairedSurrogates(content);
    for (List<String> tag : tags) {
      for (String s : tag) {
        rejectUnpairedSurrogates(s);
      }
    }
    byte[] expected = sha256(canonicalJson());
    byte[] claimed = HEX.parseHex(id);
    if (!MessageDigest.isEqual(expected, claimed)) {
      if (!hasOtherControlCharacters() || !MessageDigest.isEqual(sha256(jsonLibrarySerialization()), claimed)) {
        throw new NostrException("id does not match the event's canonical serialization (expected "
            + HEX.formatHex(expected) + ")");
      }
    }
    if (!Bip340.verify(HEX.parseHex(pubkey), claimed, HEX.parseHex(sig))) {
      throw new NostrException("signature is not valid for this id and pubkey");
    }
  }

  private static void rejectUnpairedSurrogates(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new NostrException("a string holds an unpaired UTF-16 surrogate, which has no UTF-8 form");
      }
    }
  }

  private boolean hasOtherControlCharacters() {
    if (hasOtherControl(content)) {
      return true;
    }
    for (List<String> tag : tags) {
      for (String s : tag) {
        if (hasOtherControl(s)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hasOtherControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\b' && c != '\f') {
        return true;
      }
    }
    return false;
  }

  private String jsonLibrarySerialization() {
    StringBuilder sb = new StringBuilder();
    sb.append("[0,\"").append(pubkey).append("\",").append(createdAt).append(',').append(kind).append(',');
    Json.append(sb, tags).append(',');
    Json.appendString(sb, content);
    return sb.append(']').toString();
  }

  /** The event as JSON for the wire and for storage (valid JSON, keys in NIP-01 order). */
  public String toJson() {
    StringBuilder sb = new StringBuilder(256 + content.length());
    sb.append("{\"id\":\"").append(id).append("\",\"pubkey\":\"").append(pubkey)
        .append("\",\"created_at\":").append(createdAt).append(",\"kind\":").append(kind).append(",\"tags\":");
    Json.append(sb, tags);
    sb.append(",\"content\":");
    Json.appendString(sb, content);
    return sb.append(",\"sig\":\"").append(sig).append("\"}").toString();
  }

  public KindClass kindClass() {
    return KindClass.of(kind);
  }

  /** The value of the first tag named {@code name} that has a value. */
  public Optional<String> firstTagValue(String name) {
    for (List<String> tag : tags) {
      if (tag.size() >= 2 && tag.get(0).equals(name)) {
        return Optional.of(tag.get(1));
      }
    }
    return Optional.empty();
  }

  /** The {@code d} tag value addressable events are keyed by ({@code ""} when there is none). */
  public String dTag() {
    return firstTagValue("d").orElse("");
  }

  /**
   * Whether this event replaces {@code other} under the NIP-01 rule: newer wins; on equal
   * created_at the lowest id wins.
   */
  public boolean supersedes(Event other) {
    return supersedes(createdAt, id, other.createdAt, other.id);
  }

  /** {@link #supersedes(Event)} on the two fields that decide it. */
  public static boolean supersedes(long createdAt, String id, long otherCreatedAt, String otherId) {
    if (createdAt != otherCreatedAt) {
      return createdAt > otherCreatedAt;
    }
    return id.compareTo(otherId) < 0;
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void requireHex(String field, String value, int length) {
    if (value == null) {
      throw new NostrException(field + " must be a string");
    }
    if (value.length() != length) {
      throw new NostrException(field + " must be " + length + " lowercase hex characters, got " + value.length());
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new NostrException(field + " must be lowercase hex");
      }
    }
  }

  /** Whether {@code s} is 64 lowercase hex characters (an id or a pubkey). */
  public static boolean isHex64(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
