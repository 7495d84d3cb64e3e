package io.warren.files.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A path a getter asked for, inside one share. What it names is resolved to its real path (every
 * symbolic link followed) and must lie in the share's real directory; {@code ..}, absolute paths,
 * links that lead out and devices, pipes and sockets are refused with a message that names the
 * share, never where it lives on this node's disk.
 *
 * @param share the share's name
 * @param root the share's real directory
 * @param asked the path in the share as asked ("" for the share itself)
 * @param real the real path it names, inside {@code root}
 */
record Confined(String share, Path root, String asked, Path real) {

  /** Refused: the message goes back to the getter as it is. */
  static final class Outside extends Exception {
    private static final long serialVersionUID = 1L;

    Outside(String message) {
      super(message);
    }
  }

  static Confined of(String share, Path dir, String asked) throws Outside, IOException {
    String shown = share + (asked.isEmpty() ? "" : "/" + asked);
    if (asked.startsWith("/")) {
      throw new Outside("refused: '" + shown + "' holds an absolute path");
    }
    for (String part : asked.split("/", -1)) {
      if (part.equals("..")) {
        throw new Outside("refused: '" + shown + "' has a '..' part (paths stay inside the share)");
      }
    }
    String why = asked.isEmpty() ? null : Names.refusal(asked);
    if (why != null) {
      throw new Outside("refused: " + why);
    }
    Path root;
    try {
      root = dir.toRealPath();
    } catch (NoSuchFileException e) {
      throw new Outside("share " + share + " is not there any more on the sharing node");
    }
    Path real;
    try {
      real = asked.isEmpty() ? root : root.resolve(asked).toRealPath();
    } catch (NoSuchFileException e) {
      throw new Outside("no such file or directory: " + shown);
    }
    if (!real.startsWith(root)) {
      throw new Outside("refused: '" + shown + "' is a symbolic link that leads out of the share");
    }
    if (!Files.isRegularFile(real) && !Files.isDirectory(real)) {
      throw new Outside("refused: '" + shown + "' is a device, pipe or socket (only files and directories are served)");
    }
    return new Confined(share, root, asked, real);
  }

  /** The entries of the directory (or the one file) asked for, by name; links are listed, not followed. */
  List<Wire.Listed> list() throws IOException {
    List<Wire.Listed> out = new ArrayList<>();
    if (!Files.isDirectory(real)) {
      out.add(listed(real, real.getFileName().toString()));
      return out;
    }
    try (var children = Files.list(real)) {
      for (Path p : children.sorted(Comparator.comparing(Path::toString)).toList()) {
        if (p.getFileName().toString().equals(Names.STAGING)) {
          continue;
        }
        out.add(listed(p, p.getFileName().toString()));
      }
    }
    return out;
  }

  private static Wire.Listed listed(Path p, String name) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int kind = a.isRegularFile() ? 0 : a.isDirectory() ? 1 : a.isSymbolicLink() ? 2 : 3;
    int mode = kind == 2 ? 0777 : Sources.mode(p);
    return new Wire.Listed(kind, name, kind == 0 ? a.size() : 0, mode, a.lastModifiedTime().toMillis());
  }

  /**
   * What a get of this path offers: the file or the tree under the name asked for (the share's name
   * for the share itself). A link or device inside a tree refuses the whole get.
   */
  Sources.Built offer(int chunk) throws Outside, IOException {
    String name = asked.isEmpty() ? share : asked.substring(asked.lastIndexOf('/') + 1);
    try {
      return Sources.build(List.of(real), name, chunk);
    } catch (IllegalArgumentException e) {
      // Sources names local paths: say them as the getter sees them
      String m = String.valueOf(e.getMessage()).replace(root.toString(), share);
      throw new Outside("refused: "
          + m.replace("(not sent; give what it points to)", "(links in a tree are not served; get what it points to)"));
    }
  }
}
