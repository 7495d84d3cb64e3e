import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.warren.identity.Bip340;
import io.warren.nostr.Event;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens N device connections to a relay (NIP-42 AUTH + hello, each with its own key) and keeps them
 * idle; prints "registered N" when all are in, then waits for stdin to close. Run by
 * bench/devices.sh, which measures the relay's memory before and after.
 */
public class DeviceIdleBench {
  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int n = Integer.parseInt(args[1]);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    CountDownLatch registered = new CountDownLatch(n);
    AtomicInteger refused = new AtomicInteger();
    Semaphore inFlight = new Semaphore(64);
    for (int i = 0; i < n; i++) {
      byte[] key = Bip340.newSecretKey();
      inFlight.acquire();
      new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel ch) {
          ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
              new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder().webSocketUri(url)
                  .version(WebSocketVersion.V13).customHeaders(new DefaultHttpHeaders()).build()),
              new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                String helloId;

                @Override
                protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                  String t = f.text();
                  long now = System.currentTimeMillis() / 1000;
                  if (t.startsWith("[\"AUTH\"")) {
                    String challenge = t.substring(9, t.length() - 2);
                    Event auth = Event.sign(key, now, 22242, List.of(List.of("relay", url.toString()),
                        List.of("challenge", challenge)), "");
                    ctx.writeAndFlush(new TextWebSocketFrame("[\"AUTH\"," + auth.toJson() + "]"));
                  } else if (t.startsWith("[\"OK\"") && helloId == null) {
                    Event hello = Event.sign(key, now, 25910, List.of(), "");
                    helloId = hello.id();
                    ctx.writeAndFlush(new TextWebSocketFrame("[\"EVENT\"," + hello.toJson() + "]"));
                  } else if (t.startsWith("[\"OK\",\"" + helloId + "\"")) {
                    if (!t.contains("true")) {
                      refused.incrementAndGet();
                      System.err.println(t);
                    }
                    inFlight.release();
                    registered.countDown();
                  }
                }
              });
        }
      }).connect(url.getHost(), url.getPort());
    }
    if (!registered.await(600, TimeUnit.SECONDS)) {
      System.out.println("timed out: " + registered.getCount() + " not registered");
    }
    System.out.println("registered " + (n - refused.get()) + " refused " + refused.get());
    System.out.flush();
    while (System.in.read() >= 0) {
      // hold the connections until the script closes our input
    }
    group.shutdownGracefully();
  }
}
