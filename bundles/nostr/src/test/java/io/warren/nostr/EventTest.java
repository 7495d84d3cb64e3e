package io.warren.nostr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.Bip340;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventTest {
  private static final byte[] KEY =
      HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000003");

  /** Signed by nostr-tools 2.25.2 (finalizeEvent) with secret key 3: every escaped character, UTF-8 and an emoji. */
  static final String NOSTR_TOOLS_EVENT =
      "{\"kind\":1,\"created_at\":1700000000,\"tags\":[[\"e\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"wss://r.example\"],[\"t\",\"quote\\\"back\\\\slash\"]],\"content\":\"line\\nquote\\\"back\\\\cr\\rtab\\tbs\\bff\\fé😀/<>\",\"pubkey\":\"f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9\",\"id\":\"284f983a161d0e0d3aef5073f4bb75e749cc4889ff83db73efdeee07d689fe83\",\"sig\":\"2c8d78f2361a00f56e234445e05da0a7af5011198a42a5bcd9cf60e7408c4f1e0f1c1d9504a41d4825064569dd798c78ef1539fbe995d6d5b52901601611df97\"}";

  @Test
  void canonicalSerializationEscapesExactlyTheSevenCharactersOfNip01() {
    Event e = Event.sign(KEY, 1700000000, 1, List.of(List.of("t", "a\"b")),
        "nl\n dq\" bs\\ cr\r tab\t bsp\b ff\f slash/ é😀 ctl\u0001 del\u007f");
    String pub = HexFormat.of().formatHex(Bip340.publicKey(KEY));
    assertEquals("[0,\"" + pub + "\",1700000000,1,[[\"t\",\"a\\\"b\"]],"
        + "\"nl\\n dq\\\" bs\\\\ cr\\r tab\\t bsp\\b ff\\f slash/ é😀 ctl\u0001 del\u007f\"]", e.canonicalJson());
    assertEquals(e.computeId(), e.id());
    e.verify();
  }

  @Test
  void idAndSignatureAgreeWithNostrTools() {
    Event e = Event.parse(NOSTR_TOOLS_EVENT);
    assertEquals("284f983a161d0e0d3aef5073f4bb75e749cc4889ff83db73efdeee07d689fe83", e.computeId());
    e.verify();
    assertEquals("line\nquote\"back\\cr\rtab\tbs\bff\fé😀/<>", e.content());
    Event again = Event.parse(e.toJson());
    assertEquals(e, again);
  }

  @Test
  void aWrongIdOrSignatureIsRefusedWithTheReason() {
    Event good = Event.sign(KEY, 1700000000, 1, List.of(), "hello");
    Event wrongId = new Event("0".repeat(64), good.pubkey(), good.createdAt(), good.kind(), good.tags(), good.content(),
        good.sig());
    assertTrue(assertThrows(NostrException.class, wrongId::verify).getMessage().contains("id does not match"));
    Event tampered =
        new Event(good.id(), good.pubkey(), good.createdAt(), good.kind(), good.tags(), "hellO", good.sig());
    assertThrows(NostrException.class, tampered::verify);
    String badSig = (good.sig().charAt(0) == '0' ? "1" : "0") + good.sig().substring(1);
    Event forged =
        new Event(good.id(), good.pubkey(), good.createdAt(), good.kind(), good.tags(), good.content(), badSig);
    assertTrue(assertThrows(NostrException.class, forged::verify).getMessage().contains("signature"));
  }

  @Test
  void controlCharactersSerializedTheJsonLibraryWayAreAcceptedToo() {
    String pub = HexFormat.of().formatHex(Bip340.publicKey(KEY));
    String jsStyle = "[0,\"" + pub + "\",1700000000,1,[],\"a\\u0001b\"]";
    byte[] id = Event.sha256(jsStyle);
    Event e = new Event(HexFormat.of().formatHex(id), pub, 1700000000, 1, List.of(), "a\u0001b",
        HexFormat.of().formatHex(Bip340.sign(KEY, id)));
    assertNotEquals(e.computeId(), e.id());
    e.verify();
  }

  @Test
  void malformedEventsAreRefusedWhileParsing() {
    String ok = Event.sign(KEY, 1, 1, List.of(), "").toJson();
    assertThrows(NostrException.class, () -> Event.parse(ok.replace("\"kind\":1", "\"kind\":70000")));
    assertThrows(NostrException.class, () -> Event.parse(ok.replace("\"kind\":1", "\"kind\":1.5")));
    assertThrows(NostrException.class, () -> Event.parse(ok.replace("\"created_at\":1", "\"created_at\":\"1\"")));
    assertThrows(NostrException.class, () -> Event.parse(ok.replace("\"tags\":[]", "\"tags\":[[1]]")));
    assertThrows(NostrException.class, () -> Event.parse(ok.replace("\"tags\":[]", "\"tags\":[\"e\"]")));
    assertThrows(NostrException.class, () -> Event.parse(ok.replace("\"id\":\"", "\"id\":\"A")));
    assertThrows(NostrException.class, () -> Event.parse(ok.substring(0, ok.length() - 1)));
    Event lone = Event.sign(KEY, 1, 1, List.of(), "x");
    Event surrogate = new Event(lone.id(), lone.pubkey(), 1, 1, List.of(), "\ud800", lone.sig());
    assertTrue(assertThrows(NostrException.class, surrogate::verify).getMessage().contains("surrogate"));
  }

  @Test
  void kindClassesFollowNip01() {
    assertEquals(KindClass.REPLACEABLE, KindClass.of(0));
    assertEquals(KindClass.REGULAR, KindClass.of(1));
    assertEquals(KindClass.REPLACEABLE, KindClass.of(3));
    assertEquals(KindClass.REGULAR, KindClass.of(9999));
    assertEquals(KindClass.REPLACEABLE, KindClass.of(10000));
    assertEquals(KindClass.REPLACEABLE, KindClass.of(19999));
    assertEquals(KindClass.EPHEMERAL, KindClass.of(20000));
    assertEquals(KindClass.EPHEMERAL, KindClass.of(29999));
    assertEquals(KindClass.ADDRESSABLE, KindClass.of(30000));
    assertEquals(KindClass.ADDRESSABLE, KindClass.of(39999));
    assertEquals(KindClass.REGULAR, KindClass.of(40000));
  }

  @Test
  void newerWinsAndOnATieTheLowestIdWins() {
    assertTrue(Event.supersedes(2, "b", 1, "a"));
    assertTrue(!Event.supersedes(1, "a", 2, "b"));
    assertTrue(Event.supersedes(5, "a", 5, "b"));
    assertTrue(!Event.supersedes(5, "b", 5, "a"));
  }
}
