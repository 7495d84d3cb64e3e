package io.warren.files.command;

import io.warren.api.CommandRunner;
import io.warren.api.Json;
import io.warren.files.FileTransfers;
import io.warren.files.RemoteEntry;
import io.warren.files.Share;
import io.warren.files.Transfer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code files:} console scope: send files, answer offers, see transfers, share directories and get from shares. */
@Component(service = FilesCommands.class, property = {
    "osgi.command.scope=files",
    "osgi.command.function=send",
    "osgi.command.function=transfers",
    "osgi.command.function=cancel",
    "osgi.command.function=pending",
    "osgi.command.function=accept",
    "osgi.command.function=reject",
    "osgi.command.function=allow",
    "osgi.command.function=inbox",
    "osgi.command.function=share",
    "osgi.command.function=ls",
    "osgi.command.function=get"})
public final class FilesCommands {
  private static final long PROGRESS_MILLIS = 2000;
  private final FileTransfers files;

  @Activate
  public FilesCommands(@Reference FileTransfers files) {
    this.files = files;
  }

  @Descriptor("Fetches a file or a directory tree from another node's share into a local directory (the inbox by"
      + " default), verified and resumable like files:send; prints a progress line every 2 s until it is in place")
  public String get(CommandSession session,
      @Descriptor("return at once; files:transfers shows how it goes") @Parameter(names = {"-b", "--background"},
          presentValue = "true", absentValue = "false") boolean background,
      @Descriptor("the sharing node: a node name, peer ID, device callsign or npub") String peer,
      @Descriptor("share/path/in/it, as files:ls shows it") String path,
      @Descriptor("an absolute local directory (default: the inbox)") String... into) throws InterruptedException {
    if (into.length > 1) {
      throw new IllegalArgumentException("files:get <peer> <remote path> [local dir]: one local directory at most");
    }
    Transfer t = files.get(peer, path, into.length == 1 ? Path.of(into[0]) : null);
    return run(session, t, background, "from " + peer, "getting", "received");
  }

  @Descriptor("Lists what another node shares with this one: its shares, or a directory in one of them")
  public String ls(
      @Descriptor("a JSON array: kind, mode, bytes, modified, name") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("the sharing node: a node name, peer ID, device callsign or npub") String peer,
      @Descriptor("share/path/in/it (none: the shares)") String... path) {
    if (path.length > 1) {
      throw new IllegalArgumentException("files:ls <peer> [path]: one path at most");
    }
    List<RemoteEntry> all = files.list(peer, path.length == 1 ? path[0] : "");
    if (json) {
      List<Object> out = new ArrayList<>();
      for (RemoteEntry e : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", e.kind());
        m.put("mode", String.format("%04o", e.mode()));
        m.put("bytes", e.size());
        m.put("modified", e.modifiedMillis() == 0 ? null
            : Instant.ofEpochMilli(e.modifiedMillis()).truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("name", e.name());
        out.add(m);
      }
      return Json.write(out);
    }
    if (all.isEmpty()) {
      return path.length == 0 ? peer + " shares nothing with this node" : "empty";
    }
    StringBuilder b = new StringBuilder(String.format("%-5s %-4s %-12s %-20s %s%n", "KIND", "MODE", "BYTES",
        "MODIFIED", "NAME"));
    for (RemoteEntry e : all) {
      b.append(String.format("%-5s %04o %-12d %-20s %s%n", e.kind(), e.mode(), e.size(),
          e.modifiedMillis() == 0 ? "-" : Instant.ofEpochMilli(e.modifiedMillis()).truncatedTo(ChronoUnit.SECONDS),
          e.name()));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Manages directories this node exports read-only: add <dir> --to <peer|network> [--as name], list,"
      + " remove <name> [--to <peer|network>]")
  public String share(
      @Descriptor("add, remove: who (a peer as files:send names it, or network:<name>)") @Parameter(
          names = {"--to"}, absentValue = "") String to,
      @Descriptor("add: the share's name (default: the directory's)") @Parameter(names = {"--as"},
          absentValue = "") String as,
      @Descriptor("list: a JSON array of name, directory, givenTo") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("add, list or remove") String action,
      @Descriptor("add: the directory (absolute); remove: the share's name") String... args) {
    return switch (action) {
      case "add" -> {
        if (to.isEmpty()) {
          throw new IllegalArgumentException("expected files:share add <dir> --to <peer|network> [--as name]");
        }
        Share s = files.share(Path.of(one(args, "files:share add <dir> --to <peer|network>")), to,
            as.isEmpty() ? null : as);
        yield "share " + s.name() + " (" + s.dir() + ") is given to " + String.join(", ", s.to());
      }
      case "list" -> {
        List<Share> all = files.shares();
        if (json) {
          List<Object> out = new ArrayList<>();
          for (Share s : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("directory", s.dir().toString());
            m.put("givenTo", s.to());
            out.add(m);
          }
          yield Json.write(out);
        }
        if (all.isEmpty()) {
          yield "nothing is shared";
        }
        StringBuilder b = new StringBuilder(String.format("%-20s %-40s %s%n", "NAME", "DIRECTORY", "GIVEN TO"));
        for (Share s : all) {
          b.append(String.format("%-20s %-40s %s%n", s.name(), s.dir(), String.join(", ", s.to())));
        }
        yield b.toString().stripTrailing();
      }
      case "remove" -> {
        String name = one(args, "files:share remove <name> [--to <peer|network>]");
        if (!files.unshare(name, to.isEmpty() ? null : to)) {
          throw new IllegalArgumentException("no share " + name + (to.isEmpty() ? "" : " given to " + to)
              + " (files:share list shows them)");
        }
        yield to.isEmpty() ? "share " + name + " removed" : "share " + name + " no longer given to " + to;
      }
      default -> throw new IllegalArgumentException("expected add, list or remove, got '" + action + "'");
    };
  }

  @Descriptor("Sends files and directory trees (absolute paths on this node) to a peer, a node name or a device;"
      + " prints a progress line every 2 s until the receiver has verified them")
  public String send(CommandSession session,
      @Descriptor("the name the single path gets on the receiver") @Parameter(names = {"--as"},
          absentValue = "") String as,
      @Descriptor("return at once; files:transfers shows how it goes") @Parameter(names = {"-b", "--background"},
          presentValue = "true", absentValue = "false") boolean background,
      @Descriptor("the receiver: a node name, peer ID, device callsign or npub") String peer,
      @Descriptor("absolute paths of files or directories") String... paths) throws InterruptedException {
    if (paths.length == 0) {
      throw new IllegalArgumentException("files:send <peer> <path...> [--as name]: no path given");
    }
    Transfer t = files.send(peer, Arrays.stream(paths).map(Path::of).toList(), as.isEmpty() ? null : as);
    return run(session, t, background, "to " + peer, "sending", "sent");
  }

  /** Returns at once for {@code -b}, else shows progress until {@code t} is done and says how it went. */
  private String run(CommandSession session, Transfer t, boolean background, String where, String doing,
      String moved) throws InterruptedException {
    if (background) {
      return "transfer " + t.id() + ": " + t.label() + " (" + t.total() + " bytes) " + where;
    }
    System.out.println(doing + " " + t.label() + " (" + t.files() + " files, " + t.total() + " bytes) " + where
        + ", transfer " + t.id());
    t = follow(session, t);
    return "done: " + t.total() + " bytes (" + t.resumedFrom() + " held already, " + t.moved() + " " + moved
        + ") at " + mb(t.rate(System.currentTimeMillis())) + " MB/s, " + t.hash() + " " + t.checksum() + "; "
        + t.detail();
  }

  /** Shows progress until {@code t} ends; returns it done or throws saying how it ended. */
  private Transfer follow(CommandSession session, Transfer t) throws InterruptedException {
    PrintStream out = System.out;
    Consumer<String> show = shower(session, out);
    CompletableFuture<Transfer> done = t.done().toCompletableFuture();
    try {
      while (true) {
        try {
          t = done.get(PROGRESS_MILLIS, TimeUnit.MILLISECONDS);
          break;
        } catch (TimeoutException e) {
          String line = Progress.line(files.transfer(t.id()), System.currentTimeMillis());
          if (show != null) {
            show.accept(line);
          } else {
            out.println(line);
          }
        } catch (ExecutionException e) {
          throw new IllegalStateException("transfer " + t.id() + ": " + e.getCause(), e.getCause());
        }
      }
    } finally {
      if (show != null && session.get(CommandRunner.PROGRESS) == null) {
        out.println();
      }
    }
    if (!t.state().equals("done")) {
      throw new IllegalStateException("transfer " + t.id() + " " + t.state() + ": " + t.detail());
    }
    return t;
  }

  /**
   * Where progress is shown in place: what the way in offers ({@code warren client}, which draws it
   * on its terminal), or the node's own console when it is a terminal; null: plain lines.
   */
  @SuppressWarnings("unchecked")
  private static Consumer<String> shower(CommandSession session, PrintStream out) {
    if (session == null) {
      return null;
    }
    if (session.get(CommandRunner.PROGRESS) instanceof Consumer<?> c) {
      return (Consumer<String>) c;
    }
    Object terminal = session.get(".terminal"); // gogo.jline's console sets it to its JLine terminal
    if (terminal != null && !terminal.toString().toLowerCase(Locale.ROOT).contains("dumb")) {
      return line -> {
        out.print("\r" + Progress.bar(line) + "\033[K");
        out.flush();
      };
    }
    return null;
  }

  private static String mb(double bytesPerSecond) {
    return Progress.mb(bytesPerSecond);
  }

  @Descriptor("Lists transfers, running and finished, both ways: bytes, rate, time left of running ones, the hash"
      + " that verifies them and the final checksum")
  public String transfers(
      @Descriptor("a JSON array: id, state, direction, peer, name, files, total, resumedFrom, moved, "
          + "bytesPerSecond, hash, checksum, detail") @Parameter(names = {"--json"}, presentValue = "true",
              absentValue = "false") boolean json) {
    List<Transfer> all = files.transfers();
    if (json) {
      long now = System.currentTimeMillis();
      List<Object> out = new ArrayList<>();
      for (Transfer t : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("state", t.state());
        m.put("direction", t.outgoing() ? "out" : "in");
        m.put("peer", t.peer());
        m.put("name", t.label());
        m.put("files", t.files());
        m.put("total", t.total());
        m.put("resumedFrom", t.resumedFrom());
        m.put("moved", t.moved());
        m.put("bytesPerSecond", t.rate(now));
        m.put("hash", t.hash());
        m.put("checksum", t.checksum().isEmpty() ? null : t.checksum());
        m.put("detail", t.detail());
        out.add(m);
      }
      return Json.write(out);
    }
    if (all.isEmpty()) {
      return "no transfers";
    }
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder(String.format("%-32s %-11s %-3s %-12s %-12s %-12s %-8s %-6s %-64s %-8s %s%n",
        "ID", "STATE", "DIR", "TOTAL", "RESUMED", "MOVED", "MB/S", "HASH", "CHECKSUM", "ETA", "NAME / DETAIL"));
    for (Transfer t : all) {
      long eta = t.etaSeconds(now);
      b.append(String.format("%-32s %-11s %-3s %-12d %-12d %-12d %-8s %-6s %-64s %-8s %s%s%n", t.id(), t.state(),
          t.outgoing() ? "out" : "in", t.total(), t.resumedFrom(), t.moved(), mb(t.rate(now)), t.hash(),
          t.checksum().isEmpty() ? "-" : t.checksum(), eta < 0 ? "-" : Progress.clock(eta), t.label(),
          t.detail().isEmpty() ? "" : " | " + t.detail()));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Stops a transfer; what the receiver holds stays for a later resume")
  public String cancel(@Descriptor("the transfer's id or the start of it") String id) {
    if (!files.cancel(id)) {
      throw new IllegalArgumentException("no running transfer " + id + " (files:transfers lists them)");
    }
    return "transfer " + id + " cancelled";
  }

  @Descriptor("Lists offers waiting for files:accept or files:reject")
  public String pending(@Descriptor("a JSON array: id, bytes, files, peer, name") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json) {
    List<Transfer> all = files.pending();
    if (json) {
      List<Object> out = new ArrayList<>();
      for (Transfer t : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("bytes", t.total());
        m.put("files", t.files());
        m.put("peer", t.peer());
        m.put("name", t.label());
        out.add(m);
      }
      return Json.write(out);
    }
    if (all.isEmpty()) {
      return "no offers wait";
    }
    StringBuilder b = new StringBuilder(String.format("%-32s %-12s %-6s %s%n", "ID", "BYTES", "FILES", "FROM / NAME"));
    for (Transfer t : all) {
      b.append(String.format("%-32s %-12d %-6d %s %s%n", t.id(), t.total(), t.files(), t.peer(), t.label()));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Accepts a waiting offer: its files land in the inbox")
  public String accept(@Descriptor("the offer's id or the start of it") String id) {
    if (!files.accept(id)) {
      throw new IllegalArgumentException("no offer " + id + " waits (files:pending lists them)");
    }
    return "accepted " + id + " into " + files.inbox();
  }

  @Descriptor("Declines a waiting offer")
  public String reject(@Descriptor("the offer's id or the start of it") String id) {
    if (!files.reject(id)) {
      throw new IllegalArgumentException("no offer " + id + " waits (files:pending lists them)");
    }
    return "rejected " + id;
  }

  @Descriptor("Manages peers whose offers are accepted without asking: add <peer>, list, remove <peer>")
  public String allow(
      @Descriptor("list: a JSON array of peers") @Parameter(names = {"--json"}, presentValue = "true",
          absentValue = "false") boolean json,
      @Descriptor("add, list or remove") String action,
      @Descriptor("add, remove: the peer (node name, peer ID, device)") String... args) {
    return switch (action) {
      case "add" -> "offers from " + files.allow(one(args, "files:allow add <peer>")) + " are accepted into "
          + files.inbox();
      case "list" -> {
        List<String> all = files.allowed();
        if (json) {
          yield Json.write(all);
        }
        yield all.isEmpty() ? "no peer is allowed: every offer waits for files:accept" : String.join("\n", all);
      }
      case "remove" -> {
        String peer = one(args, "files:allow remove <peer>");
        if (!files.disallow(peer)) {
          throw new IllegalArgumentException(peer + " is not allowed (files:allow list shows who is)");
        }
        yield "offers from " + peer + " wait for files:accept again";
      }
      default -> throw new IllegalArgumentException("expected add, list or remove, got '" + action + "'");
    };
  }

  @Descriptor("Shows the directory received files land in")
  public String inbox() {
    return files.inbox().toString();
  }

  private static String one(String[] args, String usage) {
    if (args.length != 1) {
      throw new IllegalArgumentException("expected " + usage);
    }
    return args[0];
  }
}
