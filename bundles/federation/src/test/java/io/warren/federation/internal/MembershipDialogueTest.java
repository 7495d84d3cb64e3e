package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.NodeIdentity;
import io.warren.api.ProtocolException;
import io.warren.identity.NetworkCredentials;
import io.warren.store.internal.H2Store;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.agreement.jpake.JPAKEUtil;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The membership proof (J-PAKE with key confirmation) between two dialogues over in-memory
 * streams, and against a rogue on either side that does not know the password: what it can learn,
 * measured by running an offline dictionary attack on everything it received.
 */
class MembershipDialogueTest {
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final byte[] KEY = key("NetPass");
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private final List<H2Store> stores = new ArrayList<>();
  private ExecutorService workers;
  private LocalStreams streams;

  @BeforeEach
  void start() throws Exception {
    workers = Executors.newFixedThreadPool(2);
    streams = new LocalStreams();
  }

  @AfterEach
  void stop() {
    workers.shutdownNow();
    streams.close();
    stores.forEach(H2Store::close);
  }

  /** A stand-in for the network key a password derives (the real one is PBKDF2's). */
  static byte[] key(String password) {
    byte[] k = new byte[32];
    byte[] p = Membership.utf8(password);
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (p[i % p.length] + i);
    }
    return k;
  }

  record Node(NodeIdentity identity, PeerTable table, MembershipDialogue dialogue) {
    String id() {
      return identity.peerId();
    }
  }

  Node node(String network, byte[] key) throws Exception {
    NodeIdentity identity = MembershipAndRecordTest.identity();
    H2Store store = H2Store.open(dir.resolve("n" + stores.size()));
    stores.add(store);
    Optional<NetworkCredentials.Network> net = Optional.of(new NetworkCredentials.Network(network, key));
    PeerTable table = new PeerTable(identity, new FederationStore(store), net, "1", List::of, 100,
        new PeerTable.Limits(Duration.ofHours(1), 10, () -> true));
    return new Node(identity, table, new MembershipDialogue(identity, net, null, null, table, TIMEOUT));
  }

  /** Runs the dialer's side on its own thread; completes with its failure, or null. */
  CompletableFuture<Exception> prove(Node dialer, String listener, Frames f) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        dialer.dialogue().prove(listener, f, PeerTableSync.OPERATION);
        return null;
      } catch (Exception e) {
        return e;
      }
    });
  }

  @Test
  void membersWithTheSamePasswordProveMembershipToEachOther() throws Exception {
    Node d = node("net", KEY);
    Node l = node("net", KEY);
    LocalStreams.Pair s = streams.open(d.id(), l.id());
    CompletableFuture<Exception> dialed =
        prove(d, l.id(), new Frames(s.dialer(), TIMEOUT, MembershipDialogue.DIALER_FRAMES));
    Optional<String> op = l.dialogue()
        .answer(s.listener(), new Frames(s.listener(), TIMEOUT, MembershipDialogue.LISTENER_FRAMES), workers)
        .get(30, TimeUnit.SECONDS);
    assertEquals(null, dialed.get(30, TimeUnit.SECONDS));
    assertEquals(Optional.of(PeerTableSync.OPERATION), op);
    assertTrue(d.table().isMember(l.id()));
    assertTrue(l.table().isMember(d.id()));
  }

  @Test
  void aWrongPasswordIsRefusedOnBothSides() throws Exception {
    Node d = node("net", key("NotThePassword"));
    Node l = node("net", KEY);
    LocalStreams.Pair s = streams.open(d.id(), l.id());
    CompletableFuture<Exception> dialed =
        prove(d, l.id(), new Frames(s.dialer(), TIMEOUT, MembershipDialogue.DIALER_FRAMES));
    Optional<String> op = l.dialogue()
        .answer(s.listener(), new Frames(s.listener(), TIMEOUT, MembershipDialogue.LISTENER_FRAMES), workers)
        .get(30, TimeUnit.SECONDS);
    assertEquals(Optional.empty(), op, "the listener refuses the dialer");
    Exception e = dialed.get(30, TimeUnit.SECONDS);
    assertTrue(e instanceof MembershipException, String.valueOf(e));
    assertTrue(e.getMessage().startsWith(MembershipDialogue.PROTOCOL + ": wrong network password: " + l.id()),
        e.getMessage());
    assertTrue(l.table().refusals().get(d.id()).contains("wrong network password"), l.table().refusals().toString());
    assertFalse(d.table().isMember(l.id()));
    assertFalse(l.table().isMember(d.id()));
  }

  @Test
  void theKeyIsBoundToBothPeerIdsAndTheNetwork() throws Exception {
    String a = MembershipAndRecordTest.identity().peerId();
    String b = MembershipAndRecordTest.identity().peerId();
    String c = MembershipAndRecordTest.identity().peerId();
    assertTrue(agree(new Membership("net", KEY, a, b), new Membership("net", KEY, b, a)));
    assertFalse(agree(new Membership("net", KEY, a, b), new Membership("net", key("x"), b, a)), "password");
    // a round 1 made for one peer (or network) does not verify as another's
    assertThrows(ProtocolException.class,
        () -> agree(new Membership("net", KEY, a, b), new Membership("net", KEY, b, c)), "relayed to c");
    assertThrows(ProtocolException.class,
        () -> agree(new Membership("net", KEY, a, b), new Membership("other", KEY, b, a)), "network");
  }

  private static boolean agree(Membership x, Membership y) {
    Codec.Writer x1 = new Codec.Writer();
    Codec.Writer y1 = new Codec.Writer();
    x.writeRound1(x1);
    y.writeRound1(y1);
    x.readRound1(new Codec.Reader(y1.toByteArray()));
    y.readRound1(new Codec.Reader(x1.toByteArray()));
    Codec.Writer x2 = new Codec.Writer();
    Codec.Writer y2 = new Codec.Writer();
    x.writeRound2(x2);
    y.writeRound2(y2);
    x.readRound2(new Codec.Reader(y2.toByteArray()));
    y.readRound2(new Codec.Reader(x2.toByteArray()));
    return x.confirms(y.confirmation()) && y.confirms(x.confirmation());
  }

  /**
   * A stranger dials a member and runs the dialogue with a password guess: the member answers with
   * J-PAKE rounds only, refuses the stranger's key confirmation and sends none of its own.
   */
  @Test
  void aRogueDialerGetsRoundValuesAndARefusalOnly() throws Exception {
    Node l = node("net", KEY);
    String rogue = MembershipAndRecordTest.identity().peerId();
    LocalStreams.Pair s = streams.open(rogue, l.id());
    CompletableFuture<Optional<String>> answered = l.dialogue()
        .answer(s.listener(), new Frames(s.listener(), TIMEOUT, MembershipDialogue.LISTENER_FRAMES), workers);
    Frames f = new Frames(s.dialer(), TIMEOUT);
    Membership guess = new Membership("net", key("guess"), rogue, l.id());
    Codec.Writer hello = new Codec.Writer().u8(3).text("net").text("sync");
    guess.writeRound1(hello);
    f.write(hello.toByteArray());
    byte[] roundsMessage = f.read();
    Codec.Reader rounds = new Codec.Reader(roundsMessage);
    assertEquals(0, rounds.u8());
    guess.readRound1(rounds);
    Codec.Writer confirm = new Codec.Writer();
    guess.writeRound2(confirm);
    guess.readRound2(rounds);
    assertEquals(0, rounds.remaining(), "ROUNDS holds J-PAKE rounds 1 and 2 and nothing else");
    f.write(confirm.bytes(guess.confirmation()).toByteArray());
    Codec.Reader result = new Codec.Reader(f.read());
    assertEquals(1, result.u8(), "the guess is refused");
    String reason = result.text(1024, "reason");
    result.end(); // no key confirmation of the member's follows the reason
    assertTrue(reason.startsWith(MembershipDialogue.PROTOCOL + ": wrong network password"), reason);
    assertEquals(Optional.empty(), answered.get(30, TimeUnit.SECONDS));
    assertTrue(l.table().refusals().get(rogue).contains("wrong network password"));
  }

  @Test
  void aRogueListenerCanTestOnlyTheOneGuessItCommittedTo() throws Exception {
    List<byte[]> dictionary = new ArrayList<>();
    for (String p : List.of("123456", "password", "letmein", "NetPass", "hunter2", "warren")) {
      dictionary.add(key(p));
    }
    assertEquals(List.of(), crackAsListener(key("letmein"), dictionary),
        "candidates a rogue listener confirmed offline after committing to a wrong guess");
    // the check itself works: a rogue that guessed right learns it (its one online attempt)
    List<byte[]> found = crackAsListener(KEY, dictionary);
    assertEquals(1, found.size());
    assertTrue(java.util.Arrays.equals(KEY, found.get(0)));
  }

  /**
   * A member dials a rogue that answers with J-PAKE rounds made with {@code guess}; the rogue then
   * tests every key of {@code dictionary} against all the member sent it. Returns those that fit.
   */
  private List<byte[]> crackAsListener(byte[] guess, List<byte[]> dictionary) throws Exception {
    Node member = node("net", KEY);
    String rogue = MembershipAndRecordTest.identity().peerId();
    String memberId = Membership.participant("net", member.id());
    String rogueId = Membership.participant("net", rogue);
    LocalStreams.Pair s = streams.open(member.id(), rogue);
    CompletableFuture<Exception> dialed =
        prove(member, rogue, new Frames(s.dialer(), TIMEOUT, MembershipDialogue.DIALER_FRAMES));
    Frames f = new Frames(s.listener(), TIMEOUT);
    BigInteger p = Membership.GROUP.getP();
    BigInteger q = Membership.GROUP.getQ();
    BigInteger g = Membership.GROUP.getG();
    SHA256Digest digest = new SHA256Digest();

    Codec.Reader hello = new Codec.Reader(f.read());
    assertEquals(3, hello.u8());
    hello.text(128, "network");
    hello.text(16, "operation");
    BigInteger gx1m = element(hello);
    BigInteger gx2m = element(hello);
    BigInteger[] ignored = {element(hello), element(hello), element(hello), element(hello)};
    assertEquals(4, ignored.length);
    hello.end();

    BigInteger x1 = JPAKEUtil.generateX1(q, RANDOM);
    BigInteger x2 = JPAKEUtil.generateX2(q, RANDOM);
    BigInteger gx1 = JPAKEUtil.calculateGx(p, g, x1);
    BigInteger gx2 = JPAKEUtil.calculateGx(p, g, x2);
    Codec.Writer rounds = new Codec.Writer().u8(0);
    rounds.bytes(gx1.toByteArray()).bytes(gx2.toByteArray());
    proof(rounds, JPAKEUtil.calculateZeroKnowledgeProof(p, q, g, gx1, x1, rogueId, digest, RANDOM));
    proof(rounds, JPAKEUtil.calculateZeroKnowledgeProof(p, q, g, gx2, x2, rogueId, digest, RANDOM));
    BigInteger gA = JPAKEUtil.calculateGA(p, gx1, gx1m, gx2m);
    BigInteger x2s = JPAKEUtil.calculateX2s(q, x2, s(guess));
    BigInteger a = JPAKEUtil.calculateA(p, q, gA, x2s);
    rounds.bytes(a.toByteArray());
    proof(rounds, JPAKEUtil.calculateZeroKnowledgeProof(p, q, gA, a, x2s, rogueId, digest, RANDOM));
    f.write(rounds.toByteArray());

    Codec.Reader confirm = new Codec.Reader(f.read());
    BigInteger memberA = element(confirm);
    element(confirm);
    element(confirm);
    BigInteger memberTag = element(confirm);
    confirm.end();
    f.close();
    assertTrue(dialed.get(30, TimeUnit.SECONDS) != null, "the member did not complete a proof with the rogue");

    List<byte[]> fits = new ArrayList<>();
    for (byte[] candidate : dictionary) {
      BigInteger k = JPAKEUtil.calculateKeyingMaterial(p, q, gx2m, x2, s(candidate), memberA);
      BigInteger tag = JPAKEUtil.calculateMacTag(memberId, rogueId, gx1m, gx2m, gx1, gx2, k, digest);
      if (tag.equals(memberTag)) {
        fits.add(candidate);
      }
    }
    return fits;
  }

  private static BigInteger s(byte[] key) throws Exception {
    return JPAKEUtil.calculateS(Membership.GROUP.getQ(), HexFormat.of().formatHex(key).toCharArray());
  }

  private static BigInteger element(Codec.Reader r) {
    return new BigInteger(r.bytes(Membership.MAX_ELEMENT, "element"));
  }

  private static void proof(Codec.Writer w, BigInteger[] zkp) {
    w.bytes(zkp[0].toByteArray()).bytes(zkp[1].toByteArray());
  }

  @Test
  void anOversizedHelloIsAProtocolErrorBeforeItIsBuffered() throws Exception {
    Node l = node("net", KEY);
    LocalStreams.Pair s = streams.open("rogue", l.id());
    CompletableFuture<Optional<String>> answered = l.dialogue()
        .answer(s.listener(), new Frames(s.listener(), TIMEOUT, MembershipDialogue.LISTENER_FRAMES), workers);
    new Frames(s.dialer(), TIMEOUT).write(new byte[Frames.HANDSHAKE_FRAME + 1]);
    ExecutionException e = assertThrows(ExecutionException.class, () -> answered.get(30, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof ProtocolException, e.toString());
    assertTrue(e.getCause().getMessage().startsWith(MembershipDialogue.PROTOCOL + ": a message of 4097 bytes"),
        e.getCause().getMessage());
  }
}
