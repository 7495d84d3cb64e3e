package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Await;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * voip between three node processes of one network: r listens (and relays media at its UDP ports);
 * p and q listen nowhere, so p reaches r directly and q only through r's circuit relay. Two "phones"
 * (UDP sockets sending 172-byte RTP with increasing sequence numbers, so every payload can be
 * compared byte for byte and in order, which a decoding receiver cannot show) talk through the
 * calls' port pairs: over the overlay direct (p to r) and relayed (p to q), and through r's media
 * relay (p to q); GStreamer's RTP payloader (gst-launch-1.0, from Debian) sends through a direct
 * call as a real endpoint would, to a phone, and GStreamer's rtpbin receives a phone's stream and
 * sends RTCP receiver reports that both nodes show. Around them: a call to an unknown peer
 * and an offer without a common codec refused with the reason, a stranger's UDP flood to a call's
 * port dropped while the call goes on, a ringing call refused and one that times out, and a call
 * whose other node is killed ended by the keepalive.
 */
class VoipTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String NET = "voipnet:NetPass";
  private static final int PACKETS = 100;
  private static final String PID = "io.warren.voip";
  private static final String NO_LISTENER = "listen.addresses =\n";
  @TempDir Path dir;

  /** A phone: one UDP socket on loopback sending 172-byte RTP packets (12-byte header, 160 bytes of G.711). */
  static final class Phone implements AutoCloseable {
    final DatagramSocket socket;
    final Random random;
    final int ssrc;
    InetSocketAddress target;
    /** The RTCP socket at the RTP port + 1, for a phone that sends sender reports; else null. */
    DatagramSocket rtcp;

    Phone(int seed) throws SocketException {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      socket.setSoTimeout(20_000);
      random = new Random(seed);
      ssrc = seed;
    }

    /** A phone with an RTCP socket too, at its RTP port + 1 (another port when that one is taken). */
    static Phone withRtcp(int seed) throws SocketException {
      for (int attempt = 0;; attempt++) {
        Phone p = new Phone(seed);
        try {
          p.rtcp = new DatagramSocket(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), p.socket.getLocalPort() + 1));
          return p;
        } catch (SocketException e) {
          p.close();
          if (attempt == 20) {
            throw e;
          }
        }
      }
    }

    /**
     * Sends an RTCP sender report (RFC 3550 6.4.1) with the wall clock as NTP timestamp, then an SDES
     * with its CNAME, from the RTCP socket to the port after {@link #target}'s.
     */
    void sendSenderReport(int packetsSent) throws Exception {
      long millis = System.currentTimeMillis();
      long ntpSeconds = millis / 1000 + 2_208_988_800L; // since 1900
      long fraction = (millis % 1000) * (1L << 32) / 1000;
      ByteBuffer b = ByteBuffer.allocate(28 + 20);
      b.put((byte) 0x80).put((byte) 200).putShort((short) 6).putInt(ssrc).putInt((int) ntpSeconds)
          .putInt((int) fraction).putInt(packetsSent * 160).putInt(packetsSent).putInt(packetsSent * 160);
      byte[] cname = "phone".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      b.put((byte) 0x81).put((byte) 202).putShort((short) 4).putInt(ssrc).put((byte) 1).put((byte) cname.length)
          .put(cname).put(new byte[5]); // CNAME, end of items, padding to 32 bits
      rtcp.send(new DatagramPacket(b.array(), b.capacity(),
          new InetSocketAddress(target.getAddress(), target.getPort() + 1)));
    }

    String local() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    Phone to(String endpoint) {
      int colon = endpoint.lastIndexOf(':');
      target = new InetSocketAddress(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
      return this;
    }

    byte[] send(int seq) throws Exception {
      byte[] p = new byte[172];
      random.nextBytes(p);
      ByteBuffer.wrap(p).put((byte) 0x80).put((byte) 0).putShort((short) seq).putInt(seq * 160).putInt(ssrc);
      socket.send(new DatagramPacket(p, p.length, target));
      return p;
    }

    byte[] receive() throws Exception {
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      socket.receive(p);
      assertEquals(target, p.getSocketAddress(), "media comes back from the port the phone sends to");
      return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Override
    public void close() {
      socket.close();
      if (rtcp != null) {
        rtcp.close();
      }
    }
  }

  static String[] row(NodeProcess n, String id) throws Exception {
    Result r = n.client("voip:calls");
    assertEquals(0, r.exit(), r.toString());
    for (String line : r.out().split("\n")) {
      String[] c = line.strip().split("\\s+");
      if (c[0].equals(id)) {
        return c;
      }
    }
    return null;
  }

  static String[] awaitRow(NodeProcess n, String id, Predicate<String[]> ok, String what) throws Exception {
    String[][] last = new String[1][];
    try {
      Await.until(WAIT, Duration.ofMillis(300), () -> {
        last[0] = row(n, id);
        return last[0] != null && ok.test(last[0]);
      }, what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + " (last row: " + (last[0] == null ? "none" : String.join(" ", last[0]))
          + ")", e);
    }
    return last[0];
  }

  /**
   * A stranger's socket sends 200 datagrams to {@code port}; then {@code a}'s next packet must be the
   * next thing {@code b} gets (nothing of the stranger's went through).
   */
  static void strangerFloods(String port, Phone a, Phone b) throws Exception {
    try (Phone stranger = new Phone(3)) {
      stranger.to(port);
      for (int i = 0; i < 200; i++) {
        stranger.send(5000 + i);
      }
      byte[] marker = a.send(PACKETS + 1);
      assertArrayEquals(marker, b.receive(), "the next packet is the caller's phone's, not the stranger's");
    }
  }

  /** Sends {@code PACKETS} from one phone and checks the other gets each, unchanged and in order. */
  private static void talk(Phone from, Phone to, int firstSeq) throws Exception {
    for (int i = 0; i < PACKETS; i++) {
      byte[] sent = from.send(firstSeq + i);
      assertArrayEquals(sent, to.receive(), "packet " + (firstSeq + i));
    }
  }

  static String idOf(Result call) {
    String out = call.out().strip();
    assertTrue(out.startsWith("call "), call.toString());
    return out.substring(5, 21);
  }

  static String mediaOf(Result r) {
    String out = r.out().strip();
    return out.substring(out.lastIndexOf(' ') + 1);
  }

  @Test
  void callsCarryMediaOverTheOverlayDirectAndRelayedAndThroughARelayNode() throws Exception {
    try (Network net = new Network(dir, NET)) {
      NodeProcess r = net.member("r", PID, "relay.enabled = true\nrelay.bind = 127.0.0.1\nrelay.address = 127.0.0.1\n"
          + "relay.ports = 42000-42099\nmedia.ports = 42100-42199\n");
      NodeProcess p = net.member("p", Map.of(PID, "media.ports = 42200-42299\nring.timeout.seconds = 12\n"
          + "keepalive.seconds = 1\nkeepalive.missed = 3\n",
          "io.warren.libp2p", NO_LISTENER));
      NodeProcess q = net.member("q", Map.of(PID, "media.ports = 42300-42399\ncodecs = pcmu,pcma\n",
          "io.warren.libp2p", NO_LISTENER));
      String qId = q.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().matches("(?s).*" + qId + "\\s+q\\s+relayed.*p2p-circuit.*"), "net:nodes");

      Result unknown = p.client("voip:call", "nobody");
      assertNotEquals(0, unknown.exit(), unknown.toString());
      assertTrue(unknown.err().contains("nobody"), unknown.toString());
      Result noCodec = p.awaitClient(WAIT, res -> res.err().contains("refused"), "voip:call", "--codecs", "opus", "q");
      assertTrue(noCodec.err().contains("q refused: no common codec: offered opus, this side takes pcmu,pcma"),
          noCodec.toString());

      String direct = overlayCall(p, r, "r", "direct", "opus");
      assertEquals(0, p.client("voip:hangup", direct).exit());
      awaitRow(r, direct, x -> x[2].equals("hungup"), "r was told of the hangup");

      gstreamerSends(p, r, "r");
      gstreamerReports(p, r, "r");

      String relayed;
      try (Phone a = new Phone(1); Phone b = new Phone(2)) {
        relayed = overlayCall(p, q, "q", "relayed", "pcmu", a, b);
        String mediaP = awaitRow(p, relayed, x -> true, "p's row")[6];
        // a stranger floods p's port: nothing of it reaches q's phone, and the call goes on
        strangerFloods(mediaP, a, b);
        awaitRow(p, relayed, x -> x[15].equals("200"), "p counts the stranger's 200 packets dropped");
        assertEquals(0, q.client("voip:hangup", relayed.substring(0, 6)).exit());
        awaitRow(p, relayed, x -> x[2].equals("hungup"), "p was told of q's hangup");
      }

      // a ringing call refused, and one nobody answers (p's ring timeout: 12 s)
      String refused = idOf(p.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "q"));
      awaitRow(q, refused, x -> x[2].equals("ringing"), "q rings");
      assertEquals(0, q.client("voip:refuse", "--reason", "busy", refused).exit());
      awaitRow(p, refused, x -> x[2].equals("refused"), "p sees the refusal");
      String unanswered = idOf(p.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "q"));
      awaitRow(p, unanswered, x -> x[2].equals("timeout"), "p gave up");
      awaitRow(q, unanswered, x -> !x[2].equals("ringing"), "q stopped ringing");

      relayNodeCall(r, p, q);

      // q vanishes mid-call (kill -9, no hangup): p's keepalives (1 s, 3 missed) go unanswered and
      // p ends the call as lost on its own
      String orphan = idOf(p.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "q"));
      awaitRow(q, orphan, x -> x[2].equals("ringing"), "q rings");
      assertEquals(0, q.client("voip:answer", orphan).exit());
      awaitRow(p, orphan, x -> x[2].equals("active"), "p's call is up");
      q.kill9();
      awaitRow(p, orphan, x -> x[2].equals("lost"), "p ended the call whose other node vanished");
      Result json = p.client("voip:calls", "--json");
      assertTrue(json.out().contains("\"id\":\"" + orphan + "\",\"role\":\"caller\",\"state\":\"lost\""),
          json.toString());
    }
  }

  private static String overlayCall(NodeProcess caller, NodeProcess callee, String calleeName, String path,
      String codec) throws Exception {
    try (Phone a = new Phone(11); Phone b = new Phone(12)) {
      return overlayCall(caller, callee, calleeName, path, codec, a, b);
    }
  }

  /**
   * Calls with the caller's phone given as its endpoint and the callee's latched, waits for the media
   * path, and has the phones talk both ways; returns the call's id with the phones still set up.
   */
  private static String overlayCall(NodeProcess caller, NodeProcess callee, String calleeName, String path,
      String codec, Phone a, Phone b) throws Exception {
    Result call = caller.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "--codecs", "opus,pcmu",
        "--endpoint", a.local(), calleeName);
    String id = idOf(call);
    assertTrue(call.out().contains(" ringing: send RTP to 127.0.0.1:"), call.toString());
    a.to(mediaOf(call));
    awaitRow(callee, id, x -> x[1].equals("callee") && x[2].equals("ringing"), calleeName + " rings");
    Result answer = callee.client("voip:answer", id.substring(0, 8));
    assertEquals(0, answer.exit(), answer.toString());
    assertTrue(answer.out().contains("active (" + codec + ")"), answer.toString());
    b.to(mediaOf(answer));
    awaitRow(caller, id, x -> x[2].equals("active") && x[4].equals(codec) && x[5].equals(path), "caller " + path);
    awaitRow(callee, id, x -> x[5].equals(path), "callee " + path);

    // the callee's phone speaks first: its port latches onto it, and the caller's phone gets the packet
    byte[] hello = b.send(0);
    assertArrayEquals(hello, a.receive());
    talk(a, b, 1);
    talk(b, a, 1);
    String[] c = awaitRow(caller, id, x -> x[7].equals(String.valueOf(PACKETS)) && x[11].equals(
        String.valueOf(PACKETS + 1)), "the caller's counters");
    assertEquals(String.valueOf(PACKETS * 172), c[8], "bytes the caller's phone sent: " + String.join(" ", c));
    assertEquals("0", c[9], "lost on the way in");
    assertEquals(String.valueOf((PACKETS + 1) * 172), c[12], "bytes that reached the caller's phone");
    assertEquals("0", c[13], "lost on the way over");
    assertTrue(Double.parseDouble(c[14]) >= 0, "jitter: " + c[14]);
    assertEquals("0 0 0 0", String.join(" ", Arrays.copyOfRange(c, 15, 19)), "nothing dropped");
    return id;
  }

  /**
   * A call from {@code caller} with phone {@code a} as its endpoint, answered at {@code callee} with
   * {@code answerFlags}, once the caller's media stream is direct; returns the id and the callee's port.
   */
  private static String[] directCall(NodeProcess caller, NodeProcess callee, String calleeName, Phone a,
      String... answerFlags) throws Exception {
    Result call = caller.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "--endpoint", a.local(), calleeName);
    String id = idOf(call);
    a.to(mediaOf(call));
    awaitRow(callee, id, x -> x[2].equals("ringing"), calleeName + " rings");
    String[] answerArgs = java.util.stream.Stream.concat(java.util.stream.Stream.of("voip:answer"),
        java.util.stream.Stream.concat(Arrays.stream(answerFlags), java.util.stream.Stream.of(id)))
        .toArray(String[]::new);
    Result answer = callee.client(answerArgs);
    assertEquals(0, answer.exit(), answer.toString());
    awaitRow(caller, id, x -> x[2].equals("active") && x[5].equals("direct"), "the caller's media stream");
    return new String[] {id, mediaOf(answer)};
  }

  /**
   * A real RTP endpoint on the callee's side: GStreamer's PCMU payloader (20 ms of G.711 a packet,
   * paced live) sends 100 packets to the callee's port, which latches onto it; the caller's phone gets
   * them all, in order, as GStreamer numbered and timed them, and both nodes count no loss.
   */
  private static void gstreamerSends(NodeProcess caller, NodeProcess callee, String calleeName) throws Exception {
    try (Phone a = new Phone(31)) {
      String[] c = directCall(caller, callee, calleeName, a);
      String id = c[0];
      String mediaB = c[1];
      awaitRow(callee, id, x -> x[5].equals("direct"), "the callee's media stream");
      Process gst = new ProcessBuilder("gst-launch-1.0", "-q", "audiotestsrc", "is-live=true", "num-buffers=100",
          "samplesperbuffer=160", "!", "audio/x-raw,rate=8000,channels=1", "!", "mulawenc", "!", "rtppcmupay",
          "max-ptime=20000000", "!", "udpsink", "host=127.0.0.1",
          "port=" + mediaB.substring(mediaB.lastIndexOf(':') + 1)).redirectErrorStream(true).start();
      try {
        ByteBuffer first = ByteBuffer.wrap(a.receive());
        for (int i = 1; i < 100; i++) {
          ByteBuffer next = ByteBuffer.wrap(a.receive());
          assertEquals(172, next.limit(), "packet " + i + ": 12 bytes of header, 160 of G.711");
          assertEquals(0x80, next.get(0) & 0xC0, "RTP version 2");
          assertEquals(0, next.get(1) & 0x7F, "payload type 0 (PCMU)");
          assertEquals((first.getShort(2) + i) & 0xFFFF, next.getShort(2) & 0xFFFF, "in order, none missing");
          assertEquals(first.getInt(4) + 160 * i, next.getInt(4), "20 ms apart in RTP time");
          assertEquals(first.getInt(8), next.getInt(8), "one SSRC");
        }
        assertTrue(gst.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "gst-launch-1.0 ended");
        assertEquals(0, gst.exitValue(), new String(gst.getInputStream().readAllBytes()));
      } finally {
        gst.destroyForcibly();
      }
      String[] atB = awaitRow(callee, id, x -> x[7].equals("100"), "the callee's node counted GStreamer's packets");
      assertEquals("17200 0", atB[8] + " " + atB[9], "bytes and loss at the callee's node");
      String[] atA = awaitRow(caller, id, x -> x[11].equals("100"), "the caller's node counted them");
      assertEquals("17200 0", atA[12] + " " + atA[13], "bytes and loss at the caller's node");
      assertEquals(0, caller.client("voip:hangup", id).exit());
    }
  }

  /**
   * A real RTP receiver on the callee's side that reports in RTCP: GStreamer's rtpbin gets the
   * caller's phone's stream, which leaves out every tenth packet (15 of 150), and sends receiver
   * reports from its RTCP port. The callee's node reads them as they come from its endpoint, the
   * caller's node as they arrive over the overlay; both show the endpoint's cumulative loss beside
   * their own count of the same gaps. The caller's phone sends an RTCP sender report every second;
   * rtpbin echoes the latest in its reports (LSR, DLSR), so the caller's node knows the round trip.
   */
  private static void gstreamerReports(NodeProcess caller, NodeProcess callee, String calleeName) throws Exception {
    RtcpShim shim = RtcpShim.open();
    int rtp = shim.rtp();
    int gstRtcp = NodeProcess.freePort();
    try (Phone a = Phone.withRtcp(41); shim) {
      String[] c = directCall(caller, callee, calleeName, a, "--endpoint", "127.0.0.1:" + rtp);
      String id = c[0];
      String mediaB = c[1];
      int rtcpB = Integer.parseInt(mediaB.substring(mediaB.lastIndexOf(':') + 1)) + 1;
      shim.start(rtcpB, gstRtcp);
      Process gst = new ProcessBuilder("gst-launch-1.0", "-q", "rtpbin", "name=b", "udpsrc", "address=127.0.0.1",
          "port=" + rtp, "caps=application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0", "!",
          "b.recv_rtp_sink_0", "b.", "!", "rtppcmudepay", "!", "fakesink", "udpsrc", "address=127.0.0.1",
          "port=" + gstRtcp, "!", "b.recv_rtcp_sink_0", "b.send_rtcp_src_0", "!", "udpsink", "host=127.0.0.1",
          "port=" + (rtp + 1), "sync=false", "async=false").redirectErrorStream(true).start();
      try {
        Await.until(WAIT, Duration.ofMillis(200), () -> {
          // gst-launch binds its ports a moment after it starts: until then nothing reaches it
          return gst.isAlive() && isBound(rtp) && isBound(gstRtcp);
        }, "gst-launch-1.0 listening on " + rtp + " and " + gstRtcp);
        for (int i = 0; i < 150; i++) {
          if (i % 10 != 5) {
            a.send(i);
          }
          if (i % 50 == 20) {
            a.sendSenderReport(i + 1 - (i + 5) / 10);
          }
          Thread.sleep(20); // a phone's pacing, 20 ms of G.711 a packet
        }
        // the reports after the last packet: GStreamer counts 14 or 15 of the gaps, as its RFC 3550 A.1
        // probation may start the count after the first
        String[] atB = awaitRow(callee, id, x -> reportedAtLeast(x[21], 14),
            "the callee's node read GStreamer's receiver reports");
        assertTrue(atB[21].equals("14") || atB[21].equals("15"), "reported loss: " + String.join(" ", atB));
        assertEquals("15", atB[13], "the callee's node counted the gaps itself");
        assertTrue(Double.parseDouble(atB[22]) >= 0, "reported jitter: " + atB[22]);
        String[] atA = awaitRow(caller, id, x -> reportedAtLeast(x[19], 14),
            "the caller's node got the reports over the overlay");
        assertTrue(atA[19].equals("14") || atA[19].equals("15"), "reported loss: " + String.join(" ", atA));
        assertEquals("15", atA[9], "the caller's node counted the gaps its phone left");
        assertEquals("- -", atA[21] + " " + atA[22], "the caller's phone sends no reports");
        String[] withRtt = awaitRow(caller, id, x -> !x[24].equals("-"),
            "the caller's node got a report echoing its phone's SR");
        double last = Double.parseDouble(withRtt[24]);
        double smoothed = Double.parseDouble(withRtt[25]);
        assertTrue(Double.isFinite(last) && last >= 0 && Double.isFinite(smoothed) && smoothed >= 0,
            "round trip: " + String.join(" ", withRtt));
        System.out.printf("VoipTest: round trip %s's node -> overlay -> rtpbin -> back: %s ms last, %s ms smoothed%n",
            "caller", withRtt[24], withRtt[25]);
        Result json = caller.client("voip:calls", "--json");
        assertTrue(json.out().matches("(?s).*\"id\":\"" + id + "\".*?\"sent\":\\{[^}]*\"rttMillis\":[0-9.E-]+,.*"),
            json.toString());
        assertEquals("- -", atB[24] + " " + atB[25], "rtpbin only receives: no SR, no round trip at the callee's node");
      } finally {
        gst.destroyForcibly();
      }
      assertEquals(0, caller.client("voip:hangup", id).exit());
    }
  }

  private static boolean reportedAtLeast(String field, long n) {
    return !field.equals("-") && Long.parseLong(field) >= n;
  }

  /**
   * rtpbin's RTCP port as the callee's node sees it (the RTP port + 1, as {@code --endpoint} fixes
   * it): gst-launch cannot give its RTCP udpsrc and udpsink one socket, and a udpsink bound to the
   * udpsrc's port takes the datagrams meant for it (so rtpbin would never see the caller's SRs).
   * This socket passes what the node sends on to rtpbin's udpsrc, and rtpbin's reports (sent here)
   * on to the node, from the port the node expects them from.
   */
  static final class RtcpShim implements AutoCloseable {
    private final DatagramSocket socket;
    private Thread thread;

    private RtcpShim(DatagramSocket socket) {
      this.socket = socket;
    }

    /** A shim on a port whose predecessor (rtpbin's RTP port) is free too. */
    static RtcpShim open() throws Exception {
      for (int attempt = 0;; attempt++) {
        int rtp = NodeProcess.freePort();
        try {
          return new RtcpShim(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), rtp + 1)));
        } catch (SocketException e) {
          if (attempt == 20) {
            throw e;
          }
        }
      }
    }

    int rtp() {
      return socket.getLocalPort() - 1;
    }

    /** Passes datagrams from the node's RTCP port {@code node} to {@code gst}, and the others to the node. */
    void start(int node, int gst) {
      InetSocketAddress toNode = new InetSocketAddress(InetAddress.getLoopbackAddress(), node);
      InetSocketAddress toGst = new InetSocketAddress(InetAddress.getLoopbackAddress(), gst);
      thread = new Thread(() -> {
        byte[] buf = new byte[2048];
        while (!socket.isClosed()) {
          try {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.receive(p);
            boolean fromNode = p.getSocketAddress().equals(toNode);
            socket.send(new DatagramPacket(p.getData(), p.getLength(), fromNode ? toGst : toNode));
          } catch (java.io.IOException e) {
            return; // closed
          }
        }
      }, "rtcp-shim");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      socket.close();
      if (thread != null) {
        thread.join(5_000);
      }
    }
  }

  /** Whether a UDP socket is bound to {@code port} on loopback (binding it here fails). */
  private static boolean isBound(int port) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  /** The media through r's UDP ports, as before there was media over the overlay. */
  private static void relayNodeCall(NodeProcess r, NodeProcess p, NodeProcess q) throws Exception {
    Result call = p.awaitClient(WAIT, res -> res.exit() == 0, "voip:call", "--relay", "r", "q");
    String id = idOf(call);
    String mediaP = mediaOf(call);
    awaitRow(q, id, x -> x[2].equals("ringing"), "q rings");
    Result answer = q.client("voip:answer", id);
    assertEquals(0, answer.exit(), answer.toString());
    String mediaQ = mediaOf(answer);
    assertEquals(mediaP + "," + mediaQ, awaitRow(r, id, x -> x[1].equals("relay"), "r relays the call")[6]);
    try (Phone a = new Phone(21).to(mediaP); Phone b = new Phone(22).to(mediaQ)) {
      a.send(0); // latches leg a; dropped, as leg b has not latched
      byte[] hello = b.send(0);
      assertArrayEquals(hello, a.receive());
      talk(a, b, 1);
      talk(b, a, 1);
      String[] c = awaitRow(p, id, x -> x[2].equals("active") && x[5].equals("relay") && !x[7].equals("-"),
          "p sees r's counters");
      assertEquals(String.valueOf(PACKETS + 1), c[7], "packets p's phone sent: " + String.join(" ", c));
      assertEquals(String.valueOf(PACKETS + 1), c[11], "packets that reached p's phone");
      assertEquals("0", c[9]);
      assertEquals(0, p.client("voip:hangup", id).exit());
      awaitRow(q, id, x -> x[2].equals("hungup"), "q was told");
      Await.until(WAIT, Duration.ofMillis(300), () -> row(r, id) == null, "r freed the call's ports");
    }
  }
}
