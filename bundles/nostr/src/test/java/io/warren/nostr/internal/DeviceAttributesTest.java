package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.PeerRef;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A device's signed attributes: written as attr tags, read back only from its own, signed, newest announcement. */
class DeviceAttributesTest {
  private static final byte[] SECRET = Bip340.newSecretKey();
  private static final String HEX = HexFormat.of().formatHex(Bip340.publicKey(SECRET));
  private static final PeerRef DEVICE = new PeerRef(PeerRef.NOSTR, HEX);

  private static Event announcement(byte[] secret, long at, Map<String, String> attributes) {
    List<List<String>> tags = new ArrayList<>(List.of(List.of("d", ""), List.of("w", "callsign")));
    tags.addAll(DeviceAttributes.tags(attributes));
    return Event.sign(secret, at, TunnelWire.DEVICE_KIND, tags, "device");
  }

  @Test
  void attributesRoundTripThroughTheAnnouncementsTags() {
    Event e = announcement(SECRET, 100, Map.of("ssh.hostkey", "SHA256:abc", "a.b", "x"));
    assertTrue(e.tags().contains(List.of("attr", "a.b", "x")), e.tags().toString());
    DeviceAttributes attributes = new DeviceAttributes(hex -> List.of(e));
    assertEquals(Optional.of(Map.of("a.b", "x", "ssh.hostkey", "SHA256:abc")), attributes.of(DEVICE));
    assertEquals(Optional.empty(), attributes.of(new PeerRef(PeerRef.LIBP2P, "12D3KooWx")), "not a device");
  }

  @Test
  void attributesForMembersOnlyAreNotAnnounced() {
    io.warren.api.RecordAttributes ssh = () -> Map.of("ssh.hostkey", "SHA256:abc");
    io.warren.api.RecordAttributes links = new io.warren.api.RecordAttributes() {
      @Override
      public Map<String, String> attributes() {
        return Map.of("p2p.links", "aaaaaaaaaaaaaaaa");
      }

      @Override
      public boolean membersOnly() {
        return true;
      }
    };
    assertEquals(Map.of("ssh.hostkey", "SHA256:abc"), DeviceAttributes.announced(List.of(links, ssh), (a, e) -> {}));
  }

  @Test
  void badKeysLongValuesAndMoreThanSixteenAreLeftOut() {
    Map<String, String> many = new java.util.TreeMap<>();
    for (int i = 0; i < 20; i++) {
      many.put(String.format("k%02d", i), "v");
    }
    many.put("Bad Key", "v");
    many.put("long", "x".repeat(1025));
    List<List<String>> tags = DeviceAttributes.tags(many);
    assertEquals(16, tags.size());
    assertTrue(tags.stream().noneMatch(t -> t.get(1).equals("Bad Key") || t.get(1).equals("long")), tags.toString());
    // what another implementation might sign is read with the same rules
    Event odd = Event.sign(SECRET, 100, TunnelWire.DEVICE_KIND, List.of(List.of("d", ""), List.of("attr", "Bad", "v"),
        List.of("attr", "ok", "first"), List.of("attr", "ok", "second"), List.of("attr", "short")), "");
    assertEquals(Map.of("ok", "first"), DeviceAttributes.read(odd));
  }

  @Test
  void onlyTheDevicesOwnSignedNewestAnnouncementCounts() {
    Event old = announcement(SECRET, 100, Map.of("ssh.hostkey", "SHA256:old"));
    Event now = announcement(SECRET, 200, Map.of("ssh.hostkey", "SHA256:new"));
    Event other = announcement(Bip340.newSecretKey(), 300, Map.of("ssh.hostkey", "SHA256:other"));
    // a relay changing the value keeps the id and signature, which then no longer check
    Event forged = new Event(now.id(), now.pubkey(), 400, now.kind(), List.of(List.of("d", ""),
        List.of("attr", "ssh.hostkey", "SHA256:forged")), now.content(), now.sig());
    DeviceAttributes attributes = new DeviceAttributes(hex -> List.of(old, forged, other, now));
    assertEquals(Optional.of(Map.of("ssh.hostkey", "SHA256:new")), attributes.of(DEVICE));
    assertEquals(Optional.empty(), new DeviceAttributes(hex -> List.of(other, forged)).of(DEVICE),
        "no announcement of its own: nothing known");
    assertEquals(Optional.of(Map.of()), new DeviceAttributes(hex -> List.of(announcement(SECRET, 1, Map.of())))
        .of(DEVICE), "an announcement without attributes");
  }
}
