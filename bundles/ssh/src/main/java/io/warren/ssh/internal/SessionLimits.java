package io.warren.ssh.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open SSH connections, in total and per IP address, counted from the moment they are accepted
 * (before the version line): one over either limit is closed at once. Logged-in connections per
 * user are MINA SSHD's own limit; how long a stranger may hold a slot is the authentication timeout.
 */
final class SessionLimits implements SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(SessionLimits.class);

  private final int max;
  private final int maxPerAddress;
  private final Map<Session, String> counted = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final AtomicInteger refused = new AtomicInteger();

  SessionLimits(int max, int maxPerAddress) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
  }

  @Override
  public void sessionCreated(Session session) {
    String address = address(session.getRemoteAddress());
    synchronized (this) {
      AtomicInteger n = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
      if (counted.size() >= max || n.get() >= maxPerAddress) {
        if (n.get() == 0) {
          perAddress.remove(address);
        }
        if (refused.getAndIncrement() % 100 == 0) {
          LOG.warn("ssh: connection from {} closed: {} open ({} from that address); limits {} and {} per address",
              address, counted.size(), n.get(), max, maxPerAddress);
        }
        session.close(true);
        return;
      }
      n.incrementAndGet();
      counted.put(session, address);
    }
  }

  @Override
  public void sessionClosed(Session session) {
    synchronized (this) {
      String address = counted.remove(session);
      if (address != null) {
        AtomicInteger n = perAddress.get(address);
        if (n != null && n.decrementAndGet() <= 0) {
          perAddress.remove(address);
        }
      }
    }
  }

  int open() {
    return counted.size();
  }

  int refused() {
    return refused.get();
  }

  private static String address(SocketAddress a) {
    return a instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress().getHostAddress()
        : String.valueOf(a);
  }
}
