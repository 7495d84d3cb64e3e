package io.warren.identity.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * A small properties file holding secret key material, readable only by the owner, written
 * atomically (temporary file, fsync, rename) so a crash never leaves half a key behind.
 */
final class KeyFile {
  private KeyFile() {}

  static Properties read(Path file) throws IOException {
    Properties p = new Properties();
    try (StringReader r = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
      p.load(r);
    }
    return p;
  }

  static void write(Path file, String comment, Properties values) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    createPrivateDirectory(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
        OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
      values.store(out, comment);
      out.flush();
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void createPrivateDirectory(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // keep what the operator set up
    }
  }
}
