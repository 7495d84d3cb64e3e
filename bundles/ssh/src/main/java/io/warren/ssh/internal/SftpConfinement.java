package io.warren.ssh.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * Keeps SFTP inside its directory. MINA SSHD's rooted file system (VirtualFileSystemFactory) keeps
 * {@code ..} and absolute paths inside, but follows symbolic links out of it (a link to a file or
 * folder outside was read, listed and written through in 2.20.0). So every path a request names is
 * checked here after MINA resolved it: its real path (that of its nearest existing folder, for a
 * path to be created) must lie in the directory. SFTP makes no symbolic links either, as their
 * target would be read on the node's file system.
 */
final class SftpConfinement implements SftpFileSystemAccessor {
  private final Path directory;

  /** @param directory the directory's real path */
  SftpConfinement(Path directory) {
    this.directory = directory;
  }

  @Override
  public Path resolveLocalFilePath(SftpSubsystemProxy subsystem, Path rootDir, String remotePath)
      throws IOException, InvalidPathException {
    Path rooted = SftpFileSystemAccessor.super.resolveLocalFilePath(subsystem, rootDir, remotePath);
    Path relative = rooted.getRoot() == null ? rooted : rooted.getRoot().relativize(rooted.normalize());
    Path local = directory.resolve(relative.toString()).normalize();
    if (!inside(local)) {
      throw new AccessDeniedException(remotePath, null, "outside the SFTP directory");
    }
    return rooted;
  }

  /** Whether {@code local}'s real path, or that of its nearest existing ancestor, is in the directory. */
  boolean inside(Path local) throws IOException {
    if (!local.startsWith(directory)) {
      return false;
    }
    Path existing = local;
    while (existing != null && !Files.exists(existing) && !Files.isSymbolicLink(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return false;
    }
    try {
      return existing.toRealPath().startsWith(directory);
    } catch (NoSuchFileException e) {
      return false; // a dangling link: where it points is not for us to create
    }
  }

  @Override
  public void createLink(SftpSubsystemProxy subsystem, Path link, Path existing, boolean symLink) throws IOException {
    if (symLink) {
      throw new AccessDeniedException(link.toString(), null, "SFTP on this node makes no symbolic links");
    }
    SftpFileSystemAccessor.super.createLink(subsystem, link, existing, symLink);
  }
}
