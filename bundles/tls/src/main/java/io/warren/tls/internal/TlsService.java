package io.warren.tls.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.warren.api.PeerDirectory;
import io.warren.api.Store;
import io.warren.api.channel.EventLoops;
import io.warren.tls.TlsCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates from ACME kept in the store, renewed by a scheduled check, and the TLS listener that
 * serves them by SNI. Requests run one at a time (the HTTP-01 port is bound only while one runs).
 */
@Component(service = TlsCertificates.class, immediate = true, configurationPid = TlsSettings.PID)
@Designate(ocd = TlsSettings.Config.class)
public final class TlsService implements TlsCertificates {
  private static final Logger LOG = LoggerFactory.getLogger(TlsService.class);
  private static final Pattern HOSTNAME =
      Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

  private final TlsSettings settings;
  private final TlsStore store;
  private final EventLoops loops;
  private final PeerDirectory directory;
  private final Map<String, SslContext> contexts = new ConcurrentHashMap<>();
  private final Map<String, CertInfo> infos = new ConcurrentHashMap<>();
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final Object requests = new Object();
  private final ScheduledExecutorService renewals;
  private final RenewalBackoff backoff;
  private final TlsListener listener;

  @Activate
  public TlsService(TlsSettings.Config config, @Reference Store store, @Reference EventLoops loops,
      @Reference PeerDirectory directory) {
    this.settings = TlsSettings.of(config);
    this.store = new TlsStore(store);
    this.loops = loops;
    this.directory = directory;
    for (TlsStore.Stored s : this.store.certs()) {
      try {
        load(s);
      } catch (IllegalStateException e) { // one bad row must not take the other names down
        LOG.warn("{} (not served; tls:cert request {} replaces it)", e.getMessage(), s.hostname());
      }
    }
    for (Route r : this.store.routes()) {
      routes.put(r.hostname(), r);
    }
    listener = settings.listen()
        ? new TlsListener(loops, directory, settings.listenHost(), settings.listenPort(), settings.maxConnections(),
            contexts::get, routes::get)
        : null;
    if (listener != null) {
      LOG.info("tls: listening on {} for {} route(s)", listener.address(), routes.size());
    }
    backoff = new RenewalBackoff(settings.renewCheck());
    renewals = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "warren-tls-renew"));
    long every = settings.renewCheck().toSeconds();
    renewals.scheduleWithFixedDelay(this::renewDue, every, every, TimeUnit.SECONDS);
  }

  @Deactivate
  void deactivate() {
    renewals.shutdownNow();
    if (listener != null) {
      listener.close();
    }
  }

  /** Renews every certificate expiring within the configured days; a failure is retried at the next check. */
  void renewDue() {
    Instant now = Instant.now();
    Instant due = now.plus(Duration.ofDays(settings.renewDaysBefore()));
    for (CertInfo c : List.copyOf(infos.values())) {
      if (c.notAfter().isBefore(due) && backoff.due(c.hostname(), now)) {
        try {
          CertInfo n = request(c.hostname(), null);
          backoff.succeeded(c.hostname());
          LOG.info("tls: renewed the certificate of {} (serial {}, until {})", c.hostname(), n.serial(), n.notAfter());
        } catch (RuntimeException e) {
          Duration wait = backoff.failed(c.hostname(), Instant.now());
          LOG.warn("tls: renewing the certificate of {} failed (tried again in {} s at the earliest; the current "
              + "one is served meanwhile): {}", c.hostname(), wait.toSeconds(), e.getMessage());
        }
      }
    }
  }

  @Override
  public CertInfo request(String hostname, String acmeUrl) {
    String host = hostname(hostname);
    String url = acmeUrl == null || acmeUrl.isBlank() ? settings.acmeUrl() : acmeUrl.strip();
    if (!url.startsWith("https://")) {
      throw new IllegalArgumentException("the ACME URL must be https://, got " + url);
    }
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
        AcmeClient.Issued issued = AcmeClient.order(url, trust, account, settings.contact(), host,
            () -> new ChallengeServer(loops, settings.challengeHost(), settings.challengePort()));
        TlsStore.Stored s = new TlsStore.Stored(host, AcmeClient.write(issued.key()), Pem.certificates(issued.chain()));
        CertInfo info = load(s);
        store.saveCert(s);
        LOG.info("tls: obtained a certificate for {} from {} in {} ms (serial {}, until {})", host, url,
            (System.nanoTime() - t0) / 1_000_000, info.serial(), info.notAfter());
        return info;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("tls: the request for " + host + " was interrupted", e);
      } catch (Exception e) {
        throw new IllegalStateException("tls: no certificate for " + host + " from " + url + ": " + causes(e), e);
      }
    }
  }

  /** Builds the server context of a stored certificate and makes it the one served. */
  private CertInfo load(TlsStore.Stored s) {
    try {
      List<X509Certificate> chain = Pem.parseCertificates(s.chainPem().getBytes(StandardCharsets.US_ASCII));
      KeyPair key = AcmeClient.read(s.keyPem());
      SslContext ctx = SslContextBuilder.forServer(key.getPrivate(), chain.toArray(X509Certificate[]::new))
          .sslProvider(SslProvider.JDK).build();
      X509Certificate leaf = chain.get(0);
      CertInfo info = new CertInfo(s.hostname(), leaf.getSerialNumber().toString(16),
          leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
      contexts.put(s.hostname(), ctx);
      infos.put(s.hostname(), info);
      return info;
    } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
      throw new IllegalStateException("tls: the stored certificate of " + s.hostname() + " is unusable: "
          + e.getMessage(), e);
    }
  }

  @Override
  public List<CertInfo> certificates() {
    List<CertInfo> out = new ArrayList<>(infos.values());
    out.sort((a, b) -> a.hostname().compareTo(b.hostname()));
    return out;
  }

  @Override
  public Route addRoute(String hostname, String target) {
    String host = hostname(hostname);
    int colon = target == null ? -1 : target.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--target must be <peer|name>:<port>, got '" + target + "'");
    }
    int port;
    try {
      port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--target port must be a number, got '" + target.substring(colon + 1) + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--target port must be 1-65535, got " + port);
    }
    Route r = new Route(host, directory.resolve(target.substring(0, colon)).toString(), port);
    store.saveRoute(r);
    routes.put(host, r);
    return r;
  }

  @Override
  public boolean removeRoute(String hostname) {
    String host = hostname(hostname);
    routes.remove(host);
    return store.removeRoute(host);
  }

  @Override
  public List<Route> routes() {
    return store.routes();
  }

  @Override
  public String listenAddress() {
    return listener == null ? "" : listener.address();
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
}
