package io.warren.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PeerUserTest {
  @Test
  void findsTheClientSocketLineNotTheServerOne() {
    List<String> lines = List.of(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 0100007F:9F2D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 451890 1",
        "   1: 0100007F:9F2D 0100007F:D1F0 01 00000000:00000000 00:00000000 00000000   999        0 451891 1",
        "   2: 0100007F:D1F0 0100007F:9F2D 01 00000000:00000000 00:00000000 00000000  1000        0 451892 1");
    assertEquals(Optional.of(1000), PeerUser.find(lines, 0xD1F0, 0x9F2D));
    assertEquals(Optional.empty(), PeerUser.find(lines, 0xD1F1, 0x9F2D));
  }

  @Test
  void aLoopbackConnectionBelongsToThisProcessUser() throws Exception {
    Assumptions.assumeTrue(Files.exists(Path.of("/proc/net/tcp")), "Linux only");
    int myUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
          Socket accepted = server.accept()) {
        assertEquals(Optional.of(myUid), PeerUser.uid(accepted.getPort(), accepted.getLocalPort()));
      }
    }
  }
}
