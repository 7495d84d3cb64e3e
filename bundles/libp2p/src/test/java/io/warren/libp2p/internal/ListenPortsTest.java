package io.warren.libp2p.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenPortsTest {
  @TempDir Path data;

  @Test
  void aFreeRememberedPortIsTakenAgainAndABusyOneIsNot() throws Exception {
    String[] configured = {"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/4001"};
    ListenPorts ports = new ListenPorts(data);
    assertArrayEquals(configured, ports.apply(configured), "nothing remembered yet");

    int last;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      last = probe.getLocalPort();
    }
    ports.remember(configured, List.of(last, 4001));
    assertArrayEquals(new String[] {"/ip4/127.0.0.1/tcp/" + last, "/ip4/127.0.0.1/tcp/4001"},
        new ListenPorts(data).apply(configured), "a fixed port stays as configured, tcp/0 gets its old port");

    try (ServerSocket other = new ServerSocket()) {
      other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), last));
      assertArrayEquals(configured, new ListenPorts(data).apply(configured),
          "a port another process holds is left alone");
    }
    String[] changed = {"/ip4/127.0.0.1/tcp/0"};
    assertArrayEquals(changed, new ListenPorts(data).apply(changed), "a changed configuration starts afresh");
    assertArrayEquals(configured, new ListenPorts(null).apply(configured), "no data directory: nothing remembered");
  }
}
