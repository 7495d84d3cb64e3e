package io.warren.files.internal;

import io.warren.api.NetworkMembers;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Stream;
import io.warren.files.Share;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares, both ends. Serving: a {@link Wire#REQUEST} is answered only for shares given to the
 * stream's authenticated peer (or to a network it proved membership of), each path {@link Confined}
 * to its share; a get is then a {@link Sender} run the other way. Getting: a {@link Receiver} into a
 * local directory, retried after a broken connection like a send, so a get resumes where it stopped.
 */
final class Sharing {
  private static final Logger LOG = LoggerFactory.getLogger(Sharing.class);
  /** Prefix of a share's grantee that names a network. */
  static final String NETWORK = "network:";

  /** Where the component keeps transfers it shows in files:transfers. */
  interface Registry {
    void started(Live live);

    void finished(Live live);
  }

  private final FilesStore db;
  private final PeerDirectory directory;
  private final Settings settings;
  private final Supplier<NetworkMembers> members;
  private final Limiter sendLimit;
  private final Limiter receiveLimit;
  private final Registry registry;

  Sharing(FilesStore db, PeerDirectory directory, Settings settings, Supplier<NetworkMembers> members,
      Limiter sendLimit, Limiter receiveLimit, Registry registry) {
    this.db = db;
    this.directory = directory;
    this.settings = settings;
    this.members = members;
    this.sendLimit = sendLimit;
    this.receiveLimit = receiveLimit;
    this.registry = registry;
  }

  // --- serving

  /** Whether {@code from} may list and get {@code share}. */
  boolean given(Share share, PeerRef from) {
    NetworkMembers m = members.get();
    for (String to : share.to()) {
      if (to.equals(from.toString())) {
        return true;
      }
      if (to.startsWith(NETWORK) && m != null && m.network().map(n -> to.equals(NETWORK + n)).orElse(false)
          && m.isMember(from)) {
        return true;
      }
    }
    return false;
  }

  /** The shares {@code from} may see. */
  List<Share> given(PeerRef from) {
    return db.shares().stream().filter(s -> given(s, from)).toList();
  }

  /** {@code path} ({@code share/in/it}) confined to a share given to {@code from}. */
  Confined confine(PeerRef from, String path) throws Confined.Outside, IOException {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    int slash = p.indexOf('/');
    String name = slash < 0 ? p : p.substring(0, slash);
    String rest = slash < 0 ? "" : p.substring(slash + 1);
    if (name.isEmpty() || name.equals("..") || name.equals(".")) {
      throw new Confined.Outside("refused: '" + path + "' does not start with a share's name");
    }
    for (Share s : given(from)) {
      if (s.name().equals(name)) {
        return Confined.of(name, s.dir(), rest);
      }
    }
    throw new Confined.Outside("no share '" + name + "' is given to you (files:ls <peer> lists those that are)");
  }

  /** Answers the request just read from {@code frames}; ends that stream. */
  void serve(PeerRef from, Frames frames) throws IOException, InterruptedException {
    Wire.Request q = Wire.request(frames.payload(), frames.length());
    Sources.Built built;
    try {
      if (q.op() == Wire.LIST && q.path().isEmpty()) {
        List<Wire.Listed> out = new ArrayList<>();
        for (Share s : given(from)) {
          long modified = Files.isDirectory(s.dir()) ? Files.getLastModifiedTime(s.dir()).toMillis() : 0;
          out.add(new Wire.Listed(1, s.name(), 0, Sources.mode(s.dir()), modified));
        }
        frames.send(Wire.LISTING, Wire.payload(out));
        frames.finish();
        return;
      }
      Confined c = confine(from, q.path());
      if (q.op() == Wire.LIST) {
        frames.send(Wire.LISTING, Wire.payload(c.list()));
        frames.finish();
        return;
      }
      built = c.offer(settings.chunkBytes());
    } catch (Confined.Outside e) {
      LOG.info("files: {} asked for '{}': {}", from, q.path(), e.getMessage());
      frames.send(Wire.ABORT, Wire.abort(e.getMessage()));
      frames.finish();
      return;
    }
    Wire.Offer offer = built.offer();
    Live live = new Live(offer.id(), true, from.toString(), offer.label(), offer.files(), offer.total(), "offered");
    live.verifiedBy(offer.hashes().get(0), offer.entries());
    live.canceller = frames::abort;
    registry.started(live);
    try {
      String saved =
          new Sender(built, frames, live, sendLimit.of(from.toString()), settings.idleMillis(), settings.idleMillis())
              .run();
      live.end("done", "got by the peer: " + saved);
    } catch (Sender.OlderReceiver e) {
      // shares offer version 1 (SHA-256), which every getter takes: not reached
      live.end("failed", e.getMessage());
    } catch (Refused e) {
      live.end(e.state, e.getMessage());
    } catch (ProtocolException e) {
      live.end("failed", e.getMessage());
      throw e;
    } catch (IOException | RuntimeException e) {
      live.end(live.cancelled ? "cancelled" : "interrupted", String.valueOf(e.getMessage()));
      throw e;
    } finally {
      registry.finished(live);
    }
  }

  // --- getting

  /** Asks {@code peer} for a listing of {@code path}. */
  Wire.Listing list(PeerRef peer, String path) throws IOException {
    try (Frames frames = open(peer)) {
      frames.send(Wire.REQUEST, Wire.payload(new Wire.Request(Wire.LIST, path)));
      int type = frames.next(settings.idleMillis());
      if (type == Wire.ABORT) {
        throw new IllegalArgumentException(peer + ": " + Wire.abortReason(frames.payload(), frames.length()));
      }
      if (type != Wire.LISTING) {
        throw new ProtocolException("files: frame type " + type + " where a listing was expected");
      }
      return Wire.listing(frames.payload(), frames.length());
    }
  }

  private Frames open(PeerRef peer) throws IOException {
    try {
      Stream s = directory.open(peer, Wire.PROTOCOL).toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new StreamFrames(s);
    } catch (ExecutionException e) {
      throw new IOException("files: cannot reach " + peer + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("files: cannot reach " + peer + " in 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("files: interrupted", e);
    }
  }

  /**
   * Gets {@code path} from {@code peer} into {@code into}, attempt after attempt until it ends or
   * {@code retry.seconds} have passed (before the sharer offered it, only a busy sharer is tried again). {@code first} completes with the transfer once the sharer
   * offered it, or with an {@link IllegalArgumentException} when it refused.
   */
  void fetch(PeerRef peer, String path, Path into, CompletableFuture<Live> first) {
    long deadline = System.currentTimeMillis() + settings.retryMillis();
    long backoff = 500;
    Live[] live = new Live[1];
    while (true) {
      Frames frames = null;
      try {
        frames = open(peer);
        Frames f = frames;
        frames.send(Wire.REQUEST, Wire.payload(new Wire.Request(Wire.GET, path)));
        int type = frames.next(settings.pendingMillis() + settings.idleMillis());
        if (type == Wire.ABORT) {
          String why = Wire.abortReason(frames.payload(), frames.length());
          if (why.startsWith(Wire.BUSY)) {
            throw new IOException("files: the sharer is " + why);
          }
          if (live[0] == null) {
            first.completeExceptionally(new IllegalArgumentException(peer + ": " + why));
            return;
          }
          // it was offered before: the sharer may be starting again with its shares not read yet
          throw new IOException("files: the sharer refused: " + why);
        }
        Receiver r = new Receiver(into, peer.toString(), frames, offer -> {
          if (live[0] != null && live[0].id.equals(offer.id())) {
            live[0].moved.set(0);
          } else {
            if (live[0] != null) {
              live[0].end("failed", "the shared files changed while they were got; got again as " + offer.id());
              registry.finished(live[0]);
            }
            live[0] = new Live(offer.id(), false, peer.toString(), offer.label(), offer.files(), offer.total(),
                "checking");
            live[0].verifiedBy(offer.hashes().get(0), offer.entries());
            registry.started(live[0]);
            first.complete(live[0]);
          }
          live[0].canceller = f::abort;
          return live[0];
        }, (o, l, fr) -> null, receiveLimit.of(peer.toString()), settings.idleMillis());
        r.offered(type);
        if (live[0].ended > 0) {
          break;
        }
      } catch (ProtocolException e) {
        fail(first, live[0], e.getMessage());
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(first, live[0], "the node stopped");
        break;
      } catch (IOException | RuntimeException e) {
        Live l = live[0];
        if (l != null && l.cancelled) {
          l.end("cancelled", "cancelled");
          break;
        }
        String why = String.valueOf(e.getMessage());
        if (l == null && !why.contains(Wire.BUSY)) {
          // nothing offered yet: whoever typed files:get hears why now rather than after retry.seconds
          fail(first, null, why);
          break;
        }
        if (System.currentTimeMillis() + backoff > deadline) {
          fail(first, l, why + (settings.retryMillis() > 0 ? " (retried for " + settings.retryMillis() / 1000 + " s)"
              : ""));
          break;
        }
        LOG.info("files: getting {} from {} broke ({}); retrying", path, peer, why);
        if (l != null) {
          l.state = "retrying";
          l.detail = why;
          if (!Attempts.pause(l, backoff)) {
            break;
          }
        } else {
          try {
            Thread.sleep(backoff);
          } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            fail(first, null, "the node stopped");
            break;
          }
        }
        backoff = Math.min(backoff * 2, 5_000);
      } finally {
        if (frames != null) {
          frames.close();
        }
      }
    }
    if (live[0] != null) {
      live[0].end("cancelled", "cancelled");
      registry.finished(live[0]);
    }
  }

  private static void fail(CompletableFuture<Live> first, Live live, String why) {
    if (live == null) {
      first.completeExceptionally(new IllegalArgumentException(why));
    } else {
      live.end("failed", why);
    }
  }
}
