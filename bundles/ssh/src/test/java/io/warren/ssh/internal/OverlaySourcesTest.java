package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An overlay connection's source is known while that connection lives, and only for its own address. */
class OverlaySourcesTest {
  @Test
  void aSourceLivesAsLongAsItsConnection() {
    OverlaySources sources = new OverlaySources();
    EmbeddedChannel loopback = new EmbeddedChannel();
    sources.add(loopback, "relayed via ip 192.0.2.7");
    assertEquals(Optional.of("relayed via ip 192.0.2.7"), sources.of(loopback.localAddress()));
    assertEquals(Optional.empty(), sources.of(new InetSocketAddress("127.0.0.1", 40000)), "another client");
    assertEquals(Optional.empty(), sources.of(null));
    loopback.close();
    assertEquals(Optional.empty(), sources.of(loopback.localAddress()), "gone with its connection");
  }
}
