package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Closer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * files:send between node processes: a large file (1 GiB unless {@code warren.files.test.bytes} says
 * otherwise, made by a seeded PRNG a MiB at a time and compared by its SHA-256) direct, through a
 * circuit relay that cuts it at its byte limit (the transfer resumes) and to a device
 * through a Nostr relay tunnel, a directory
 * tree with empty files, unicode names and modes, an offer waiting for files:accept, a receiver
 * and then a sender killed with SIGKILL mid-transfer, each resumed with only the rest travelling (verified with
 * BLAKE3, which that sender offers), and a sender whose
 * content stops matching its offer. (Names that lead out of the inbox are refused by the receiver
 * before anything is written: {@code TransferTest} feeds them to it; a node's own sender refuses
 * them first, checked here.)
 */
class FilesTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  /** How long the large file may take on one path: generous, for a loaded 2-core machine. */
  static final Duration BIG_WAIT = Duration.ofMinutes(10);
  /** The large file's size on each of the three paths (direct, relayed, through the Nostr relay). */
  static final long BIG = Long.getLong("warren.files.test.bytes", 1L << 30);
  private static final String NET = "filenet:NetPass";
  @TempDir Path dir;
  @RegisterExtension final Closer open = new Closer();

  private NodeProcess member(String name, String filesConfig, String bootstrap) throws Exception {
    Path home = NodeProcess.installation(dir.resolve(name), name);
    NodeProcess.configure(home, "io.warren.files", filesConfig);
    NodeProcess p = NodeProcess.startMember(home, dir.resolve(name + "/data"), NET, "admin:A" + name, bootstrap);
    open.add(p);
    return p;
  }

  static Result ok(Result r) {
    assertEquals(0, r.exit(), r.toString());
    return r;
  }

  /** Allows {@code peer} on {@code n} once {@code n} knows the name (the peer table syncs after joining). */
  private static void allow(NodeProcess n, String peer) throws Exception {
    n.awaitClient(WAIT, r -> r.exit() == 0, "files:allow", "add", peer);
  }

  static Path inbox(NodeProcess n) {
    return n.dataDir().resolve("inbox");
  }

  static Path randomFile(Path p, long size, long seed) throws Exception {
    randomContent(p, size, seed);
    return p;
  }

  /**
   * Writes {@code size} bytes of a seeded fast PRNG to {@code p} a MiB at a time (real content, not a
   * sparse file, never held in memory whole) and returns their SHA-256, taken as they are written.
   */
  static String randomContent(Path p, long size, long seed) throws Exception {
    Files.createDirectories(p.getParent());
    ByteBuffer b = ByteBuffer.allocate(1 << 20);
    LongBuffer longs = b.asLongBuffer();
    SplittableRandom r = new SplittableRandom(seed);
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (FileChannel out = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      for (long left = size; left > 0; left -= b.capacity()) {
        for (int i = 0; i < longs.capacity(); i++) {
          longs.put(i, r.nextLong());
        }
        b.clear().limit((int) Math.min(b.capacity(), left));
        d.update(b.duplicate());
        while (b.hasRemaining()) {
          out.write(b);
        }
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** The SHA-256 of {@code p}, read a MiB at a time. */
  static String sha256(Path p) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ)) {
      while (in.read(b.clear()) >= 0) {
        d.update(b.flip());
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** The BLAKE3 of {@code p}, by Bouncy Castle, read a MiB at a time. */
  static String blake3(Path p) throws IOException {
    Blake3Digest d = new Blake3Digest(256);
    byte[] b = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(p)) {
      for (int n; (n = in.read(b)) > 0;) {
        d.update(b, 0, n);
      }
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return HexFormat.of().formatHex(out);
  }

  static String[] awaitRow(NodeProcess n, String id, String direction,
      java.util.function.Predicate<String[]> ok)
      throws Exception {
    return awaitRow(n, id, direction, WAIT, ok);
  }

  static String[] awaitRow(NodeProcess n, String id, String direction, Duration wait,
      java.util.function.Predicate<String[]> ok)
      throws Exception {
    Result r = n.awaitClient(wait, res -> {
      for (String line : res.out().split("\n")) {
        String[] c = line.strip().split("\\s+");
        if (c.length > 7 && c[0].equals(id) && c[2].equals(direction) && ok.test(c)) {
          return true;
        }
      }
      return false;
    }, "files:transfers");
    for (String line : r.out().split("\n")) {
      String[] c = line.strip().split("\\s+");
      if (c.length > 7 && c[0].equals(id) && c[2].equals(direction)) {
        return c;
      }
    }
    throw new AssertionError("no row for " + id);
  }

  /**
   * Sends the large {@code file} from {@code from} to {@code to} in the background (a blocking
   * files:send could outlast the client's minute) and returns the sender's row once it is done.
   */
  static String[] sendBig(NodeProcess from, String to, Path file) throws Exception {
    String id = idOf(ok(from.client("files:send", "-b", to, file.toString())));
    String[] row = awaitRow(from, id, "out", BIG_WAIT, c -> !c[1].equals("running") && !c[1].equals("retrying")
        && !c[1].equals("waiting") && !c[1].equals("starting"));
    System.out.println("FilesTest: " + String.join(" ", row));
    return row;
  }

  static String idOf(Result background) {
    String out = background.out().strip();
    assertTrue(out.startsWith("transfer "), out);
    return out.substring("transfer ".length(), out.indexOf(':'));
  }

  @Test
  void filesAndTreesLandVerifiedWithNamesAndModesKept() throws Exception {
    NodeProcess a = member("a", "", null);
    NodeProcess b = member("b", "", a.identity());
    allow(b, "a");

    // a large file, direct
    Path big = dir.resolve("src/big.bin");
    String sha = randomContent(big, BIG, 1);
    String[] sent = sendBig(a, "b", big);
    String row = String.join(" ", sent);
    assertEquals("done", sent[1], row);
    assertEquals(List.of(String.valueOf(BIG), "0", String.valueOf(BIG), "sha256", sha),
        List.of(sent[3], sent[4], sent[5], sent[7], sent[8]), "all of it sent, none held before, SHA-256: " + row);
    assertEquals(sha, sha256(inbox(b).resolve("big.bin")));
    // the same file sent again lands beside the first, under a free name
    Path twice = Files.writeString(dir.resolve("src/twice.txt"), "once more");
    ok(a.client("files:send", "b", twice.toString()));
    ok(a.client("files:send", "b", twice.toString()));
    assertEquals("once more", Files.readString(inbox(b).resolve("twice.txt")));
    assertEquals("once more", Files.readString(inbox(b).resolve("twice (1).txt")));

    // a tree: an empty file, an empty directory, unicode names, modes
    Path tree = Files.createDirectories(dir.resolve("src/Fotos Ü 日本"));
    Files.createDirectories(tree.resolve("leer/ganz leer"));
    Files.write(tree.resolve("nichts.txt"), new byte[0]);
    Path script = Files.writeString(tree.resolve("leer/läuft.sh"), "#!/bin/sh\necho 🙂\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    Path secret = randomFile(tree.resolve("geheim/schlüssel"), 70_000, 2);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(tree.resolve("geheim"), PosixFilePermissions.fromString("rwx------"));
    // warren client joins its words with spaces for the console, which reads quotes: a word with a space is quoted
    Result treeSent = ok(a.client("files:send", "b", "'" + tree + "'", "--as", "'Urlaub ☀'"));
    assertTrue(treeSent.out().contains("Urlaub ☀"), treeSent.out());
    Path got = inbox(b).resolve("Urlaub ☀");
    assertTrue(Files.isDirectory(got.resolve("leer/ganz leer")));
    assertEquals(0, Files.size(got.resolve("nichts.txt")));
    assertEquals("#!/bin/sh\necho 🙂\n", Files.readString(got.resolve("leer/läuft.sh")));
    assertEquals("rwxr-x---",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(got.resolve("leer/läuft.sh"))));
    assertArrayEquals(Files.readAllBytes(secret), Files.readAllBytes(got.resolve("geheim/schlüssel")));
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(got.resolve("geheim/schlüssel"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(got.resolve("geheim"))));

    // a name leading out of the inbox is refused by the sending node already
    Result evil = a.client("files:send", "b", "'" + script + "'", "--as", "../evil");
    assertNotEquals(0, evil.exit(), evil.toString());
    assertTrue(evil.err().contains("cannot send as ../evil"), evil.toString());
    assertFalse(Files.exists(inbox(b).resolveSibling("evil")));

    // b is not allowed on a: the offer waits for files:accept
    Path note = Files.writeString(dir.resolve("src/note.txt"), "ask first");
    String id = idOf(ok(b.client("files:send", "-b", "a", note.toString())));
    a.awaitClient(WAIT, r -> r.out().contains(id), "files:pending");
    assertFalse(Files.exists(inbox(a).resolve("note.txt")), "nothing lands before files:accept");
    ok(a.client("files:accept", id.substring(0, 8)));
    awaitRow(a, id, "in", c -> c[1].equals("done"));
    assertEquals("ask first", Files.readString(inbox(a).resolve("note.txt")));
    Path unwanted = randomFile(dir.resolve("src/unwanted.bin"), 3L << 20, 10);
    String rejected = idOf(ok(b.client("files:send", "-b", "a", unwanted.toString())));
    a.awaitClient(WAIT, r -> r.out().contains(rejected), "files:pending");
    ok(a.client("files:reject", rejected));
    String[] refused = awaitRow(b, rejected, "out", c -> c[1].equals("rejected"));
    assertTrue(String.join(" ", refused).contains("declined by the receiver"), String.join(" ", refused));
    assertFalse(Files.exists(inbox(a).resolve("unwanted.bin")));

    // an offer whose sender cancels it leaves the receiver's list at once
    Path gone = Files.writeString(dir.resolve("src/gone.txt"), "never mind");
    String cancelled = idOf(ok(b.client("files:send", "-b", "a", gone.toString())));
    a.awaitClient(WAIT, r -> r.out().contains(cancelled), "files:pending");
    ok(b.client("files:cancel", cancelled.substring(0, 8)));
    awaitRow(b, cancelled, "out", c -> c[1].equals("cancelled"));
    a.awaitClient(WAIT, r -> r.exit() == 0 && !r.out().contains(cancelled), "files:pending");
    assertFalse(Files.exists(inbox(a).resolve("gone.txt")));
  }

  @Test
  void aReceiverThenASenderKilledMidTransferResumeWithOnlyTheRestAndALyingSenderIsRejected() throws Exception {
    // a sends at 4 MiB/s so that the test sees the transfer in flight, and offers BLAKE3 (b takes it)
    NodeProcess a = member("a", "send.rate.kib = 4096\nretry.seconds = 120\nhash = blake3\n", null);
    String bootstrap = a.identity();
    NodeProcess b = member("b", "", bootstrap);
    allow(b, "a");

    long size = 24L << 20;
    Path file = randomFile(dir.resolve("src/video.bin"), size, 3);
    String id = idOf(ok(a.client("files:send", "-b", "b", file.toString())));
    awaitRow(b, id, "in", c -> Long.parseLong(c[5]) >= 4L << 20);
    b.kill9();
    open.remove(b);
    assertFalse(Files.exists(inbox(b).resolve("video.bin")));
    NodeProcess again = NodeProcess.startMember(b.home(), b.dataDir(), NET, "admin:Ab", bootstrap);
    open.add(again);

    String[] out = awaitRow(a, id, "out", c -> c[1].equals("done"));
    String[] in = awaitRow(again, id, "in", c -> c[1].equals("done"));
    long resumed = Long.parseLong(in[4]);
    long moved = Long.parseLong(in[5]);
    assertTrue(resumed >= 4L << 20, "the receiver kept what it had: " + String.join(" ", in));
    assertEquals(size - resumed, moved, "only the rest travelled: " + String.join(" ", in));
    assertEquals(out[5], in[5], "the sender's byte counter agrees: " + String.join(" ", out));
    assertEquals(List.of("blake3", blake3(file)), List.of(in[7], in[8]),
        "verified with BLAKE3: " + String.join(" ", in));
    assertEquals(List.of("blake3", blake3(file)), List.of(out[7], out[8]), String.join(" ", out));
    assertEquals(sha256(file), sha256(inbox(again).resolve("video.bin")));

    // the sender killed mid-transfer: files:send again after its restart sends only the rest
    Path second = randomFile(dir.resolve("src/second.bin"), size, 9);
    String id2 = idOf(ok(a.client("files:send", "-b", "b", second.toString())));
    awaitRow(again, id2, "in", c -> Long.parseLong(c[5]) >= 4L << 20);
    a.kill9();
    open.remove(a);
    NodeProcess a2 = NodeProcess.startMember(a.home(), a.dataDir(), NET, "admin:Aa", null);
    open.add(a2);
    Result resent = a2.awaitClient(WAIT, r -> r.exit() == 0, "files:send", "b", second.toString());
    java.util.regex.Matcher held = java.util.regex.Pattern.compile("\\((\\d+) held already, (\\d+) sent\\)")
        .matcher(resent.out());
    assertTrue(held.find(), resent.out());
    assertTrue(Long.parseLong(held.group(1)) >= 4L << 20, resent.out());
    assertEquals(size, Long.parseLong(held.group(1)) + Long.parseLong(held.group(2)), resent.out());
    assertEquals(sha256(second), sha256(inbox(again).resolve("second.bin")));

    // the file changes under the sender after it was offered: its chunks are hashed as sent, but the
    // whole no longer matches the offer, and the receiver keeps nothing of it
    Path changing = randomFile(dir.resolve("src/changing.bin"), size, 4);
    String lie = idOf(ok(a2.client("files:send", "-b", "b", changing.toString())));
    awaitRow(again, lie, "in", c -> Long.parseLong(c[5]) >= 1L << 20);
    try (RandomAccessFile f = new RandomAccessFile(changing.toFile(), "rw")) {
      f.seek(size - 3);
      f.write(new byte[] {1, 2, 3});
    }
    String[] failed = awaitRow(again, lie, "in", c -> c[1].equals("failed"));
    assertTrue(String.join(" ", failed).contains("does not match the BLAKE3"), String.join(" ", failed));
    awaitRow(a2, lie, "out", c -> c[1].equals("failed"));
    assertFalse(Files.exists(inbox(again).resolve("changing.bin")));
    try (Stream<Path> staged = Files.walk(inbox(again).resolve(".warren-partial"))) {
      assertTrue(staged.noneMatch(p -> p.toString().endsWith(".part") && p.toFile().length() == size),
          "no whole wrong copy is kept");
    }
  }

  @Test
  void aFileThroughACircuitRelayResumesWhenTheRelayCutsTheCircuitAtItsLimit() throws Exception {
    Path rHome = NodeProcess.installation(dir.resolve("r"));
    // a circuit carries a quarter of the file each way at most: the relay cuts the first one and the send resumes
    long limit = BIG / 4;
    Files.writeString(rHome.resolve("etc/io.warren.libp2p.cfg"),
        "relay.hop.enabled = true\nrelay.circuit.bytes = " + limit + "\n");
    Path aHome = NodeProcess.installation(dir.resolve("a"));
    // no DCUtR on a: the transfer is to stay on the relayed path
    Files.writeString(aHome.resolve("etc/io.warren.libp2p.cfg"), "dcutr.enabled = false\n");
    NodeProcess r = NodeProcess.start(rHome, dir.resolve("r/data"));
    open.add(r);
    NodeProcess a = NodeProcess.start(aHome, dir.resolve("a/data"));
    open.add(a);
    NodeProcess b = NodeProcess.start(NodeProcess.installation(dir.resolve("b")), dir.resolve("b/data"));
    open.add(b);
    r.awaitReady();
    a.awaitReady();
    b.awaitReady();
    String aPeer = a.banner("peer ID");
    String circuit = ok(a.client("p2p:reserve", r.client("p2p:addrs").out().strip())).out().strip();
    Result ping = ok(b.client("p2p:ping", "-c", "1", circuit));
    assertTrue(ping.out().contains("(relayed)"), ping.out());
    ok(a.client("files:allow", "add", b.banner("peer ID")));

    long size = BIG;
    Path file = dir.resolve("src/relayed.bin");
    String sha = randomContent(file, size, 5);
    String[] sent = sendBig(b, aPeer, file);
    assertEquals("done", sent[1], String.join(" ", sent));
    assertEquals(sha, sha256(inbox(a).resolve("relayed.bin")));
    // the relay cut the first circuit at its limit; the retry took the rest (on a new circuit or the direct
    // path that identify taught b), and only the rest travelled
    String[] in = awaitRow(a, sent[0], "in", c -> c[1].equals("done"));
    long resumed = Long.parseLong(in[4]);
    assertTrue(resumed > 0 && resumed <= limit, "a cut attempt, then a resumed one: " + String.join(" ", in));
    assertEquals(size - resumed, Long.parseLong(in[5]), String.join(" ", in));
  }

  @Test
  void aFileTravelsToADeviceThroughANostrRelayTunnel() throws Exception {
    int port = NodeProcess.freePort();
    Path relayHome = NodeProcess.installation(dir.resolve("relay"));
    NodeProcess.configure(relayHome, "io.warren.nostr.relay", "enabled = true\nport = " + port + "\n");
    NodeProcess relay = NodeProcess.start(relayHome, dir.resolve("relay/data"));
    open.add(relay);
    relay.awaitReady();
    String url = "ws://127.0.0.1:" + port;
    Path laptopHome = NodeProcess.installation(dir.resolve("laptop"));
    NodeProcess.configure(laptopHome, "io.warren.nostr.client", "relays = " + url + "\nreconnect.max.seconds = 2\n");
    NodeProcess laptop = NodeProcess.start(laptopHome, dir.resolve("laptop/data"));
    open.add(laptop);
    laptop.awaitReady();
    String laptopNpub = laptop.banner("npub");
    // the device lets the laptop open its protocols, and takes its files without asking
    Path phoneHome = NodeProcess.installation(dir.resolve("phone"));
    NodeProcess.configure(phoneHome, "io.warren.nostr.client",
        "relays = " + url + "\nallow = " + laptopNpub + "\nreconnect.max.seconds = 2\n");
    NodeProcess phone = NodeProcess.start(phoneHome, dir.resolve("phone/data"));
    open.add(phone);
    phone.awaitReady();
    ok(phone.client("files:allow", "add", laptopNpub));

    Path file = dir.resolve("src/tunnelled.bin");
    String sha = randomContent(file, BIG, 6);
    String npub = phone.banner("npub");
    // the first send may come before the laptop's relay connection is up: it fails at once, and is tried again
    String id = idOf(laptop.awaitClient(WAIT, r -> r.exit() == 0, "files:send", "-b", npub, file.toString()));
    String[] sent = awaitRow(laptop, id, "out", BIG_WAIT, c -> c[1].equals("done") || c[1].equals("failed"));
    System.out.println("FilesTest: " + String.join(" ", sent));
    assertEquals("done", sent[1], String.join(" ", sent));
    assertEquals(sha, sent[8]);
    assertEquals(sha, sha256(inbox(phone).resolve("tunnelled.bin")));
  }

  @Test
  void aFullDiskOnTheReceiverIsReportedAndLeavesNothingUnderTheFinalName() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small.toString())
        .redirectErrorStream(true).start();
    String said = new String(mount.getInputStream().readAllBytes());
    Assumptions.assumeTrue(mount.waitFor() == 0,
        "skipped: mounting a 16 MiB tmpfs needs root or CAP_SYS_ADMIN, which this machine does not give: " + said);
    open.add(() -> new ProcessBuilder("umount", small.toString()).start().waitFor());
    NodeProcess a = member("a", "send.rate.kib = 4096\n", null);
    NodeProcess b = member("b", "inbox = " + small + "\n", a.identity());
    allow(b, "a");

    // more than the free space: refused before a byte travels
    Path twenty = randomFile(dir.resolve("src/twenty.bin"), 20L << 20, 7);
    Result refused = a.client("files:send", "b", twenty.toString());
    assertNotEquals(0, refused.exit(), refused.toString());
    assertTrue(refused.err().contains("the receiver's disk is too full"), refused.toString());

    // the disk fills while the file travels: the receiver says so and keeps nothing under its name
    Path twelve = randomFile(dir.resolve("src/twelve.bin"), 12L << 20, 8);
    String id = idOf(ok(a.client("files:send", "-b", "b", twelve.toString())));
    awaitRow(b, id, "in", c -> Long.parseLong(c[5]) >= 1L << 20);
    try (OutputStream filler = Files.newOutputStream(small.resolve("filler"))) {
      byte[] block = new byte[1 << 20];
      for (int i = 0; i < 16; i++) {
        filler.write(block);
      }
    } catch (IOException full) {
      // the disk is full now, as intended
    }
    String[] in = awaitRow(b, id, "in", c -> c[1].equals("failed"));
    assertTrue(String.join(" ", in).contains("the receiver's disk is full"), String.join(" ", in));
    String[] out = awaitRow(a, id, "out", c -> c[1].equals("failed"));
    assertTrue(String.join(" ", out).contains("disk is full"), String.join(" ", out));
    assertFalse(Files.exists(small.resolve("twelve.bin")));
  }
}
