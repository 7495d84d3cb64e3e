package io.warren.itests.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.Stream;
import io.warren.libp2p.internal.host.Connection;
import io.warren.libp2p.internal.host.Host;
import io.warren.libp2p.internal.multiformats.Multiaddr;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.TestEventLoops;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, class 8 (and "hold under attack"): the federation HELLO as a password oracle. Network
 * passwords are tested offline, against a dictionary that holds the real one, with everything a
 * node sent to a peer that does not know the password:
 * <ul>
 * <li>a stranger (a fresh libp2p key) dials a member and runs the membership proof with a guess: it
 * gets J-PAKE rounds 1 and 2 and a refusal, and never the member's key confirmation;
 * <li>a rogue listener, which the member was told to join through, answers with rounds made from a
 * guess: it gets the member's rounds and key confirmation, and that confirmation fits only the
 * rogue's own guess, none of the dictionary (with the HMAC proof of protocol 2 the real password
 * fit).
 * </ul>
 * A member with the right password joins meanwhile, and both refusals show in net:status.
 */
class MembershipOracleAttackTest {
  private static final Duration SYNC = Duration.ofSeconds(60);
  private static final List<String> DICTIONARY = List.of("123456", "password", "NetPass", "letmein", "warren");
  @TempDir Path dir;

  /** One run a member had with the rogue listener: what the rogue kept, and the member's key confirmation. */
  record Captured(FederationWire.Pake pake, byte[] guess, BigInteger memberConfirmation) {}

  @Test
  void aPeerWithoutThePasswordCannotTestGuessesOffline() throws Exception {
    TestEventLoops loops = new TestEventLoops(1);
    Host stranger = FederationWire.host(loops);
    String strangerId = stranger.peerId().toString();
    byte[] guess = FederationWire.networkKey("net", "letmein");
    byte[] right = FederationWire.networkKey("net", "NetPass");
    AtomicReference<byte[]> rogueGuess = new AtomicReference<>(guess);
    List<Captured> captured = new CopyOnWriteArrayList<>();
    List<String> listenerErrors = new CopyOnWriteArrayList<>();
    stranger.protocols().add(FederationWire.PROTOCOL, s -> {
      Thread t = new Thread(() -> {
        try {
          captured.add(rogueListener(s, strangerId, rogueGuess.get()));
        } catch (Throwable e) {
          listenerErrors.add(e.toString());
        } finally {
          s.channel().close();
        }
      }, "rogue-listener");
      t.setDaemon(true);
      t.start();
    });
    String rogueAddress = stranger.listenAddresses().get(0) + "/p2p/" + strangerId;
    String json = "{\"name\":\"rogue\",\"peerId\":\"" + strangerId + "\",\"addresses\":[\"" + rogueAddress + "\"]}";
    String rogueIdentity = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));

    // t joins "through" the rogue: it dials it again and again, and each run is one online guess
    try (NodeProcess t = NodeProcess.startMember(NodeProcess.installation(dir.resolve("t"), "t"),
        dir.resolve("t/data"), "net:NetPass", "admin:TAdmin", rogueIdentity)) {
      String tId = t.banner("peer ID");
      Multiaddr tAddr = Multiaddr.fromString(t.client("p2p:addrs").out().strip().split("\n")[0].strip());
      NodeProcess member = NodeProcess.start(NodeProcess.installation(dir.resolve("m"), "m"), dir.resolve("m/data"),
          "-dnc", "net:NetPass", "-rc", "admin:MAdmin", "-bs", t.identity());
      try (member) {
        Connection c = stranger.connect(tAddr).get(20, TimeUnit.SECONDS);
        int attempts = 3;
        for (int i = 0; i < attempts; i++) {
          Stream s = stranger.newStream(c, FederationWire.PROTOCOL).get(20, TimeUnit.SECONDS);
          BlockingQueue<byte[]> inbox = FederationWire.frames(s);
          FederationWire.Pake pake = new FederationWire.Pake("net", strangerId, tId);
          FederationWire.send(s, FederationWire.msg(w -> {
            w.writeByte(FederationWire.VERSION);
            FederationWire.text(w, "net");
            FederationWire.text(w, "sync");
            pake.writeRound1(w);
          }));
          byte[] rounds = inbox.poll(20, TimeUnit.SECONDS);
          assertTrue(rounds != null, "the member answers the HELLO");
          ByteBuffer b = ByteBuffer.wrap(rounds);
          assertEquals(0, b.get(), "accepted as a dialer of network net");
          pake.readRound1(b);
          pake.readRound2(b);
          assertEquals(0, b.remaining(), "ROUNDS holds J-PAKE rounds 1 and 2 and nothing else");

          FederationWire.send(s, FederationWire.msg(w -> {
            pake.writeRound2(w, guess);
            FederationWire.number(w, pake.confirmation(guess));
          }));
          byte[] result = inbox.poll(20, TimeUnit.SECONDS);
          assertTrue(result != null, "the member answers the key confirmation");
          ByteBuffer r = ByteBuffer.wrap(result);
          assertEquals(1, r.get(), "the guess is refused");
          String reason = FederationWire.text(r);
          assertTrue(reason.contains("wrong network password"), reason);
          assertEquals(0, r.remaining(), "the refusal carries no key confirmation of the member's");
          s.channel().close();
        }
        Await.until(SYNC, () -> captured.size() >= 2 || !listenerErrors.isEmpty(),
            "the member's runs with the rogue listener");
        assertEquals(List.of(), listenerErrors);

        List<Captured> wrongGuesses = List.copyOf(captured);
        int tested = 0;
        for (String password : DICTIONARY) {
          byte[] candidate = FederationWire.networkKey("net", password);
          for (Captured run : wrongGuesses) {
            assertTrue(!run.pake().fits(candidate, run.memberConfirmation()),
                "password '" + password + "' tested offline against a member's key confirmation");
            tested++;
          }
        }
        // the offline test itself works: a rogue that commits to the right password learns that it was
        // right (its one online attempt for that run), and only then
        rogueGuess.set(right);
        Await.until(SYNC, () -> captured.stream().anyMatch(r -> Arrays.equals(right, r.guess()))
            || !listenerErrors.isEmpty(), "a run in which the rogue guessed right");
        assertEquals(List.of(), listenerErrors);
        Captured lucky = captured.stream().filter(r -> Arrays.equals(right, r.guess())).findFirst().orElseThrow();
        assertTrue(lucky.pake().fits(right, lucky.memberConfirmation()),
            "the member's key confirmation fits the guess the rogue committed to");
        System.out.printf("membership oracle: %d dialogues by a stranger, %d runs by a rogue listener, %d offline"
            + " password tests, 0 fits%n", attempts, wrongGuesses.size(), tested);

        t.awaitClient(SYNC, o -> o.out().contains(strangerId + ": wrong network password"), "net:status");
        t.awaitClient(SYNC, o -> o.out().contains("wrong network password: " + strangerId), "net:status");
        // the member that started while the stranger tried joined all the same
        member.awaitReady();
        member.awaitClient(SYNC, o -> o.out().contains(tId), "net:nodes");
        t.awaitClient(SYNC, o -> o.out().contains(member.banner("peer ID")), "net:nodes");
        String nodes = t.client("net:nodes").out();
        assertTrue(!nodes.contains(strangerId), "the rogue is no member:\n" + nodes);
      } finally {
        stranger.close();
        loops.close();
      }
    }
  }

  /** The rogue's side of one run a member started: rounds made from {@code guess}, then a refusal. */
  private static Captured rogueListener(Stream s, String self, byte[] guess) throws Exception {
    BlockingQueue<byte[]> inbox = FederationWire.frames(s);
    byte[] hello = inbox.poll(30, TimeUnit.SECONDS);
    ByteBuffer h = ByteBuffer.wrap(hello);
    assertEquals(FederationWire.VERSION, h.get());
    String network = FederationWire.text(h);
    FederationWire.text(h);
    String member = s.peer().id();
    FederationWire.Pake pake = new FederationWire.Pake(network, self, member);
    pake.readRound1(h);
    assertEquals(0, h.remaining(), "HELLO holds J-PAKE round 1 and nothing else");
    FederationWire.send(s, FederationWire.msg(w -> {
      w.writeByte(0);
      pake.writeRound1(w);
      pake.writeRound2(w, guess);
    }));
    byte[] confirm = inbox.poll(30, TimeUnit.SECONDS);
    ByteBuffer c = ByteBuffer.wrap(confirm);
    pake.readRound2(c);
    BigInteger tag = FederationWire.number(c);
    assertEquals(0, c.remaining(), "CONFIRM holds J-PAKE round 2 and a key confirmation");
    FederationWire.send(s, FederationWire.msg(w -> {
      w.writeByte(1);
      FederationWire.text(w, "wrong network password (a rogue says so)");
    }));
    return new Captured(pake, guess, tag);
  }
}
