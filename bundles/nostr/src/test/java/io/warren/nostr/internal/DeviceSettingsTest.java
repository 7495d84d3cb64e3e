package io.warren.nostr.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.nostr.internal.tunnel.TunnelWire;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceSettingsTest {
  static final String A = "ab".repeat(32);
  static final String B = "cd".repeat(32);

  @Test
  void keysAreHexOrNpubCommaOrSpaceSeparated() {
    assertEquals(Set.of(A, B), DeviceSettings.keys("allow", new String[] {A + ", " + TunnelWire.npub(B)}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DeviceSettings.keys("allow", new String[] {"../etc/passwd"}));
    assertTrue(e.getMessage().startsWith("allow: invalid device"), e.getMessage());
  }

  @Test
  void devicesNeedMessagesLargeEnoughForAYamuxFrame() {
    NostrRelay.checkDeviceFrames(true, 131_072);
    NostrRelay.checkDeviceFrames(false, 1_024);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NostrRelay.checkDeviceFrames(true, 1_024));
    assertTrue(e.getMessage().contains("max.message.length must be at least 65536"), e.getMessage());
  }

  @Test
  void blockWinsAndAnAllowListRestricts() {
    DeviceSettings open = new DeviceSettings(10, 10, 0, Set.of(), Set.of(B), true);
    assertNull(open.refusal(A));
    assertTrue(open.refusal(B).startsWith("blocked:"));
    DeviceSettings closed = new DeviceSettings(10, 10, 0, Set.of(A), Set.of(), true);
    assertNull(closed.refusal(A));
    assertTrue(closed.refusal(B).startsWith("restricted:"));
    assertThrows(IllegalArgumentException.class, () -> new DeviceSettings(-1, 10, 0, Set.of(), Set.of(), true));
  }
}
