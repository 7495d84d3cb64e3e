package io.warren.files.internal;

import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** What {@code files:send} offers: the files and directory trees given, each file hashed whole. */
final class Sources {
  /** An offer and, for each entry, the local path it is read from. */
  record Built(Wire.Offer offer, List<Path> paths) {
    /** The same files offered as version 1 (SHA-256 only). */
    Built sha256Only() {
      return new Built(offer.sha256Only(), paths);
    }
  }

  static Built build(List<Path> roots, String as, int chunk) throws IOException {
    return build(roots, as, chunk, Hash.SHA256);
  }

  /**
   * The offer of {@code roots}: version 1 (SHA-256) for {@code hash} SHA-256, else version 2 offering
   * {@code hash} first and SHA-256 as the fallback, each file hashed both ways in one read.
   */
  static Built build(List<Path> roots, String as, int chunk, Hash hash) throws IOException {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("no path given");
    }
    if (as != null && roots.size() != 1) {
      throw new IllegalArgumentException("--as renames one path, " + roots.size() + " were given");
    }
    List<Wire.Entry> entries = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocateDirect(Wire.MAX_CHUNK);
    for (Path root : roots) {
      if (!root.isAbsolute()) {
        throw new IllegalArgumentException(root + " is not absolute (the node reads it, not the console)");
      }
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalArgumentException("no such file or directory: " + root);
      }
      String top = as != null ? as : root.getFileName().toString();
      String why = Names.refusal(top);
      if (why != null || top.contains("/")) {
        throw new IllegalArgumentException("cannot send as " + top + (why == null ? "" : ": " + why));
      }
      List<Path> tree;
      try (var walk = Files.walk(root)) {
        tree = walk.sorted().toList();
      }
      for (Path p : tree) {
        String name = root.equals(p) ? top : top + "/" + separated(root.relativize(p));
        if (Files.isSymbolicLink(p)) {
          throw new IllegalArgumentException(p + " is a symbolic link (not sent; give what it points to)");
        }
        int mode = mode(p);
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          entries.add(new Wire.Entry(name, true, 0, mode, new byte[Hash.BYTES], new byte[Hash.BYTES]));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          byte[][] d = hash(p, buf, hash);
          entries.add(new Wire.Entry(name, false, Files.size(p), mode, d[0], d[1]));
        } else {
          throw new IllegalArgumentException(
              p + " is neither a file nor a directory (devices, pipes and sockets are not sent)");
        }
        paths.add(p);
      }
    }
    if (entries.size() > Wire.MAX_ENTRIES) {
      throw new IllegalArgumentException(entries.size() + " entries; one transfer holds at most " + Wire.MAX_ENTRIES);
    }
    String why = Names.refusal(entries);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    Wire.Offer offer = hash == Hash.SHA256 ? new Wire.Offer(Wire.VERSION, chunk, List.copyOf(entries))
        : new Wire.Offer(Wire.VERSION_HASHES, chunk, List.of(hash, Hash.SHA256), List.copyOf(entries));
    try {
      Wire.payload(offer);
    } catch (BufferOverflowException e) {
      throw new IllegalArgumentException("the list of " + entries.size() + " names is longer than an offer holds ("
          + Wire.MAX_CONTROL + " bytes); send fewer at once", e);
    }
    return new Built(offer, List.copyOf(paths));
  }

  private static String separated(Path relative) {
    List<String> parts = new ArrayList<>();
    relative.forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }

  static int mode(Path p) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      int m = 0;
      for (PosixFilePermission x : perms) {
        m |= 1 << (8 - x.ordinal());
      }
      return m;
    } catch (UnsupportedOperationException e) {
      return Files.isDirectory(p) ? 0755 : 0644;
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    return Set.of(PosixFilePermission.values()).stream().filter(x -> (mode & (1 << (8 - x.ordinal()))) != 0)
        .collect(Collectors.toSet());
  }

  /** The SHA-256 of {@code p} and, unless {@code also} is SHA-256, its digest in {@code also} (else null). */
  static byte[][] hash(Path p, ByteBuffer buf, Hash also) throws IOException {
    Hash.Hasher d = Hash.SHA256.hasher();
    Hash.Hasher other = also == Hash.SHA256 ? null : also.hasher();
    try (FileChannel fc = FileChannel.open(p, StandardOpenOption.READ)) {
      buf.clear();
      while (fc.read(buf) >= 0) {
        buf.flip();
        if (other != null) {
          other.update(buf.duplicate());
        }
        d.update(buf);
        buf.clear();
      }
    }
    return new byte[][] {d.digest(), other == null ? null : other.digest()};
  }

  private Sources() {}
}
