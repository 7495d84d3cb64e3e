package io.warren.deploy.internal;

import io.netty.channel.Channel;
import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.Store;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import io.warren.api.Threads;
import io.warren.deploy.DeployException;
import io.warren.deploy.Deployer;
import io.warren.deploy.internal.Uploads.Upload;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deploy service: trusted publishers and kept artifacts in the store, upload tokens, and the
 * {@value #PROTOCOL} handler that receives a pushed artifact and deploys it on one worker thread
 * (one deployment at a time, at most {@link Uploads#MAX} waiting).
 */
@Component(service = {Deployer.class, StreamHandler.class}, immediate = true, configurationPid = "io.warren.deploy",
    property = StreamHandler.PROTOCOL + "=" + DeployService.PROTOCOL)
@Designate(ocd = DeployService.Config.class)
public final class DeployService implements Deployer, StreamHandler {
  /** The protocol a pushed artifact travels on. */
  public static final String PROTOCOL = "/warren/deploy/1.1.0";

  /**
   * The version before resumable uploads (no {@code offset} line): still accepted, and spoken to a
   * node that does not know {@value #PROTOCOL}, so nodes not yet updated can be pushed to and push.
   */
  public static final String PROTOCOL_V1 = "/warren/deploy/1.0.0";

  private static final Logger LOG = LoggerFactory.getLogger(DeployService.class);

  @ObjectClassDefinition(name = "Warren deploy",
      description = "Signed bundles pushed by other nodes of the network: limits and how long to wait for them")
  public @interface Config {
    @AttributeDefinition(description = "Largest artifact a push may announce, in bytes")
    long max_artifact_bytes() default 64L * 1024 * 1024;

    @AttributeDefinition(description = "Seconds a pushed bundle and its components have to become active before"
        + " the node goes back to the version before")
    int activation_timeout_seconds() default 30;

    @AttributeDefinition(description = "Seconds an upload may take, from its stream opening to its last byte")
    int upload_timeout_seconds() default 120;

    @AttributeDefinition(description = "Seconds a node has after an update to open a stream to the node that pushed"
        + " it (the health check); when it cannot, it goes back to the version before. 0: no check")
    int health_check_seconds() default 20;

    @AttributeDefinition(description = "Seconds a push keeps trying to resume an upload whose connection dropped (a"
        + " new stream, direct or relayed, sends only the bytes the target does not hold yet). 0: fail at once")
    int resume_seconds() default 60;

    @AttributeDefinition(description = "Rollouts (--all, --network): nodes updated at once in each wave after the"
        + " canary (deploy:push --batch overrides it)")
    int rollout_batch_size() default 5;

    @AttributeDefinition(description = "Rollouts: the share of a wave, in percent, that may fail before the rollout"
        + " stops and rolls back what it changed (deploy:push --max-failures overrides it)")
    int rollout_max_failure_percent() default 0;
  }

  /** The configuration, checked. */
  record Settings(long maxBytes, Duration activation, Duration upload, Duration health, Duration resume) {
    static Settings of(Config c) {
      if (c.max_artifact_bytes() < 1 || c.max_artifact_bytes() > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("max.artifact.bytes must be 1-" + (Integer.MAX_VALUE - 8) + ", got "
            + c.max_artifact_bytes());
      }
      if (c.health_check_seconds() < 0) {
        throw new IllegalArgumentException("health.check.seconds must be 0 (no check) or more, got "
            + c.health_check_seconds());
      }
      if (c.resume_seconds() < 0 || c.resume_seconds() > Uploads.MAX_LIFE.toSeconds()) {
        throw new IllegalArgumentException("resume.seconds must be 0 (no resume) to " + Uploads.MAX_LIFE.toSeconds()
            + " (how long a target keeps an upload token), got " + c.resume_seconds());
      }
      if (c.activation_timeout_seconds() < 1 || c.upload_timeout_seconds() < 1) {
        throw new IllegalArgumentException("activation.timeout.seconds and upload.timeout.seconds must be"
            + " at least 1");
      }
      return new Settings(c.max_artifact_bytes(), Duration.ofSeconds(c.activation_timeout_seconds()),
          Duration.ofSeconds(c.upload_timeout_seconds()), Duration.ofSeconds(c.health_check_seconds()),
          Duration.ofSeconds(c.resume_seconds()));
    }
  }

  private final DeployStore store;
  private final Deployments deployments;
  private final Settings settings;
  private final Uploads uploads;
  private final ExecutorService worker;
  private final PeerDirectory directory;
  private final Inventory inventory;
  private final NodeIdentity identity;
  private Signer signer;

  @Activate
  public DeployService(BundleContext context, Config config, @Reference Store store,
      @Reference ServiceComponentRuntime scr, @Reference PeerDirectory directory, @Reference NodeIdentity identity) {
    this.directory = directory;
    this.identity = identity;
    this.settings = Settings.of(config);
    this.store = new DeployStore(store);
    this.uploads = new Uploads(Clock.systemUTC(), dataPath(context, "partial"));
    this.deployments = new Deployments(this.store, new Installer(context, scr),
        context.getDataFile("incoming").toPath(), settings.activation(), settings.health().isZero() ? null
            : pusher -> Health.check(directory, pusher, settings.health()),
        journal(context));
    this.inventory = new Inventory(context, this.store, deployments);
    // one deployment at a time; the thread ends after a minute without work and comes back with the
    // next, made then by whichever thread submits (a console command's, often; see Threads)
    ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(Uploads.MAX), Threads.named("warren-deploy"));
    one.allowCoreThreadTimeOut(true);
    this.worker = one;
    worker.execute(() -> {
      try {
        uploads.purge();
        deployments.recover();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.error("deploy: finishing an interrupted update failed", e);
      }
    });
  }

  /**
   * Where updates in progress are marked: the node's data directory (not the bundle cache, which
   * the launcher may drop and rebuild after a crash).
   */
  private static Path journal(BundleContext context) {
    return dataPath(context, "updating");
  }

  /** {@code <data>/deploy/<name>}: uploads being received are staged there too, for a resume. */
  private static Path dataPath(BundleContext context, String name) {
    String data = context.getProperty(NodeProperties.DATA_DIR);
    return data == null ? context.getDataFile(name).toPath() : Path.of(data, "deploy", name);
  }

  @Deactivate
  void deactivate() {
    worker.shutdownNow();
  }

  @Override
  public Publisher trust(X509Certificate certificate) {
    String fingerprint = Signatures.fingerprint(certificate);
    try {
      certificate.checkValidity();
      store.putPublisher(fingerprint, certificate);
    } catch (CertificateException e) {
      throw new DeployException("the certificate is not valid now: " + e.getMessage(), e);
    }
    LOG.info("deploy: trusting publisher {} ({})", Signatures.subject(certificate), fingerprint);
    return new Publisher(fingerprint, Signatures.subject(certificate), certificate.getNotAfter().toInstant());
  }

  @Override
  public List<Publisher> publishers() {
    return store.publishers();
  }

  @Override
  public Publisher distrust(String prefix) {
    String p = prefix.toLowerCase(Locale.ROOT).replace(":", "");
    if (!p.matches("[0-9a-f]{8,64}")) {
      throw new IllegalArgumentException("expected a fingerprint (8-64 hex digits, deploy:trust list shows them), got '"
          + prefix + "'");
    }
    List<Publisher> match = store.publishers().stream().filter(x -> x.fingerprint().startsWith(p)).toList();
    if (match.size() != 1) {
      throw new IllegalArgumentException(match.isEmpty() ? "no trusted publisher " + prefix
          : prefix + " matches " + match.size() + " publishers; give more digits");
    }
    store.deletePublisher(match.get(0).fingerprint());
    LOG.info("deploy: no longer trusting publisher {}", match.get(0).subject());
    return match.get(0);
  }

  @Override
  public String expect(String peer, long size, String digest, boolean force) {
    if (size < 1 || size > settings.maxBytes()) {
      throw new IllegalArgumentException("an artifact of " + size + " bytes is refused (1-" + settings.maxBytes()
          + ", max.artifact.bytes)");
    }
    if (!digest.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("expected a SHA-256 as 64 lower-case hex digits, got '" + digest + "'");
    }
    uploads.purge();
    return uploads.issue(peer, size, digest, force).token();
  }

  @Override
  public String rollback(String bundle, String by) {
    try {
      return deployments.rollback(bundle, by);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeployException("interrupted", e);
    }
  }

  @Override
  public List<Held> held(List<String> bundles) {
    return inventory.held(bundles);
  }

  @Override
  public Offer offer() {
    return inventory.offer();
  }

  @Override
  public Publisher sign(Path jar, Path out) {
    Signer s = signer();
    try {
      s.sign(jar, out);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + jar, e);
    } catch (IOException e) {
      throw new DeployException("cannot sign " + jar + " into " + out + ": " + e.getMessage(), e);
    }
    X509Certificate c = s.certificate();
    return new Publisher(Signatures.fingerprint(c), Signatures.subject(c), c.getNotAfter().toInstant());
  }

  @Override
  public String publisherCertificate() {
    return signer().pem();
  }

  /** This node's publisher key, made and kept in the store on first use. */
  private synchronized Signer signer() {
    if (signer == null) {
      byte[][] kc = store.signer().orElseGet(() -> {
        byte[][] made = Signer.create("Warren node " + identity.name() + " " + identity.peerId());
        store.putSigner(made[0], made[1]);
        LOG.info("deploy: made this node's publisher key (deploy:sign)");
        return made;
      });
      signer = new Signer(kc[0], kc[1]);
    }
    return signer;
  }

  @Override
  public List<Change> history(int limit) {
    return store.history(limit);
  }

  @Override
  public void handle(Stream stream) {
    String peer = stream.peer().id();
    LOG.info("deploy: upload stream from {}{}", peer, stream.relayed() ? " (relayed)" : "");
    // who pushed, for the history: the node's name where the network knows one, and always its peer ID
    String by = directory.nameOf(stream.peer()).map(n -> n + " (" + peer + ")").orElse(peer);
    UploadReader reader = new UploadReader(stream, !PROTOCOL_V1.equals(stream.protocol()),
        token -> uploads.attach(token, peer),
        u -> uploads.detached(u.token()), u -> deploy(u, by, stream.peer()));
    Channel c = stream.channel();
    c.pipeline().addLast(reader);
    c.eventLoop().schedule(() -> {
      if (!reader.finished()) {
        LOG.warn("deploy: upload from {} not complete within {} s", peer, settings.upload().toSeconds());
        stream.reset();
      }
    }, settings.upload().toMillis(), TimeUnit.MILLISECONDS);
    c.config().setAutoRead(true);
  }

  private CompletionStage<String> deploy(Upload u, String by, PeerRef pusher) {
    CompletableFuture<String> done = new CompletableFuture<>();
    try {
      worker.execute(() -> {
        try {
          byte[] content = uploads.whole(u);
          String received = u.partial().report();
          LOG.info("deploy: {} from {}", received, pusher.id());
          done.complete(deployments.deploy(content, by, u.force(), pusher) + "\n" + received);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          done.completeExceptionally(new DeployException("interrupted: the node is stopping", e));
        } catch (RuntimeException e) {
          done.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(new DeployException("refused: too many deployments waiting", e));
    }
    return done;
  }
}
