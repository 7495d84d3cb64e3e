package io.warren.tls.internal;

import io.warren.api.Metric;
import io.warren.api.MetricsSource;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Threads;
import io.warren.api.channel.EventLoops;
import io.warren.tls.TlsCertificates;
import java.nio.file.Files;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys from ACME (renewed by a scheduled check), imported or copied, kept in the store, and the
 * listeners that serve them: TLS by SNI and plain HTTP by Host. Requests run one at a time (the
 * HTTP-01 port is bound only while one runs, unless the HTTP listener answers it).
 */
@Component(service = {TlsCertificates.class, StreamHandler.class, MetricsSource.class}, immediate = true,
    configurationPid = TlsSettings.PID,
    property = {StreamHandler.PROTOCOL + "=" + KeyCopy.PROTOCOL, MetricsSource.NAME + "=tls"})
@Designate(ocd = TlsSettings.Config.class)
public final class TlsService implements TlsCertificates, StreamHandler, MetricsSource {
  private static final Logger LOG = LoggerFactory.getLogger(TlsService.class);
  private static final Pattern HOSTNAME =
      Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
  static final String LOCAL = "localhost";
  static final String ACME = "acme";
  private static final Duration CALL = Duration.ofSeconds(30);

  private final TlsSettings settings;
  private final TlsStore store;
  private final EventLoops loops;
  private final PeerDirectory directory;
  private final KeyRing ring = new KeyRing();
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final Object requests = new Object();
  /** The renewal check's timer, on an event loop (a check already queued behind a running one is dropped). */
  private final ScheduledFuture<?> renewals;
  private final ThreadPoolExecutor renewer;
  private final RenewalBackoff backoff;
  private final Targets targets;
  private final TlsListener listener;
  private final HttpListener http;
  private final NodeIdentity identity;
  private final KeyCopy copies = new KeyCopy();
  private final Engine engine;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile RemoteAdmin remote;

  @Activate
  public TlsService(TlsSettings.Config config, @Reference Store store, @Reference EventLoops loops,
      @Reference PeerDirectory directory, @Reference NodeIdentity identity) {
    this.identity = identity;
    this.settings = TlsSettings.of(config);
    this.store = new TlsStore(store);
    this.loops = loops;
    this.directory = directory;
    this.engine = Engine.choose(settings.nativeTls());
    for (TlsStore.Stored s : this.store.certs()) {
      try {
        ring.put(KeyRing.parse(s, engine));
      } catch (IllegalArgumentException e) { // one bad row must not take the other names down
        LOG.warn("tls: the stored key {} is unusable, not served ({}); tls:request or tls:import replaces it",
            s.name(), e.getMessage());
      }
    }
    for (Route r : this.store.routes()) {
      routes.put(r.key(), r);
    }
    targets = new Targets(directory, loops, routes::values, settings.healthCheck());
    listener = settings.listen()
        ? new TlsListener(loops, directory, targets, settings.listenHost(), settings.listenPort(), settings.limits(),
            ring::context, this::tlsRoute)
        : null;
    if (listener != null) {
      LOG.info("tls: listening on {} for {} route(s); TLS by {}", listener.address(), routes.size(),
          engine.description());
    }
    http = settings.httpListen() ? httpListener() : null;
    backoff = new RenewalBackoff(settings.renewCheck());
    // the check's timer is on an event loop; its work (ACME calls) on a thread that lives only while
    // it runs, rather than one waiting the 12 hours between checks for the node's life
    renewer = new ThreadPoolExecutor(0, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1),
        Threads.named("warren-tls-renew"), new ThreadPoolExecutor.DiscardPolicy());
    long every = settings.renewCheck().toSeconds();
    renewals = loops.group().scheduleWithFixedDelay(() -> renewer.execute(this::renewDue), every, every,
        TimeUnit.SECONDS);
  }

  @Deactivate
  void deactivate() {
    renewals.cancel(false);
    renewer.shutdownNow();
    targets.close();
    if (listener != null) {
      listener.close();
    }
    if (http != null) {
      http.stop();
    }
  }

  private HttpListener httpListener() {
    HttpListener.Routes named = new HttpListener.Routes() {
      @Override
      public Route http(String hostname) {
        return routes.get("http " + hostname);
      }

      @Override
      public boolean servesTls(String hostname) {
        Route r = tlsRoute(hostname);
        return listener != null && r != null && (r.mode() == Mode.PASSTHROUGH || ring.context(hostname) != null);
      }
    };
    HttpListener h =
        new HttpListener(loops, directory, targets, settings.httpHost(), settings.httpPort(), settings.limits(),
            named, host -> listener.port() == 443 ? host : host + ":" + listener.port());
    LOG.info("tls: listening for HTTP on {}", h.address());
    return h;
  }

  /**
   * Where a request's challenges are answered: the HTTP listener when it runs, else a server bound
   * on challenge.port for the request; when that port cannot be had, TLS-ALPN-01 on the TLS
   * listener.
   */
  private AcmeClient.Challenges challenges() {
    if (http != null) {
      return http;
    }
    try {
      return new ChallengeServer(loops, settings.challengeHost(), settings.challengePort());
    } catch (IllegalStateException e) {
      if (listener == null) {
        throw e;
      }
      LOG.info("tls: {}; answering TLS-ALPN-01 on the TLS listener {} instead", e.getMessage(), listener.address());
      return listener.acmeChallenges();
    }
  }

  private Route tlsRoute(String hostname) {
    return routes.get("tls " + hostname);
  }

  /** Renews every ACME key expiring within the configured days; a failure is retried later, backing off. */
  void renewDue() {
    Instant now = Instant.now();
    Instant due = now.plus(Duration.ofDays(settings.renewDaysBefore()));
    for (KeyRing.Loaded k : ring.all()) {
      if (k.origin().equals(ACME) && k.notAfter().isBefore(due) && backoff.due(k.name(), now)) {
        try {
          KeyInfo n = renew(k.name());
          backoff.succeeded(k.name());
          LOG.info("tls: renewed {} (serial {}, until {})", k.name(), n.serial(), n.notAfter());
        } catch (RuntimeException e) {
          Duration wait = backoff.failed(k.name(), Instant.now());
          LOG.warn("tls: renewing {} failed (tried again in {} s at the earliest; the current certificate is "
              + "served meanwhile): {}", k.name(), wait.toSeconds(), e.getMessage());
        }
      }
    }
  }

  @Override
  public KeyInfo renew(String name) {
    KeyRing.Loaded k = ring.get(name(name));
    if (k == null) {
      throw new IllegalArgumentException("no key named " + name + " (tls:keys lists them)");
    }
    if (!k.origin().equals(ACME)) {
      throw new IllegalArgumentException(name + " came from " + k.origin() + ", not ACME: renew it where it came "
          + "from and import or copy it again");
    }
    return request(k.name(), k.hostnames(), null);
  }

  @Override
  public KeyInfo request(String name, List<String> hostnames, String acmeUrl) {
    if (hostnames.isEmpty()) {
      throw new IllegalArgumentException("tls:request needs --hostname <name> (one or more)");
    }
    List<String> hosts = new ArrayList<>(new LinkedHashSet<>(hostnames.stream().map(TlsService::hostname).toList()));
    String key = name == null || name.isBlank() ? hosts.get(0) : name(name);
    String url = acmeUrl == null || acmeUrl.isBlank() ? settings.acmeUrl() : acmeUrl.strip();
    if (!url.startsWith("https://")) {
      throw new IllegalArgumentException("the ACME URL must be https://, got " + url);
    }
    String what = String.join(", ", hosts);
    synchronized (requests) {
      try {
        SSLContext trust = settings.acmeCaFile().isPresent()
            ? Pem.trusting(Files.readAllBytes(settings.acmeCaFile().get()))
            : SSLContext.getDefault();
        KeyPair account = store.accountKey().map(AcmeClient::read).orElseGet(() -> {
          KeyPair k = AcmeClient.newAccountKey();
          store.saveAccountKey(AcmeClient.write(k));
          return k;
        });
        long t0 = System.nanoTime();
        AcmeClient.Issued issued = AcmeClient.order(url, trust, account, settings.contact(), hosts,
            this::challenges);
        TlsStore.Stored s =
            new TlsStore.Stored(key, AcmeClient.write(issued.key()), Pem.certificates(issued.chain()), ACME);
        KeyInfo info = keep(s);
        LOG.info("tls: obtained a certificate for {} from {} in {} ms as {} (serial {}, until {})", what, url,
            (System.nanoTime() - t0) / 1_000_000, key, info.serial(), info.notAfter());
        return info;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("tls: the request for " + what + " was interrupted", e);
      } catch (Exception e) {
        throw new IllegalStateException("tls: no certificate for " + what + " from " + url + ": " + causes(e), e);
      }
    }
  }

  @Override
  public KeyInfo importPem(String name, String chainPem, String keyPem, String origin) {
    TlsStore.Stored s = new TlsStore.Stored(name(name), keyPem, chainPem, origin);
    return keep(s);
  }

  /** Parses, stores and serves {@code s}. */
  private KeyInfo keep(TlsStore.Stored s) {
    KeyRing.Loaded k = KeyRing.parse(s, engine);
    store.saveCert(s);
    ring.put(k);
    return info(k, routes());
  }

  private KeyInfo info(KeyRing.Loaded k, List<Route> all) {
    List<String> used = new ArrayList<>();
    for (Route r : all) {
      if (r.mode() == Mode.TERMINATE && ring.forHost(r.hostname()) == k) {
        used.add(r.hostname() + " -> " + r.targets().stream().map(Target::toString)
            .collect(java.util.stream.Collectors.joining(",")));
      } else if (r.mode() == Mode.HTTP && ring.forHost(r.hostname()) == k) {
        used.add(r.hostname() + " (http: redirect)");
      }
    }
    return new KeyInfo(k.name(), k.hostnames(), k.serial(), k.notBefore(), k.notAfter(), k.origin(), used);
  }

  @Override
  public List<KeyInfo> keys() {
    List<Route> all = routes();
    return ring.all().stream().map(k -> info(k, all)).toList();
  }

  @Override
  public boolean remove(String name) {
    String n = name(name);
    boolean had = store.removeCert(n);
    return ring.remove(n) || had;
  }

  @Override
  public String copy(String name, String node, String credentials) throws Exception {
    String n = name(name);
    TlsStore.Stored s = store.certs().stream().filter(c -> c.name().equals(n)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no key named " + name + " (tls:keys lists them)"));
    RemoteAdmin admin = remote;
    if (admin == null) {
      throw new IllegalStateException("tls:copy needs the federation bundle (remote admin), which is not running");
    }
    PeerRef peer = directory.resolve(node);
    if (peer.id().equals(identity.peerId())) {
      throw new IllegalArgumentException(node + " is this node");
    }
    byte[] payload = KeyCopy.payload(n, s.chainPem(), s.keyPem());
    String answer = admin.runAndWait(peer.id(), List.of("tls:receive", identity.peerId(), n,
        Integer.toString(payload.length), KeyCopy.sha256(payload)), credentials, CALL);
    String[] lines = answer.strip().split("\n");
    String token = lines[lines.length - 1].strip();
    if (!token.matches("[0-9a-f]{32}")) {
      throw new IllegalStateException(node + " answered no copy token: " + answer);
    }
    try {
      return KeyCopy.send(directory, peer, token, payload).toCompletableFuture()
          .get(CALL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause() instanceof java.util.concurrent.CompletionException x && x.getCause() != null
          ? x.getCause() : e.getCause();
      throw new IllegalStateException(node + ": " + c.getMessage(), c);
    }
  }

  @Override
  public String expectCopy(String peer, String name, int size, String sha256) {
    return copies.expect(PeerRef.parse(peer.contains(":") ? peer : "libp2p:" + peer).id(), name(name), size,
        sha256);
  }

  @Override
  public void handle(Stream stream) {
    String from = stream.peer().id();
    var reader = copies.reader(stream, (expected, bytes) -> {
      String[] f = KeyCopy.parse(bytes);
      if (!f[0].equals(expected.name())) {
        throw new IllegalArgumentException("the copy names " + f[0] + ", the token " + expected.name());
      }
      KeyInfo k = importPem(f[0], f[1], f[2], "copy from " + directory.nameOf(stream.peer()).orElse(from));
      LOG.info("tls: kept key {} ({}) copied from {}", k.name(), String.join(", ", k.hostnames()), from);
      return "holds " + k.name() + " for " + String.join(", ", k.hostnames()) + " until " + k.notAfter();
    });
    stream.channel().pipeline().addLast(reader);
    stream.channel().eventLoop().schedule(stream::reset, CALL.toMillis(), TimeUnit.MILLISECONDS);
    stream.channel().config().setAutoRead(true);
  }

  @Override
  public Route addRoute(String hostname, String target, Mode mode) {
    String host = DEFAULT_ROUTE.equals(hostname == null ? "" : hostname.strip()) ? DEFAULT_ROUTE : hostname(hostname);
    if (host.equals(DEFAULT_ROUTE) && mode != Mode.PASSTHROUGH) {
      throw new IllegalArgumentException("the default route '*' must be --mode passthrough (no certificate names "
          + "every hostname)");
    }
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("--target must be <peer|name>:<port> or localhost:<port>, got nothing");
    }
    List<Target> each = new ArrayList<>();
    for (String one : target.split(",")) {
      Target t = target(one.strip());
      if (each.contains(t)) {
        throw new IllegalArgumentException("--target names " + one.strip() + " twice");
      }
      each.add(t);
    }
    Route r = new Route(host, each, mode);
    store.saveRoute(r);
    if (mode != Mode.HTTP) {
      routes.remove("tls " + host);
    }
    routes.put(r.key(), r);
    return r;
  }

  /** One {@code <peer|name>:<port>} or {@code localhost:<port>}, the peer resolved. */
  private Target target(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--target must be <peer|name>:<port> or localhost:<port>, got '" + text
          + "'");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--target port must be a number, got '" + text.substring(colon + 1) + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--target port must be 1-65535, got " + port);
    }
    String who = text.substring(0, colon);
    return new Target(who.equals(LOCAL) ? LOCAL : directory.resolve(who).toString(), port);
  }

  @Override
  public List<TargetState> health(Route route) {
    return targets.states(route);
  }

  @Override
  public boolean removeRoute(String hostname, boolean http) {
    String host = DEFAULT_ROUTE.equals(hostname == null ? "" : hostname.strip()) ? DEFAULT_ROUTE : hostname(hostname);
    routes.remove((http ? "http " : "tls ") + host);
    return store.removeRoute(host, http);
  }

  @Override
  public List<Route> routes() {
    return store.routes();
  }

  @Override
  public List<Metric> samples() {
    List<Metric> out = new ArrayList<>(listener == null ? List.of() : listener.samples());
    if (http != null) {
      out.addAll(http.samples());
    }
    return out;
  }

  @Override
  public String listenAddress() {
    return listener == null ? "" : listener.address();
  }

  @Override
  public String engine() {
    return engine.description();
  }

  @Override
  public String httpAddress() {
    return http == null ? "" : http.address();
  }

  /** The messages along {@code t}'s cause chain ("Network error: PKIX path building failed ..."), each once. */
  static String causes(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null && sb.length() < 1000; c = c.getCause() == c ? null : c.getCause()) {
      String m = c.getMessage() == null || c.getMessage().isBlank() ? c.getClass().getSimpleName() : c.getMessage();
      if (sb.indexOf(m) < 0) {
        sb.append(sb.length() == 0 ? "" : ": ").append(m);
      }
    }
    return sb.toString();
  }

  static String hostname(String text) {
    String h = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    if (!HOSTNAME.matcher(h).matches()) {
      throw new IllegalArgumentException(
          "not a DNS hostname (letters, digits, '-', at least two labels): '" + text + "'");
    }
    return h;
  }

  /** A key's name: lower-case letters, digits, '.', '_', '-' (a hostname is one). */
  static String name(String text) {
    String n = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    if (!NAME.matcher(n).matches()) {
      throw new IllegalArgumentException("not a key name (letters, digits, '.', '_', '-', at most 100): '" + text
          + "'");
    }
    return n;
  }
}
