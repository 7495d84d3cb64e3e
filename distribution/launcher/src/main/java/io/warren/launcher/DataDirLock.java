package io.warren.launcher;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** One node per data directory: an OS file lock on {@code <data>/lock}, held while the node runs. */
final class DataDirLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DataDirLock acquire(Path dataDir) throws UsageException, IOException {
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new UsageException("data directory " + dataDir + " is a file, not a directory");
    }
    if (!Files.exists(dataDir)) {
      Files.createDirectories(dataDir.getParent());
      Files.createDirectory(dataDir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (!Files.isWritable(dataDir)) {
      throw new UsageException("data directory " + dataDir + " is not writable by this user");
    }
    Path file = dataDir.resolve("lock");
    FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock = ch.tryLock();
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
      ch.close();
      throw new UsageException("data directory " + dataDir + " is in use by another Warren node"
          + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it or pass another --data-dir");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
    ch.force(false);
    return new DataDirLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
