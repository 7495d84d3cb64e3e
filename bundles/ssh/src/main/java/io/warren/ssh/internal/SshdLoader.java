package io.warren.ssh.internal;

import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * MINA SSHD loads its security provider registrars and I/O factories through the thread's context
 * class loader first. Inside a framework that loader may hold another copy of sshd (Pax Exam's
 * class path does), whose classes cannot be cast to the bundle's; so the components that set sshd
 * up do it with sshd's own loader as the context loader, and make it register its providers then,
 * once, instead of on some later thread.
 */
final class SshdLoader {
  private SshdLoader() {}

  /** Makes sshd's loader the context loader; returns the one to give back with {@link #restore}. */
  static ClassLoader enter() {
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    t.setContextClassLoader(SecurityUtils.class.getClassLoader());
    SecurityUtils.isEDDSACurveSupported(); // registers the providers, with that loader
    return before;
  }

  static void restore(ClassLoader before) {
    Thread.currentThread().setContextClassLoader(before);
  }
}
