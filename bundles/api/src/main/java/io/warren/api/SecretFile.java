package io.warren.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A small file holding a secret (key material, a console token), readable only by its owner and
 * replaced atomically: written to a temporary file created owner-only (never readable by others,
 * not even for a moment), then renamed over the old one, so a crash leaves either the old file or
 * the new one, never half of one.
 */
public final class SecretFile {
  private SecretFile() {}

  /**
   * Replaces {@code file} with {@code text} (UTF-8); creates its parent directories as needed.
   * {@code durable} forces the bytes to disk before the rename and the directory after it (a key
   * that must survive a power loss); a file made again at every start need not pay for that on the
   * start path.
   */
  public static void write(Path file, String text, boolean durable) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(tmp); // not a POSIX file system: its own access rules apply
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      if (durable) {
        ch.force(true);
      }
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    if (durable) {
      forceDirectory(dir);
    }
  }

  /**
   * Makes the rename itself durable: until the directory's entry is on disk, a power loss can leave
   * the old file, or none where there was none, however forced the new bytes are. Windows cannot open
   * a directory as a file and orders its renames itself; everywhere else a failure is reported.
   */
  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      }
    }
  }
}
