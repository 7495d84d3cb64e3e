package io.warren.files.internal;

import io.netty.channel.ChannelFutureListener;
import io.warren.api.NetworkMembers;
import io.warren.api.NodeProperties;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.ProtocolException;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Threads;
import io.warren.files.FileTransfers;
import io.warren.files.RemoteEntry;
import io.warren.files.Share;
import io.warren.files.Transfer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files component: serves {@value Wire#PROTOCOL} on every transport, sends on
 * {@link #send}. Each transfer runs its blocking protocol code on a worker of its own (incoming and
 * outgoing ones each limited), so event loops only move bytes.
 */
@Component(service = {FileTransfers.class, StreamHandler.class}, immediate = true,
    configurationPid = "io.warren.files", property = StreamHandler.PROTOCOL + "=" + Wire.PROTOCOL)
@Designate(ocd = FilesService.Config.class)
public final class FilesService implements FileTransfers, StreamHandler {

  @ObjectClassDefinition(name = "Warren files", description = "File transfer between nodes and devices")
  public @interface Config {
    @AttributeDefinition(description = "Directory received files land in (empty: inbox in the node's data directory)")
    String inbox() default "";

    @AttributeDefinition(description = "Chunk size of files sent, in KiB (4-1024); each chunk carries its digest")
    int chunk_kib() default 256;

    @AttributeDefinition(description = "Hash that verifies the chunks and files this node sends: sha256, which every"
        + " node takes, or blake3, offered first with sha256 as the fallback for receivers that do not take it")
    String hash() default "sha256";

    @AttributeDefinition(description = "Seconds a send keeps retrying after its connection broke (0: no retry)")
    int retry_seconds() default 300;

    @AttributeDefinition(
        description = "Seconds an offer from a peer not allowed (files:allow) waits for files:accept before it is declined")
    int pending_timeout_seconds() default 600;

    @AttributeDefinition(
        description = "Offers waiting for files:accept at once (each holds one of max.incoming); one more is declined")
    int max_pending() default 4;

    @AttributeDefinition(description = "Transfers received at once; one more is refused as busy")
    int max_incoming() default 8;

    @AttributeDefinition(description = "Transfers sent at once; one more is refused")
    int max_outgoing() default 8;

    @AttributeDefinition(
        description = "Seconds without a byte from the other side before a transfer's connection counts as broken")
    int idle_timeout_seconds() default 60;

    @AttributeDefinition(description = "KiB per second all outgoing transfers together may send (0: no limit)")
    long send_rate_kib() default 0;

    @AttributeDefinition(description = "KiB per second all incoming transfers together may receive (0: no limit)")
    long receive_rate_kib() default 0;

    @AttributeDefinition(
        description = "KiB per second the transfers to one peer may send, and those from one peer receive (0: no limit)")
    long peer_rate_kib() default 0;
  }

  private static final Logger LOG = LoggerFactory.getLogger(FilesService.class);
  /** Transfers one peer may have coming in at once (a retry may overlap the attempt it replaces). */
  static final int MAX_PER_PEER = 2;

  private record Pending(Live live, CompletableFuture<Boolean> answer) {}

  private record Incoming(Live live, Frames frames) {}

  private final Settings settings;
  private final FilesStore db;
  private final PeerDirectory directory;
  private final Limiter sendLimit;
  private final Limiter receiveLimit;
  private final Semaphore incoming;
  private final Semaphore outgoing;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService saver;
  private ScheduledFuture<?> saving; // guarded by this
  private final Map<String, Live> running = new ConcurrentHashMap<>();
  private final Map<String, Incoming> receiving = new ConcurrentHashMap<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, Integer> perPeer = new ConcurrentHashMap<>();
  private final Sharing sharing;
  /** The federation's view of this node's network: shares given to a network need it. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY) private volatile NetworkMembers members;

  @Activate
  public FilesService(@Reference Store store, @Reference PeerDirectory directory, BundleContext context,
      Config config) throws IOException {
    this.settings = Settings.of(config, context.getProperty(NodeProperties.DATA_DIR));
    this.db = new FilesStore(store);
    this.directory = directory;
    this.sendLimit = new Limiter(settings.sendRate(), settings.peerRate(), Limiter.Clock.SYSTEM);
    this.receiveLimit = new Limiter(settings.receiveRate(), settings.peerRate(), Limiter.Clock.SYSTEM);
    this.sharing = new Sharing(db, directory, settings, () -> members, sendLimit, receiveLimit, new Sharing.Registry() {
      @Override
      public void started(Live live) {
        running.put(key(live), live);
        save(live.snapshot());
        saveWhileRunning();
      }

      @Override
      public void finished(Live live) {
        FilesService.this.finished(live);
      }
    });
    this.incoming = new Semaphore(settings.maxIncoming());
    this.outgoing = new Semaphore(settings.maxOutgoing());
    Files.createDirectories(settings.inbox());
    this.workers = new ThreadPoolExecutor(0, settings.maxIncoming() + settings.maxOutgoing(), 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), Threads.named("files-transfer"));
    // progress is saved every 2 s while transfers run; the thread ends a minute after the last one
    ScheduledThreadPoolExecutor one = new ScheduledThreadPoolExecutor(1, Threads.named("files-save"));
    one.setRemoveOnCancelPolicy(true);
    one.setKeepAliveTime(60, TimeUnit.SECONDS);
    one.allowCoreThreadTimeOut(true);
    this.saver = one;
  }

  /** Saves the running transfers' progress every 2 s while there are any (call after adding one). */
  private synchronized void saveWhileRunning() {
    if (saving == null && !running.isEmpty()) {
      try {
        saving = saver.scheduleWithFixedDelay(this::saveProgress, 2, 2, TimeUnit.SECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the service is being deactivated
      }
    }
  }

  private void saveProgress() {
    synchronized (this) {
      if (running.isEmpty()) { // stops; the next transfer starts it again (saveWhileRunning)
        if (saving != null) {
          saving.cancel(false);
          saving = null;
        }
        return;
      }
    }
    running.values().forEach(l -> save(l.snapshot()));
  }

  @Deactivate
  void deactivate() {
    saver.shutdownNow();
    for (Live l : running.values()) {
      l.cancelled = true;
      l.canceller.run();
    }
    pending.values().forEach(p -> p.answer().complete(false));
    workers.shutdownNow();
  }

  // --- sending

  @Override
  public Transfer send(String peer, List<Path> paths, String as) {
    PeerRef ref = directory.resolve(peer);
    Sources.Built built;
    try {
      built = Sources.build(paths, as, settings.chunkBytes(), settings.hash());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read what is to be sent: " + e.getMessage(), e);
    }
    Wire.Offer offer = built.offer();
    Live live = new Live(offer.id(), true, ref.toString(), offer.label(), offer.files(), offer.total(), "starting");
    live.verifiedBy(offer.hashes().get(0), offer.entries());
    if (running.putIfAbsent(key(live), live) != null) {
      throw new IllegalArgumentException("this is being sent to " + peer + " already (transfer " + live.id + ")");
    }
    if (!outgoing.tryAcquire()) {
      running.remove(key(live));
      throw new IllegalArgumentException(settings.maxOutgoing() + " transfers are being sent already (max.outgoing)");
    }
    save(live.snapshot());
    saveWhileRunning();
    workers.execute(() -> {
      try {
        Attempts.run(directory, ref, built, live, settings, sendLimit.of(ref.toString()));
      } finally {
        outgoing.release();
        finished(live);
      }
    });
    return live.snapshot();
  }

  // --- receiving

  @Override
  public void handle(Stream stream) {
    PeerRef from = stream.peer();
    String peer = from.toString();
    if (perPeer.merge(peer, 1, Integer::sum) > MAX_PER_PEER) {
      release(peer);
      busy(stream, "this peer has " + MAX_PER_PEER + " transfers coming in already");
      return;
    }
    if (!incoming.tryAcquire()) {
      release(peer);
      busy(stream, settings.maxIncoming() + " transfers are coming in");
      return;
    }
    Frames frames = new StreamFrames(stream);
    try {
      workers.execute(() -> receive(from, frames));
    } catch (RuntimeException e) {
      incoming.release();
      release(peer);
      frames.close();
      throw e;
    }
  }

  private static void busy(Stream stream, String why) {
    stream.channel().writeAndFlush(Wire.frame(stream.channel().alloc(), Wire.ABORT, Wire.abort(Wire.BUSY + why)))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private void release(String peer) {
    perPeer.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** One incoming stream: an offer (a send) or a request (a list or get of a share). */
  private void receive(PeerRef from, Frames frames) {
    String peer = from.toString();
    Receiver r = new Receiver(settings.inbox(), peer, frames, offer -> started(peer, offer, frames), this::decide,
        receiveLimit.of(peer), settings.idleMillis());
    try {
      int type = frames.next(Math.min(settings.idleMillis(), Receiver.OFFER_MILLIS));
      if (type == Wire.REQUEST) {
        sharing.serve(from, frames);
      } else {
        r.offered(type);
      }
    } catch (ProtocolException e) {
      LOG.info("files: bad input from {}: {}", peer, e.getMessage());
      try {
        frames.send(Wire.ABORT, Wire.abort(e.getMessage()));
        frames.finish();
      } catch (IOException x) {
        e.addSuppressed(x);
      }
      end(r.live(), "failed", e.getMessage());
    } catch (IOException | RuntimeException e) {
      frames.abort();
      Live l = r.live();
      end(l, l != null && l.cancelled ? "cancelled" : "interrupted", String.valueOf(e.getMessage()));
    } catch (InterruptedException e) {
      frames.abort();
      end(r.live(), "interrupted", "the node stopped");
      Thread.currentThread().interrupt();
    } finally {
      incoming.release();
      release(peer);
      frames.close();
      Live l = r.live();
      if (l != null) {
        receiving.remove(Receiver.staging(settings.inbox(), peer, l.id).toString(), new Incoming(l, frames));
        pending.remove(l.id);
        finished(l);
      }
    }
  }

  private static void end(Live l, String state, String why) {
    if (l != null) {
      l.end(state, why);
    }
  }

  /** A new incoming transfer; an earlier attempt of the same one from the same peer is stopped first. */
  private Live started(String peer, Wire.Offer offer, Frames frames) {
    Live live = new Live(offer.id(), false, peer, offer.label(), offer.files(), offer.total(), "checking");
    live.canceller = frames::abort;
    String key = Receiver.staging(settings.inbox(), peer, offer.id()).toString();
    Incoming old = receiving.put(key, new Incoming(live, frames));
    if (old != null) {
      old.frames().abort();
      try {
        old.live().done.get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.info("files: the earlier attempt of {} from {} did not end in 10 s", offer.id(), peer);
      }
    }
    running.put(key(live), live);
    saveWhileRunning();
    return live;
  }

  private String decide(Wire.Offer offer, Live live, Frames frames) throws InterruptedException {
    if (db.allowed().contains(live.peer)) {
      return null;
    }
    if (pending.size() >= settings.maxPending()) {
      return "too many offers wait for an answer on the receiver";
    }
    Pending p = new Pending(live, new CompletableFuture<>());
    if (pending.putIfAbsent(live.id, p) != null) {
      return "this offer waits for an answer already";
    }
    live.state = "pending";
    LOG.info("files: {} offers {} ({} bytes); files:accept {} or files:reject {}", live.peer, live.label,
        live.total, live.id.substring(0, 8), live.id.substring(0, 8));
    try {
      // in slices, so that an offer whose sender went away (cancelled, killed) leaves the list at once
      for (long waited = 0; waited < settings.pendingMillis(); waited += 500) {
        try {
          return p.answer().get(500, TimeUnit.MILLISECONDS) ? null : "declined by the receiver";
        } catch (TimeoutException e) {
          if (!frames.alive()) {
            return "the sender went away";
          }
        }
      }
      return "not accepted within " + settings.pendingMillis() / 1000 + " s";
    } catch (ExecutionException e) {
      return "declined by the receiver";
    } finally {
      pending.remove(live.id);
    }
  }

  // --- state

  private static String key(Live l) {
    return l.id + (l.outgoing ? ">" : "<") + l.peer;
  }

  private void finished(Live l) {
    save(l.snapshot());
    running.remove(key(l), l);
  }

  private void save(Transfer t) {
    try {
      db.save(t);
    } catch (RuntimeException e) {
      LOG.warn("files: cannot save the state of transfer {}: {}", t.id(), e.toString());
    }
  }

  @Override
  public List<Transfer> transfers() {
    Map<String, Transfer> all = new LinkedHashMap<>();
    running.values().forEach(l -> all.put(key(l), l.snapshot()));
    for (Transfer t : db.transfers()) {
      all.putIfAbsent(t.id() + (t.outgoing() ? ">" : "<") + t.peer(), t);
    }
    List<Transfer> out = new ArrayList<>(all.values());
    out.sort(Comparator.comparingLong(Transfer::startedMillis).reversed());
    return out;
  }

  @Override
  public Transfer transfer(String id) {
    List<Transfer> match = transfers().stream().filter(t -> t.id().startsWith(id)).toList();
    List<String> ids = match.stream().map(Transfer::id).distinct().toList();
    if (id.isEmpty() || ids.isEmpty()) {
      throw new IllegalArgumentException("no transfer " + id + " (files:transfers lists them)");
    }
    if (ids.size() > 1) {
      throw new IllegalArgumentException("'" + id + "' names " + ids.size() + " transfers; give more of its id");
    }
    return match.get(0);
  }

  @Override
  public boolean cancel(String id) {
    boolean any = false;
    for (Live l : running.values()) {
      if (!id.isEmpty() && l.id.startsWith(id)) {
        l.cancelled = true;
        l.canceller.run();
        Pending p = pending.get(l.id);
        if (p != null) {
          p.answer().complete(false);
        }
        any = true;
      }
    }
    return any;
  }

  @Override
  public List<Transfer> pending() {
    return pending.values().stream().map(p -> p.live().snapshot()).toList();
  }

  @Override
  public boolean accept(String id) {
    return answer(id, true);
  }

  @Override
  public boolean reject(String id) {
    return answer(id, false);
  }

  private boolean answer(String id, boolean yes) {
    List<Pending> match = pending.values().stream().filter(p -> !id.isEmpty() && p.live().id.startsWith(id)).toList();
    if (match.size() > 1) {
      throw new IllegalArgumentException("'" + id + "' names " + match.size() + " offers; give more of its id");
    }
    return match.size() == 1 && match.get(0).answer().complete(yes);
  }

  @Override
  public String allow(String peer) {
    String ref = directory.resolve(peer).toString();
    db.allow(ref);
    return ref;
  }

  @Override
  public boolean disallow(String peer) {
    String ref;
    try {
      ref = directory.resolve(peer).toString();
    } catch (IllegalArgumentException e) {
      ref = peer;
    }
    return db.disallow(ref);
  }

  @Override
  public List<String> allowed() {
    return db.allowed();
  }

  @Override
  public Path inbox() {
    return settings.inbox();
  }

  // --- shares

  @Override
  public Share share(Path dir, String to, String as) {
    if (!dir.isAbsolute()) {
      throw new IllegalArgumentException(dir + " is not absolute (the node reads it, not the console)");
    }
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("no such directory: " + dir, e);
    }
    if (!Files.isDirectory(real)) {
      throw new IllegalArgumentException(dir + " is not a directory (a share is a directory)");
    }
    String name = as != null ? as : real.getFileName() == null ? "" : real.getFileName().toString();
    String why = Names.refusal(name);
    if (why != null || name.contains("/")) {
      throw new IllegalArgumentException("cannot share as '" + name + "'" + (why == null ? "" : ": " + why));
    }
    return db.share(name, real, grantee(to));
  }

  /** {@code to} as stored: {@code network:<name>} for this node's network, else the peer it names. */
  private String grantee(String to) {
    NetworkMembers m = members;
    String network = m == null ? null : m.network().orElse(null);
    if (to.startsWith(Sharing.NETWORK)) {
      String n = to.substring(Sharing.NETWORK.length());
      if (!n.equals(network)) {
        throw new IllegalArgumentException("this node is not a member of network '" + n + "'"
            + (network == null ? " (it is in none)" : " (it is in " + network + ")"));
      }
      return to;
    }
    if (to.equals(network)) {
      return Sharing.NETWORK + to;
    }
    return directory.resolve(to).toString();
  }

  @Override
  public List<Share> shares() {
    return db.shares();
  }

  @Override
  public boolean unshare(String name, String to) {
    if (to == null) {
      return db.unshare(name, null);
    }
    String g;
    try {
      g = grantee(to);
    } catch (IllegalArgumentException e) {
      g = to;
    }
    return db.unshare(name, g);
  }

  @Override
  public List<RemoteEntry> list(String peer, String path) {
    PeerRef ref = directory.resolve(peer);
    try {
      Wire.Listing l = sharing.list(ref, path);
      List<RemoteEntry> out = new ArrayList<>();
      for (Wire.Listed e : l.entries()) {
        String kind = switch (e.kind()) {
          case 0 -> "file";
          case 1 -> "dir";
          case 2 -> "link";
          default -> "other";
        };
        out.add(new RemoteEntry(e.name(), kind, e.size(), e.mode(), e.modified()));
      }
      if (l.cut()) {
        out.add(new RemoteEntry("...", "cut", 0, 0, 0));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("files:ls " + peer + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Transfer get(String peer, String path, Path into) {
    PeerRef ref = directory.resolve(peer);
    Path dir = into == null ? settings.inbox() : into;
    if (!dir.isAbsolute()) {
      throw new IllegalArgumentException(dir + " is not absolute (the node writes it, not the console)");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot make " + dir + ": " + e.getMessage(), e);
    }
    if (!incoming.tryAcquire()) {
      throw new IllegalArgumentException(settings.maxIncoming() + " transfers are coming in already (max.incoming)");
    }
    CompletableFuture<Live> first = new CompletableFuture<>();
    try {
      workers.execute(() -> {
        try {
          sharing.fetch(ref, path, dir.toAbsolutePath().normalize(), first);
        } finally {
          incoming.release();
          first.completeExceptionally(new IllegalStateException("the get ended before an offer"));
        }
      });
    } catch (RuntimeException e) {
      incoming.release();
      throw e;
    }
    try {
      return first.get().snapshot();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
