package io.warren.libp2p.internal;

import io.warren.libp2p.internal.multiformats.Multiaddr;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's listen ports across restarts: a configured {@code /tcp/0} takes the port it got
 * last time when that port is free, so other nodes' stored addresses stay right (two members that
 * restart together still find each other). The ports live in {@code <data>/libp2p/listen-ports},
 * one per configured address, in order. A port another process holds is never shared: the
 * listener binds with SO_REUSEPORT, so freeness is tested with a plain socket first.
 */
final class ListenPorts {
  private static final Logger LOG = LoggerFactory.getLogger(ListenPorts.class);
  private static final Pattern TCP_ZERO = Pattern.compile("/tcp/0(?=/|$)");

  private final Path file;

  ListenPorts(Path dataDir) {
    this.file = dataDir == null ? null : dataDir.resolve("libp2p").resolve("listen-ports");
  }

  /** {@code configured}, with each {@code /tcp/0} replaced by its remembered port when that is free. */
  String[] apply(String[] configured) {
    List<String> remembered = read();
    String[] out = configured.clone();
    List<String> flat = flatten(configured);
    if (flat.size() != remembered.size()) {
      return out;
    }
    List<String> chosen = new ArrayList<>();
    for (int i = 0; i < flat.size(); i++) {
      String a = flat.get(i);
      Matcher m = TCP_ZERO.matcher(a);
      String port = remembered.get(i);
      if (m.find() && port.matches("\\d{1,5}") && free(a, Integer.parseInt(port))) {
        chosen.add(m.replaceFirst("/tcp/" + port));
      } else {
        chosen.add(a);
      }
    }
    return chosen.toArray(String[]::new);
  }

  /** Remembers the ports bound for {@code configured} (one per configured address, in order). */
  void remember(String[] configured, List<Integer> bound) {
    if (file == null) {
      return;
    }
    List<String> flat = flatten(configured);
    if (flat.isEmpty() || bound.size() < flat.size()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < flat.size(); i++) {
      b.append(bound.get(i)).append('\n');
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("listen-ports.tmp");
      Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.debug("libp2p: cannot remember the listen ports in {}: {}", file, e.toString());
    }
  }

  private List<String> read() {
    if (file == null || !Files.isRegularFile(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty())
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static List<String> flatten(String[] configured) {
    List<String> out = new ArrayList<>();
    for (String a : String.join(",", configured).split(",")) {
      if (!a.isBlank()) {
        out.add(a.strip());
      }
    }
    return out;
  }

  /** Whether a socket without SO_REUSEPORT can bind {@code port} on the address of {@code multiaddr}. */
  private static boolean free(String multiaddr, int port) {
    if (port < 1 || port > 65535) {
      return false;
    }
    try {
      Multiaddr m = Multiaddr.fromString(multiaddr);
      String host = m.toString().split("/")[2];
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true); // over TIME_WAIT left by our own last run, never over a listener
        s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        return true;
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
