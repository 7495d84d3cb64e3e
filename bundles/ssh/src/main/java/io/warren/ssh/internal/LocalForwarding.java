package io.warren.ssh.internal;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What {@code local.forwarding = true} allows: {@code ssh -L} channels, nothing else. */
final class LocalForwarding {
  private static final Logger LOG = LoggerFactory.getLogger(LocalForwarding.class);

  private LocalForwarding() {}

  /** direct-tcpip channels (ssh -L) only: no listening for the client (-R), no agent, no X11. */
  static ForwardingFilter only() {
    return ForwardingFilter.asForwardingFilter(RejectAllForwardingFilter.INSTANCE, RejectAllForwardingFilter.INSTANCE,
        new TcpForwardingFilter() {
          @Override
          public boolean canListen(SshdSocketAddress address, Session session) {
            return false;
          }

          @Override
          public boolean canConnect(Type type, SshdSocketAddress address, Session session) {
            boolean ok = type == Type.Direct;
            if (ok) {
              LOG.debug("ssh: {} forwards a connection to {}", session, address);
            }
            return ok;
          }
        });
  }
}
