package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.warren.identity.Bech32;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.Filter;
import io.warren.nostr.NostrException;
import io.warren.nostr.internal.tunnel.TunnelWire;
import io.warren.testing.Fuzz;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz targets for the Nostr relay's parsers that take a stranger's text: JSON, events (and their
 * signature check), filters, device names and keys (hex, npub, callsign) and Bech32. Bad input is a
 * {@link NostrException} (JSON, events, filters) or an {@link IllegalArgumentException} (names,
 * Bech32); what parses prints and parses back to itself.
 */
class NostrParsingFuzzTest {

  private static final byte[] KEY = Bip340.newSecretKey();
  static final Event NOTE = Event.sign(KEY, 1_700_000_000L, 1, List.of(List.of("p", "ab".repeat(32)),
      List.of("t", "warren"), List.of("e", "cd".repeat(32), "wss://relay.example", "reply")),
      "hello \"world\"\n\u00e9");
  static final String FILTER = "{\"ids\":[\"" + NOTE.id() + "\"],\"authors\":[\"" + NOTE.pubkey()
      + "\"],\"kinds\":[1,30023],\"#t\":[\"warren\"],\"#p\":[\"" + "ab".repeat(32)
      + "\"],\"since\":1,\"until\":2000000000,\"limit\":10}";
  /** JSON punctuation, keywords and edge values the mutator inserts. */
  static final List<String> JSON_TOKENS = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800",
      "null", "true", "false", "-0", "1e999", "18446744073709551616", "-1", "65536", "0.5", "\"kind\":", "\"tags\":",
      "\"id\":", "\"sig\":", "\"limit\":", "\"#e\":", "[[[[[[[[[[[[[[[[[[", "\"EVENT\",", "\"REQ\",", "\"AUTH\",",
      "\"CLOSE\",", "\u00e9", "\ud83d\ude00");

  @Provide
  Arbitrary<String> events() {
    Event empty = Event.sign(KEY, 0, 0, List.of(), "");
    Event auth = Event.sign(KEY, 1_700_000_000L, 22242, List.of(List.of("relay", "ws://127.0.0.1:7447"),
        List.of("challenge", "abc")), "");
    return Fuzz.text(8192, List.of(NOTE.toJson(), empty.toJson(), auth.toJson()), JSON_TOKENS);
  }

  @Provide
  Arbitrary<String> filters() {
    return Fuzz.text(4096, List.of(FILTER, "{}", "{\"limit\":0}", "{\"kinds\":[0,3,10002]}"), JSON_TOKENS);
  }

  @Provide
  Arbitrary<String> names() {
    String hex = NOTE.pubkey();
    String npub = Bech32.encode("npub", HexFormat.of().parseHex(hex));
    return Fuzz.text(6000, List.of(hex, npub, TunnelWire.callsign(hex), Bech32.encode("nsec", KEY),
        Bech32.encode("a", new byte[0])), List.of("1", "npub1", "q", "p", "z", "B", "I", "O", "-", "/", "../"));
  }

  @Property(seed = Fuzz.SEED)
  void events(@ForAll("events") String input) {
    AtomicReference<Event> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(Event.parse(input)), NostrException.class);
    if (parsed.get() != null) {
      Event e = parsed.get();
      Fuzz.expect(input, e::verify, NostrException.class);
      Fuzz.expect(input, () -> assertEquals(e, Event.parse(e.toJson())), NostrException.class);
      Fuzz.expect(input, e::canonicalJson, NostrException.class);
    }
  }

  @Property(seed = Fuzz.SEED)
  void filters(@ForAll("filters") String input) {
    AtomicReference<Filter> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(Filter.parse(input)), NostrException.class);
    if (parsed.get() != null) {
      Filter f = parsed.get();
      Fuzz.expect(input, () -> assertEquals(f, Filter.parse(f.toJson())));
      Fuzz.expect(input, () -> f.matches(NOTE));
    }
  }

  @Property(seed = Fuzz.SEED)
  void json(@ForAll("events") String input) {
    Fuzz.expect(input, () -> Json.parse(input), NostrException.class);
  }

  @Property(seed = Fuzz.SEED)
  void deviceNamesKeysAndBech32(@ForAll("names") String input) {
    Fuzz.expect(input, () -> TunnelWire.parseDevice(input), IllegalArgumentException.class);
    Fuzz.expect(input, () -> TunnelWire.parseKey(input), IllegalArgumentException.class);
    AtomicReference<Bech32.Decoded> parsed = new AtomicReference<>();
    Fuzz.expect(input, () -> parsed.set(Bech32.decode(input)), IllegalArgumentException.class);
    if (parsed.get() != null) {
      Bech32.Decoded d = parsed.get();
      Fuzz.expect(input, () -> assertEquals(d.hrp(), Bech32.decode(Bech32.encode(d.hrp(), d.data())).hrp()));
    }
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzEvents(byte[] input) {
    events(Fuzz.utf8(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzFilters(byte[] input) {
    filters(Fuzz.utf8(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzJson(byte[] input) {
    json(Fuzz.utf8(input));
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzDeviceNamesKeysAndBech32(byte[] input) {
    deviceNamesKeysAndBech32(Fuzz.utf8(input));
  }
}
