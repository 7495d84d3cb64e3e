package io.warren.ssh.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.warren.api.PeerRef;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.channel.EventLoops;
import io.warren.api.channel.Splice;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of {@code ssh:shell}: a stream of {@value #PROTOCOL} from a peer holding a live
 * ticket (issued by {@code ssh:ticket}, which that peer ran here with this node's admin
 * authorisation) is spliced into a loopback connection to the SSH server, where the peer logs in
 * with the ticket. A stream from a Nostr device (which has no remote admin to ask for a ticket)
 * gets through only where {@code device.logins = true}, and then has to log in like any SSH client
 * (the admin password, checked and limited by the stream's source, or an authorised key); the
 * device transport has already let only keys in this device's allow list open the stream. Streams
 * from any other peer, or while the server does not listen, are reset.
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + OverlayShellHandler.PROTOCOL)
public final class OverlayShellHandler implements StreamHandler {
  /** The protocol id of a stream carrying an SSH connection to a node's console. */
  public static final String PROTOCOL = "/warren/ssh/1.0.0";

  private static final Logger LOG = LoggerFactory.getLogger(OverlayShellHandler.class);
  private static final Duration CONNECT = Duration.ofSeconds(5);

  private final SshConsoleServer server;
  private final EventLoops loops;

  @Activate
  public OverlayShellHandler(@Reference SshConsoleServer server, @Reference EventLoops loops) {
    this.server = server;
    this.loops = loops;
  }

  @Override
  public void handle(Stream stream) {
    String peer = stream.peer().id();
    InetSocketAddress address = server.address().orElse(null);
    String refusal = address == null ? "the SSH console is off" : refusal(stream);
    if (refusal != null) {
      LOG.warn("ssh: overlay stream from {} refused: {}", stream.peer(), refusal);
      stream.reset();
      return;
    }
    Channel s = stream.channel();
    new Bootstrap().group(s.eventLoop()).channel(loops.socketChannel())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT.toMillis())
        .handler(Splice.hold()) // what the server sends before the splice starts
        .connect(loopback(address)).addListener((ChannelFutureListener) f -> {
          if (!f.isSuccess()) {
            LOG.warn("ssh: overlay stream from {}: cannot reach the SSH server: {}", peer, f.cause().toString());
            stream.reset();
            return;
          }
          if (!s.isActive()) {
            f.channel().close();
            return;
          }
          LOG.info("ssh: overlay shell stream from {}{}", peer, stream.relayed() ? " (relayed)" : "");
          server.overlay().add(f.channel(), stream.source());
          Splice.between(s, f.channel()).start();
        });
  }

  /** Why a stream from {@code stream}'s peer may not reach the server, or null. */
  private String refusal(Stream stream) {
    if (PeerRef.NOSTR.equals(stream.peer().transport())) {
      return server.deviceLogins() ? null
          : "logins from Nostr devices are off (device.logins = false in etc/io.warren.ssh.cfg)";
    }
    return server.expects(stream.peer().id()) ? null : "no ssh:shell ticket issued to that peer";
  }

  /** The server's address; a wildcard bind is reached on loopback. */
  private static InetSocketAddress loopback(InetSocketAddress a) {
    String host = a.getHostString();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) {
      return new InetSocketAddress("127.0.0.1", a.getPort());
    }
    return a;
  }
}
