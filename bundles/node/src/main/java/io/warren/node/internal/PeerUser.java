package io.warren.node.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The local OS user behind a loopback TCP connection, for the console's login limits: the user
 * owning the client's socket, as Linux lists it in {@code /proc/net/tcp} and {@code /proc/net/tcp6}
 * (a client can pick a fresh port for every attempt, not a fresh user). Empty where the table is
 * not there or the socket is gone.
 */
final class PeerUser {
  private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp6"), Path.of("/proc/net/tcp"));

  private PeerUser() {}

  /** The uid owning the socket whose local port is {@code clientPort} connected to {@code serverPort}. */
  static Optional<Integer> uid(int clientPort, int serverPort) {
    for (Path table : TABLES) {
      try {
        Optional<Integer> uid = find(Files.readAllLines(table), clientPort, serverPort);
        if (uid.isPresent()) {
          return uid;
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or no such table: the caller falls back to one key for every local client
      }
    }
    return Optional.empty();
  }

  /** Finds the line {@code sl local rem st ... uid} of the client's socket in one table. */
  static Optional<Integer> find(List<String> lines, int clientPort, int serverPort) {
    String local = ":" + String.format(Locale.ROOT, "%04X", clientPort);
    String remote = ":" + String.format(Locale.ROOT, "%04X", serverPort);
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 7 && f[1].endsWith(local) && f[2].endsWith(remote) && f[3].equals("01")) {
        return Optional.of(Integer.parseInt(f[7]));
      }
    }
    return Optional.empty();
  }
}
