package io.warren.itests;

import static io.warren.itests.FilesTest.WAIT;
import static io.warren.itests.FilesTest.awaitRow;
import static io.warren.itests.FilesTest.idOf;
import static io.warren.itests.FilesTest.ok;
import static io.warren.itests.FilesTest.randomFile;
import static io.warren.itests.FilesTest.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Closer;
import io.warren.testing.Network;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * files:share, files:ls and files:get between node processes of one network: a share given to one
 * peer, one given to the network and one to another peer, each seen only by those it was given to; traversal attempts
 * ({@code ..}, absolute paths, symbolic links out of the share, a fifo) refused with the reason and
 * nothing fetched; a file and a tree with unicode names and an empty file fetched verified with their modes, and a get whose sharer is
 * killed with SIGKILL mid-transfer resuming by itself once the sharer is back, with only the rest
 * travelling; its progress drawn as a bar on a terminal and as lines otherwise.
 */
class FilesShareTest {
  private static final String NET = "sharenet:NetPass";
  @TempDir Path dir;
  @RegisterExtension final Closer open = new Closer();

  private static String refused(NodeProcess n, String... command) throws Exception {
    Result r = n.client(command);
    assertNotEquals(0, r.exit(), r.toString());
    return r.err();
  }

  @Test
  void sharesAreConfinedGivenOnlyToWhomTheyWereAndGetsResume() throws Exception {
    // a serves at 4 MiB/s so that the test sees a get in flight
    Network net = new Network(dir, NET);
    open.add(net);
    NodeProcess a = net.member("a", "io.warren.files", "send.rate.kib = 4096\n");
    NodeProcess b = net.member("b", "io.warren.files", "retry.seconds = 120\n");

    Path pub = Files.createDirectories(dir.resolve("shared/pub"));
    Files.writeString(dir.resolve("shared/secret.txt"), "not shared");
    Path docs = Files.createDirectories(pub.resolve("Döcs_日本"));
    Path script = Files.writeString(docs.resolve("run.sh"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    Files.writeString(docs.resolve("nötes🙂.txt"), "notes");
    Files.write(Files.createDirectories(docs.resolve("leer")).resolve("nichts"), new byte[0]);
    Files.createSymbolicLink(pub.resolve("escape"), dir.resolve("shared/secret.txt"));
    Files.createSymbolicLink(pub.resolve("root"), Path.of("/"));
    assertEquals(0, new ProcessBuilder("mkfifo", pub.resolve("pipe").toString()).start().waitFor());
    Path big = randomFile(pub.resolve("big.bin"), 12L << 20, 11);
    Path mine = Files.createDirectories(dir.resolve("shared/mine"));
    Files.writeString(mine.resolve("diary.txt"), "for a alone");
    Path team = Files.createDirectories(dir.resolve("shared/team"));
    Files.writeString(team.resolve("plan.txt"), "for everyone");

    // pub to b alone (once a knows b's name), team to the network
    a.awaitClient(WAIT, r -> r.exit() == 0, "files:share", "add", pub.toString(), "--to", "b");
    ok(a.client("files:share", "add", team.toString(), "--to", "sharenet"));
    ok(a.client("files:share", "add", mine.toString(), "--to", a.banner("peer ID")));
    Result list = ok(a.client("files:share", "list"));
    assertTrue(list.out().contains("network:sharenet"), list.out());

    // what each sees
    Result bSees = b.awaitClient(WAIT, r -> r.exit() == 0 && r.out().contains("pub"), "files:ls", "a");
    assertTrue(bSees.out().contains("team"), bSees.out());
    assertFalse(bSees.out().contains("mine"), bSees.out());
    assertTrue(refused(b, "files:get", "a", "mine/diary.txt").contains("no share 'mine' is given to you"));
    assertTrue(refused(b, "files:ls", "a", "mine").contains("no share 'mine' is given to you"));
    Result inPub = ok(b.client("files:ls", "a", "pub"));
    for (String kind : new String[] {"dir ", "link", "other"}) {
      assertTrue(inPub.out().contains(kind), inPub.out());
    }
    assertTrue(inPub.out().contains("12582912"), inPub.out());

    // traversal attempts
    Path got = Files.createDirectories(dir.resolve("got"));
    assertTrue(refused(b, "files:get", "a", "pub/../secret.txt", got.toString()).contains("has a '..' part"));
    assertTrue(refused(b, "files:get", "a", "pub/Döcs_日本/../../secret.txt").contains("has a '..' part"));
    assertTrue(refused(b, "files:ls", "a", "pub/..").contains("has a '..' part"));
    assertTrue(refused(b, "files:get", "a", "pub//etc/passwd").contains("absolute path"));
    assertTrue(refused(b, "files:get", "a", "/etc/passwd").contains("does not start with a share's name"));
    assertTrue(refused(b, "files:get", "a", "pub/escape").contains("symbolic link that leads out of the share"));
    assertTrue(refused(b, "files:get", "a", "pub/root/etc/passwd").contains("leads out of the share"));
    assertTrue(refused(b, "files:ls", "a", "pub/root").contains("leads out of the share"));
    assertTrue(refused(b, "files:get", "a", "pub/pipe").contains("is a device, pipe or socket"));
    String tree = refused(b, "files:get", "a", "pub", got.toString());
    assertTrue(tree.contains("is a symbolic link"), tree);
    assertFalse(tree.contains(dir.toString()), "the sharer's paths stay its own: " + tree);
    try (var nothing = Files.list(got)) {
      assertTrue(nothing.noneMatch(p -> !p.getFileName().toString().startsWith(".")), "nothing fetched");
    }

    // a file and a tree, verified, modes kept
    Result one = ok(b.client("files:get", "a", "team/plan.txt", got.toString()));
    assertTrue(one.out().contains("done: 12 bytes"), one.out());
    assertEquals("for everyone", Files.readString(got.resolve("plan.txt")));
    ok(b.client("files:get", "a", "pub/Döcs_日本", got.toString()));
    assertEquals("notes", Files.readString(got.resolve("Döcs_日本/nötes🙂.txt")));
    assertEquals("rwxr-x---",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(got.resolve("Döcs_日本/run.sh"))));
    assertEquals(0, Files.size(got.resolve("Döcs_日本/leer/nichts")));

    // the sharer killed mid-get: b retries and resumes once a is back, and only the rest travels
    String id = idOf(ok(b.client("files:get", "-b", "a", "pub/big.bin", got.toString())));
    awaitRow(b, id, "in", r -> Long.parseLong(r[5]) >= 4L << 20);
    a.kill9();
    NodeProcess a2 = NodeProcess.startMember(a.home(), a.dataDir(), NET, "admin:Aa", null);
    open.add(a2);
    String[] in = awaitRow(b, id, "in", r -> r[1].equals("done"));
    long resumed = Long.parseLong(in[4]);
    assertTrue(resumed >= 4L << 20, "b kept what it had: " + String.join(" ", in));
    assertEquals((12L << 20) - resumed, Long.parseLong(in[5]), "only the rest travelled: " + String.join(" ", in));
    assertEquals(sha256(big), in[8]);
    assertEquals(sha256(big), sha256(got.resolve("big.bin")));

    // progress: a bar drawn in place when warren client runs on a terminal, plain lines otherwise
    Path again = Files.createDirectories(dir.resolve("again"));
    try (Terminal t = new Terminal(b.clientCommand("files:get", "a", "pub/big.bin", again.toString()), WAIT)) {
      t.awaitAfter("done: 12582912 bytes", t.awaitAfter("] ", t.awaitAfter("\r[", 0)));
      assertTrue(t.text().matches("(?s).*\\r\\[[= ]{30}\\] \\d+% [0-9.]+ of 12\\.6 MB, [0-9.]+ MB/s, ETA .*"),
          t.text());
    }
    Result plain = ok(b.client("files:get", "a", "pub/big.bin", again.toString()));
    assertTrue(plain.out().matches("(?s).*\n\\d+% [0-9.]+ of 12\\.6 MB, [0-9.]+ MB/s, ETA [0-9:-]+\n.*"), plain.out());
    assertFalse(plain.out().contains("\r"), plain.out());
    Result table = ok(b.client("files:transfers"));
    assertTrue(table.out().contains(" ETA "), table.out());

    // a share removed is gone for its grantee
    ok(a2.client("files:share", "remove", "pub"));
    assertTrue(refused(b, "files:ls", "a", "pub").contains("no share 'pub' is given to you"));
  }
}
