package io.warren.libp2p.internal.dcutr;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The numbers of a birthday punch (one side behind a NAT that picks a random port per destination):
 * that side opens {@value #SOCKETS} ports towards the other's observed port, the other sends
 * {@value #PROBES} datagrams to distinct random ports of the first one's NAT over {@link #SPRAY}; a
 * datagram that hits one of the opened ports gets through and the connection follows. Bounded: one
 * round per DCUtR exchange, a few hundred datagrams of {@code 64} bytes, a few seconds.
 */
final class Birthday {
  /** Marker protocol: a node lists it (identify) when it takes part in birthday punches. */
  static final String PROTOCOL = "/warren/dcutr-birthday/1";
  static final int SOCKETS = 256;
  static final int PROBES = 512;
  static final Duration SPRAY = Duration.ofMillis(2500);
  /** The ports a Linux NAT picks from (nf_nat's default range for masquerade). */
  static final int LOW = 1024;
  static final int HIGH = 65535;

  private Birthday() {}

  /** {@code n} distinct ports in [{@link #LOW}, {@link #HIGH}], in random order (a partial Fisher-Yates shuffle). */
  static int[] ports(int n, RandomGenerator random) {
    int range = HIGH - LOW + 1;
    if (n < 0 || n > range) {
      throw new IllegalArgumentException("ports: " + n + " of " + range);
    }
    int[] all = new int[range];
    for (int i = 0; i < range; i++) {
      all[i] = LOW + i;
    }
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(range - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return java.util.Arrays.copyOf(all, n);
  }

  /**
   * The chance that {@code probes} distinct random ports of {@code range} hit at least one of
   * {@code open} ports: 1 - C(range - open, probes) / C(range, probes).
   */
  static double expected(int open, int probes, int range) {
    double miss = 1;
    for (int i = 0; i < probes; i++) {
      miss *= (double) (range - open - i) / (range - i);
    }
    return 1 - miss;
  }
}
