package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.Stream;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 8: the federation HELLO as a password oracle. A stranger (a fresh libp2p key that
 * does not know the network password) dials a member and runs the membership dialogue as far as the
 * member lets it. Before the fix the member's first answer carried its HMAC proof, which the
 * stranger could test network passwords against offline; now it carries a nonce only, a made-up
 * proof is refused without the member proving anything, and the refusal shows in net:status. A
 * member with the right password joins meanwhile.
 */
class MembershipOracleAttackTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  @TempDir Path dir;

  @Test
  void aStrangerGetsNoPasswordDerivedValue() throws Exception {
    try (NodeProcess t = NodeProcess.startMember(NodeProcess.installation(dir.resolve("t"), "t"),
        dir.resolve("t/data"), "net:NetPass", "admin:TAdmin", null)) {
      String tId = t.banner("peer ID");
      Multiaddr tAddr = Multiaddr.fromString(t.client("p2p:addrs").out().strip().split("\n")[0].strip());
      TestEventLoops loops = new TestEventLoops(1);
      Host stranger = FederationWire.host(loops);
      NodeProcess member = NodeProcess.start(NodeProcess.installation(dir.resolve("m"), "m"), dir.resolve("m/data"),
          "-dnc", "net:NetPass", "-rc", "admin:MAdmin", "-bs", t.identity());
      try (member) {
        Connection c = stranger.connect(tAddr).get(20, TimeUnit.SECONDS);
        int attempts = 5;
        for (int i = 0; i < attempts; i++) {
          Stream s = stranger.newStream(c, FederationWire.PROTOCOL).get(20, TimeUnit.SECONDS);
          BlockingQueue<byte[]> inbox = FederationWire.frames(s);
          byte[] nonce = new byte[32];
          new SecureRandom().nextBytes(nonce);
          FederationWire.send(s, FederationWire.msg(w -> {
            w.writeByte(2);
            FederationWire.text(w, "net");
            FederationWire.bytes(w, nonce);
            FederationWire.text(w, "sync");
          }));
          byte[] challenge = inbox.poll(20, TimeUnit.SECONDS);
          assertTrue(challenge != null, "the member answers the HELLO");
          ByteBuffer b = ByteBuffer.wrap(challenge);
          assertEquals(0, b.get(), "accepted as a dialer of network net");
          assertEquals(32, b.getInt(), "a 32-byte nonce");
          b.position(b.position() + 32);
          assertEquals(0, b.remaining(), "the challenge holds the nonce and nothing derived from the password");

          FederationWire.send(s, FederationWire.msg(w -> FederationWire.bytes(w, new byte[32]))); // a made-up proof
          byte[] result = inbox.poll(20, TimeUnit.SECONDS);
          assertTrue(result != null, "the member answers the proof");
          ByteBuffer r = ByteBuffer.wrap(result);
          assertEquals(1, r.get(), "the made-up proof is refused");
          String reason = new String(result, 5, r.getInt(), StandardCharsets.UTF_8);
          assertTrue(reason.contains("wrong network credentials"), reason);
          assertEquals(result.length, 5 + reason.getBytes(StandardCharsets.UTF_8).length,
              "the refusal carries no proof of the member's");
          s.channel().close();
        }
        System.out.printf("membership oracle: %d dialogues by a stranger, 0 password-derived bytes received%n",
            attempts);
        String strangerId = stranger.peerId().toString();
        t.awaitClient(SYNC, o -> o.out().contains(strangerId + ": wrong network credentials"), "net:status");
        // the member that started while the stranger tried joined all the same
        member.awaitReady();
        member.awaitClient(SYNC, o -> o.out().contains(tId), "net:nodes");
        t.awaitClient(SYNC, o -> o.out().contains(member.banner("peer ID")), "net:nodes");
      } finally {
        stranger.close();
        loops.close();
      }
    }
  }
}
