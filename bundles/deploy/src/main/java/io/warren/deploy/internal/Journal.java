package io.warren.deploy.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Updates in progress, in files beside the store: before a bundle is touched, what it is updated to
 * and the bytes of the version it runs are written and forced to the disk (each file written whole
 * under a temporary name, renamed, and the directory forced), and removed when the update ends
 * either way. The store keeps the same mark and every commit survives a kill -9, but H2 does not
 * force its commits to the disk: after a power cut or a kernel crash the store can come back
 * without its last commits, and these files are what lets the node put the version before back then.
 */
final class Journal {

  /** An update begun: the bundle, the digest and version it goes to, and the version before (digest, version, bytes). */
  record Entry(String bundle, String digest, String version, String before, String beforeVersion, String earlier,
      Optional<byte[]> beforeContent) {}

  private final Path dir;

  Journal(Path dir) {
    this.dir = dir;
  }

  void begin(String bundle, String digest, String version, DeployStore.Artifact before, String earlier)
      throws IOException {
    Files.createDirectories(dir);
    String name = Deployments.sha256(bundle.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    if (before != null) {
      write(dir.resolve(name + ".jar"), before.content());
    }
    Properties p = new Properties();
    p.setProperty("bundle", bundle);
    p.setProperty("digest", digest);
    p.setProperty("version", version);
    if (before != null) {
      p.setProperty("before", before.digest());
      p.setProperty("before.version", before.version());
    }
    if (earlier != null) {
      p.setProperty("earlier", earlier);
    }
    StringWriter text = new StringWriter();
    p.store(text, "an update of " + bundle + " in progress");
    write(dir.resolve(name + ".update"), text.toString().getBytes(StandardCharsets.UTF_8));
  }

  void end(String bundle) throws IOException {
    String name = Deployments.sha256(bundle.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    Files.deleteIfExists(dir.resolve(name + ".update"));
    Files.deleteIfExists(dir.resolve(name + ".jar"));
    // a removal lost to a power cut would undo an update that had ended
    forceDirectory(dir);
  }

  List<Entry> entries() throws IOException {
    List<Entry> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.update")) {
      for (Path f : ds) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          p.load(r);
        }
        Path jar = f.resolveSibling(f.getFileName().toString().replace(".update", ".jar"));
        Optional<byte[]> content = p.getProperty("before") != null && Files.isRegularFile(jar) ? Optional.of(Files
            .readAllBytes(jar)) : Optional.empty();
        // a jar whose bytes are not the recorded ones (cut short by the stop) is of no use
        content = content.filter(c -> Deployments.sha256(c).equals(p.getProperty("before")));
        out.add(new Entry(p.getProperty("bundle"), p.getProperty("digest"), p.getProperty("version", "?"), p
            .getProperty("before"),
            p.getProperty(
                "before.version", "?"),
            p.getProperty("earlier"), content));
      }
    }
    return out;
  }

  private static void write(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING); OutputStream o = java.nio.channels.Channels.newOutputStream(c)) {
      o.write(content);
      o.flush();
      c.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // the rename is in the directory, which a power cut can lose even though the file's bytes are forced
    forceDirectory(file.getParent());
  }

  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
