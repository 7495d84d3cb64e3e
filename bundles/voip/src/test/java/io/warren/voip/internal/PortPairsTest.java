package io.warren.voip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.warren.testing.TestEventLoops;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Port pairs skip ports another program holds, RTP or RTCP, and hand out the next free pair. */
class PortPairsTest {
  private final TestEventLoops loops = new TestEventLoops(1);

  @AfterEach
  void stop() {
    loops.close();
  }

  private Channel[] bind(PortPairs pairs) throws Exception {
    return pairs.bind(loops.group().next(), ChannelInboundHandlerAdapter::new, ChannelInboundHandlerAdapter::new,
        "test");
  }

  private static int port(Channel c) {
    return ((InetSocketAddress) c.localAddress()).getPort();
  }

  @Test
  void aPortHeldElsewhereIsPassedOver() throws Exception {
    PortPairs pairs = new PortPairs(loops, "127.0.0.1", 45400, 4);
    try (DatagramSocket rtp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 45400));
        DatagramSocket rtcp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 45403))) {
      Channel[] first = bind(pairs);
      assertEquals(45404, port(first[0]), "45400 and 45403 are taken: the first whole pair is 45404-45405");
      assertEquals(45405, port(first[1]));
      Channel[] second = bind(pairs);
      assertEquals(45406, port(second[0]));
      first[0].close().sync();
      first[1].close().sync();
      second[0].close().sync();
      second[1].close().sync();
    }
  }
}
