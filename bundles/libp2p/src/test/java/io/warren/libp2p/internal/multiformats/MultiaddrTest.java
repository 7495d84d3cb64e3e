package io.warren.libp2p.internal.multiformats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerId;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class MultiaddrTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final String PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

  private static void roundTrip(String text, String hex) {
    Multiaddr a = Multiaddr.fromString(text);
    assertEquals(hex, HEX.formatHex(a.toBytes()), text);
    Multiaddr b = Multiaddr.fromBytes(HEX.parseHex(hex));
    assertEquals(text, b.toString());
    assertEquals(a, b);
  }

  @Test
  void peerAndCircuitSuffixesAreBuiltFromTheParts() {
    PeerId relay = PeerId.ofEd25519(new byte[32]);
    byte[] k = new byte[32];
    k[0] = 1;
    PeerId target = PeerId.ofEd25519(k);
    Multiaddr tcp = Multiaddr.fromString("/ip4/127.0.0.1/tcp/4001");
    assertEquals(Multiaddr.fromString("/ip4/127.0.0.1/tcp/4001/p2p/" + relay), tcp.withPeerId(relay));
    assertEquals(Multiaddr.fromString("/ip4/127.0.0.1/tcp/4001/p2p/" + relay + "/p2p-circuit/p2p/" + target),
        tcp.withPeerId(relay).circuitTo(target));
    assertEquals(target, tcp.withPeerId(relay).circuitTo(target).peerId().orElseThrow());
  }

  @Test
  void binaryAndTextAgree() {
    roundTrip("/ip4/127.0.0.1/tcp/4001", "047f000001060fa1");
    roundTrip("/ip4/0.0.0.0/tcp/0", "0400000000060000");
    roundTrip("/ip6/::1/tcp/8080", "29" + "00000000000000000000000000000001" + "061f90");
    roundTrip("/ip6/2001:db8::1:0:0:1/tcp/1", "29" + "20010db8000000000001000000000001" + "060001");
    roundTrip("/dns4/example.com/tcp/443", "360b6578616d706c652e636f6d" + "0601bb");
    roundTrip("/dns/example.com", "350b6578616d706c652e636f6d");
    roundTrip("/dns6/example.com", "370b6578616d706c652e636f6d");
    byte[] mh = PeerId.parse(PEER).toBytes();
    String p2p = "a503" + HEX.formatHex(Varint.encode(mh.length)) + HEX.formatHex(mh);
    roundTrip("/p2p/" + PEER, p2p);
    roundTrip("/ip4/1.2.3.4/tcp/1/p2p/" + PEER + "/p2p-circuit/p2p/" + PEER,
        "0401020304060001" + p2p + "a202" + p2p);
  }

  @Test
  void ip6FormatsCanonically() {
    assertEquals("/ip6/2001:db8::1", Multiaddr.fromString("/ip6/2001:0DB8:0:0:0:0:0:1").toString());
    assertEquals("/ip6/::", Multiaddr.fromString("/ip6/::").toString());
    assertEquals("/ip6/1:0:2::", Multiaddr.fromString("/ip6/1:0:2:0:0:0:0:0").toString());
    assertEquals("/ip6/::ffff:102:304", Multiaddr.fromString("/ip6/::ffff:1.2.3.4").toString());
  }

  @Test
  void acceptsIpfsAliasAndCidPeerIds() {
    Multiaddr a = Multiaddr.fromString("/ipfs/" + PEER);
    assertEquals("/p2p/" + PEER, a.toString());
    String cid = PeerId.parse(PEER).toCidString();
    assertEquals(a, Multiaddr.fromString("/p2p/" + cid));
    assertEquals(PeerId.parse(PEER), a.peerId().orElseThrow());
    assertEquals("/ip4/1.2.3.4/tcp/5",
        Multiaddr.fromString("/ip4/1.2.3.4/tcp/5/p2p/" + PEER).withoutPeerId().toString());
    assertEquals("5", Multiaddr.fromString("/ip4/1.2.3.4/tcp/5").valueOf(Protocol.TCP).orElseThrow());
  }

  private static void badText(String text, String expectedFragment) {
    MultiaddrException e = assertThrows(MultiaddrException.class, () -> Multiaddr.fromString(text), text);
    assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
  }

  @Test
  void rejectsBadTextClearly() {
    badText("", "empty");
    badText("ip4/1.2.3.4", "must start with '/'");
    badText("/ip4/1.2.3.4/", "stray '/'");
    badText("/ip4/256.1.1.1", "IPv4 octet 256 > 255");
    badText("/ip4/01.1.1.1", "bad IPv4 octet '01'");
    badText("/ip4/1.2.3", "not a dotted-quad");
    badText("/ip6/1::2::3", "more than one '::'");
    badText("/ip6/12345::", "bad IPv6 group");
    badText("/tcp/65536", "port 65536 > 65535");
    badText("/tcp/-1", "decimal number");
    badText("/tcp", "/tcp needs a value");
    badText("/sctp/53", "unknown protocol 'sctp'");
    badText("/udp/65536", "port 65536 > 65535");
    badText("/p2p/notapeerid0", "bad /p2p value");
    badText("/dns4/a b", "space");
  }

  @Test
  void quicV1AddressesRoundTripAsGoLibp2pEncodesThem() {
    Multiaddr m = Multiaddr.fromString("/ip4/127.0.0.1/udp/4100/quic-v1");
    assertEquals("047f00000191021004cd03", HEX.formatHex(m.toBytes()));
    assertEquals(m, Multiaddr.fromBytes(HEX.parseHex("047f00000191021004cd03")));
    assertEquals("/ip4/127.0.0.1/udp/4100/quic-v1", m.toString());
  }

  @Test
  void rejectsBadBinaryClearly() {
    assertEquals("multiaddr: truncated /ip4 value",
        assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(HEX.parseHex("047f00"))).getMessage());
    assertEquals("multiaddr: unsupported protocol code 132 at byte 0",
        assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(HEX.parseHex("84010035"))).getMessage());
    assertTrue(assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(HEX.parseHex("3605616263")))
        .getMessage().contains("only 3 left"));
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(new byte[0]));
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(HEX.parseHex("a50303120101")));
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(new byte[Multiaddr.MAX_BINARY_LENGTH + 1]));
  }
}
