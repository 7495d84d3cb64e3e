import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a voip call with two UDP "phones" on loopback and prints figures (never asserts): one-way
 * delay p50/p99 of 172-byte RTP at 50 packets/s through the call's ports (a relay node's, or the two
 * nodes' own with the media over the overlay) and, as the baseline, phone to phone directly (the
 * difference is what the call's path adds), with RFC 3550 interarrival jitter as the receiving
 * phone sees it; then, unless flood packets is 0, forwarded packets/s with up to {@code window} in
 * flight.
 *   java bench/VoipBench.java <leg a host:port> <leg b host:port> [paced packets] [flood packets] [window]
 */
public class VoipBench {
  static final int SIZE = 172;

  static InetSocketAddress addr(String s) {
    int c = s.lastIndexOf(':');
    return new InetSocketAddress(s.substring(0, c), Integer.parseInt(s.substring(c + 1)));
  }

  static byte[] rtp(int seq) {
    byte[] p = new byte[SIZE];
    ByteBuffer.wrap(p).put((byte) 0x80).put((byte) 0).putShort((short) seq).putInt(seq * 160).putInt(0x42)
        .putLong(System.nanoTime());
    return p;
  }

  /** RFC 3550 jitter of the last paced run at the receiving phone, in microseconds (8 kHz clock, as G.711). */
  static double jitterMicros;

  static long[] paced(DatagramSocket from, InetSocketAddress to, DatagramSocket at, int n) throws Exception {
    long[] delay = new long[n];
    double jitter = 0;
    long lastTransit = Long.MIN_VALUE;
    int got = 0;
    byte[] buf = new byte[2048];
    long next = System.nanoTime();
    for (int i = 0; i < n; i++) {
      while (System.nanoTime() < next) {
        Thread.onSpinWait();
      }
      next += 20_000_000L;
      byte[] p = rtp(i);
      from.send(new DatagramPacket(p, p.length, to));
      DatagramPacket r = new DatagramPacket(buf, buf.length);
      try {
        at.receive(r);
      } catch (SocketTimeoutException e) {
        continue;
      }
      long now = System.nanoTime();
      delay[got++] = now - ByteBuffer.wrap(r.getData(), 12, 8).getLong();
      // transit in 8 kHz units (125 us): arrival minus the RTP timestamp
      long transit = now / 125_000 - (ByteBuffer.wrap(r.getData(), 4, 4).getInt() & 0xFFFFFFFFL);
      if (lastTransit != Long.MIN_VALUE) {
        jitter += (Math.abs(transit - lastTransit) - jitter) / 16.0;
      }
      lastTransit = transit;
    }
    jitterMicros = jitter * 125;
    long[] d = Arrays.copyOf(delay, got);
    Arrays.sort(d);
    return d;
  }

  static String pct(long[] d) {
    if (d.length == 0) {
      return "no packets arrived";
    }
    return String.format("p50 %.1f us, p99 %.1f us, max %.1f us, jitter %.1f us (%d of the packets)",
        d[d.length / 2] / 1e3, d[(int) (d.length * 0.99)] / 1e3, d[d.length - 1] / 1e3, jitterMicros, d.length);
  }

  public static void main(String[] args) throws Exception {
    InetSocketAddress legA = addr(args[0]);
    InetSocketAddress legB = addr(args[1]);
    int pacedN = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    int floodN = args.length > 3 ? Integer.parseInt(args[3]) : 200_000;
    int window = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      a.setSoTimeout(1000);
      b.setSoTimeout(1000);
      a.setReceiveBufferSize(1 << 20);
      b.setReceiveBufferSize(1 << 20);
      // latch both legs: a's first packet has nowhere to go yet, b's reaches a
      a.send(new DatagramPacket(rtp(0), SIZE, legA));
      for (int tries = 1; ; tries++) { // a busy machine may take a while: b says hello until a hears it
        b.send(new DatagramPacket(rtp(0), SIZE, legB));
        try {
          a.receive(new DatagramPacket(new byte[2048], 2048));
          break;
        } catch (SocketTimeoutException e) {
          if (tries == 30) {
            throw e;
          }
        }
      }
      paced(a, legA, b, 200); // warm-up, uncounted
      long[] relayed = paced(a, legA, b, pacedN);
      String through = pct(relayed);
      long[] direct = paced(a, (InetSocketAddress) b.getLocalSocketAddress(), b, pacedN);
      System.out.println("one-way delay, 172-byte RTP at 50 packets/s, " + pacedN + " packets:");
      System.out.println("  through the call:  " + through);
      System.out.println("  phone to phone:    " + pct(direct));
      if (relayed.length > 0 && direct.length > 0) {
        System.out.printf("  added by the call: p50 %.1f us, p99 %.1f us%n",
            (relayed[relayed.length / 2] - direct[direct.length / 2]) / 1e3,
            (relayed[(int) (relayed.length * 0.99)] - direct[(int) (direct.length * 0.99)]) / 1e3);
      }

      if (floodN == 0) {
        return;
      }
      AtomicLong received = new AtomicLong();
      Thread reader = new Thread(() -> {
        DatagramPacket r = new DatagramPacket(new byte[2048], 2048);
        while (true) {
          try {
            b.receive(r);
            received.incrementAndGet();
          } catch (SocketTimeoutException e) {
            return;
          } catch (Exception e) {
            return;
          }
        }
      });
      reader.start();
      long t0 = System.nanoTime();
      for (int i = 0; i < floodN; i++) {
        while (i - received.get() >= window) {
          if (System.nanoTime() - t0 > 120_000_000_000L) {
            break;
          }
          Thread.onSpinWait();
        }
        a.send(new DatagramPacket(rtp(i), SIZE, legA));
      }
      while (received.get() < floodN && reader.isAlive()) {
        Thread.sleep(1);
      }
      long t1 = System.nanoTime();
      reader.join();
      double secs = (t1 - t0) / 1e9;
      System.out.printf("flood: %d packets of %d bytes, at most %d in flight: %d forwarded in %.2f s = %.0f packets/s"
          + " (%.1f Mbit/s of RTP), %d lost%n", floodN, SIZE, window, received.get(), secs, received.get() / secs,
          received.get() * SIZE * 8 / secs / 1e6, floodN - received.get());
    }
  }
}
