package io.warren.deploy.internal;

import io.warren.api.PeerRef;
import io.warren.deploy.DeployException;
import io.warren.deploy.internal.DeployStore.Artifact;
import io.warren.deploy.internal.DeployStore.Kept;
import io.warren.deploy.internal.DeployStore.Pending;
import io.warren.deploy.internal.Signatures.Verified;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployment at a time: verify (signature, publisher, version) before anything changes, keep
 * the version installed now, install or update, await the bundle and its components, and on any
 * failure go back to the kept version (or uninstall a first install) by itself, recording each step
 * in the history.
 */
final class Deployments {
  private static final Logger LOG = LoggerFactory.getLogger(Deployments.class);

  private final DeployStore store;
  private final Installer installer;
  private final Path incoming;
  private final Duration activation;
  private final ReentrantLock one = new ReentrantLock();
  private final HealthCheck health;
  private final Journal journal;

  /** After an update: whether this node still reaches the pusher (empty), else why not. */
  interface HealthCheck {
    Optional<String> check(PeerRef pusher) throws InterruptedException;
  }

  /** {@code health}: the check after each update, or null for none; {@code journal}: where updates are marked. */
  Deployments(DeployStore store, Installer installer, Path incoming, Duration activation, HealthCheck health,
      Path journal) {
    this.store = store;
    this.installer = installer;
    this.incoming = incoming;
    this.activation = activation;
    this.health = health;
    this.journal = new Journal(journal);
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * Deploys {@code content}, pushed by {@code by} from {@code pusher} (null: no health check);
   * answers the report, or throws why it did not hold.
   */
  String deploy(byte[] content, String by, boolean force, PeerRef pusher) throws InterruptedException {
    if (!one.tryLock()) {
      throw new DeployException("refused: another deployment is in progress on this node");
    }
    try {
      String digest = sha256(content);
      Verified v;
      try {
        v = verify(content);
      } catch (DeployException e) {
        store.record("(not verified)", "-", digest, by, e.getMessage());
        throw e;
      }
      String bundle = v.bundle();
      Optional<Bundle> existing = installer.installed(bundle);
      if (existing.isPresent() && v.version().compareTo(existing.get().getVersion()) < 0 && !force) {
        throw refused(bundle, v.version(), digest, by, "refused: downgrade from " + existing.get().getVersion()
            + " to " + v.version() + " (push with --force to allow it)");
      }
      Optional<Artifact> before = existing.isPresent() ? Optional.of(keepInstalled(existing.get(), digest, by))
          : Optional.empty();
      if (before.isPresent() && before.get().digest().equals(digest)) {
        store.record(bundle, v.version().toString(), digest, by, "already installed, nothing changed");
        return bundle + " " + v.version() + " " + Installer.bundleState(existing.get().getState())
            + ": already installed, nothing changed";
      }
      store.putArtifact(new Artifact(digest, bundle, v.version().toString(), content));
      Optional<Version> from = existing.map(Bundle::getVersion);
      // what may be gone back to after the version now: kept if this update fails
      String earlier = before.isEmpty() ? null
          : store.kept(bundle).filter(k -> k.current().equals(before.get().digest())).flatMap(Kept::previous)
              .orElse(null);
      store.begin(new Pending(bundle, digest, before.map(Artifact::digest).orElse(null), earlier));
      try {
        journal.begin(bundle, digest, v.version().toString(), before.orElse(null), earlier);
      } catch (IOException e) {
        store.forget(bundle);
        throw refused(bundle, v.version(), digest, by, "refused: cannot write the update's journal: " + e);
      }
      LOG.info("deploy: {} {} from {}: {}", bundle, v.version(), by, from.map(f -> "updating from " + f)
          .orElse("installing"));
      long start = System.nanoTime();
      try {
        Bundle b = apply(bundle, content, existing);
        installer.startAndAwait(b, activation);
        if (health != null && pusher != null) {
          Optional<String> lost = health.check(pusher);
          if (lost.isPresent()) {
            throw new DeployException("this node lost its overlay connectivity after the update (no stream to the"
                + " pushing node: " + lost.get() + ")");
          }
        }
        store.keep(bundle, digest, before.map(Artifact::digest).orElse(null));
        ended(bundle);
        String result = from.map(f -> "updated from " + f).orElse("installed")
            + ", active in " + (System.nanoTime() - start) / 1_000_000 + " ms";
        store.record(bundle, v.version().toString(), digest, by, result);
        LOG.info("deploy: {} {} {} (pushed by {}, signed by {})", bundle, v.version(), result, by,
            Signatures.subject(v.signer()));
        return bundle + " " + v.version() + " ACTIVE: " + result + "\n" + String.join("\n",
            installer.components(b));
      } catch (BundleException | RuntimeException e) {
        String why = e.getMessage();
        String back = goBack(bundle, before, earlier, why);
        store.record(bundle, v.version().toString(), digest, by, "failed: " + why + "; " + back);
        LOG.warn("deploy: {} {} pushed by {} failed: {}; {}", bundle, v.version(), by, why, back);
        throw new DeployException(bundle + " " + v.version() + " failed: " + why + "; " + back, e);
      }
    } finally {
      one.unlock();
    }
  }

  /** Goes back to the version before the last update of {@code bundle}, by hand. */
  String rollback(String bundle, String by) throws InterruptedException {
    if (!one.tryLock()) {
      throw new DeployException("another deployment is in progress on this node");
    }
    try {
      Kept kept = store.kept(bundle).orElseThrow(() -> new DeployException("no pushed bundle " + bundle
          + " (deploy:history shows what was pushed)"));
      Bundle b = installer.installed(bundle).orElseThrow(() -> new DeployException(bundle + " is not installed"));
      if (kept.previous().isEmpty() && b.getLocation().startsWith(Installer.LOCATION)) {
        // before its first push it was not there: going back is uninstalling it
        Artifact current = store.artifact(kept.current()).orElseThrow();
        try {
          b.uninstall();
          installer.refresh(java.util.List.of(b), activation);
        } catch (BundleException | RuntimeException e) {
          throw new DeployException("uninstalling " + bundle + " failed: " + e.getMessage(), e);
        }
        store.forget(bundle);
        store.record(bundle, current.version(), current.digest(), by, "rolled back by hand: uninstalled (a push had"
            + " installed it)");
        return bundle + " uninstalled: rolled back to before its first push";
      }
      Artifact previous = kept.previous().flatMap(store::artifact).orElseThrow(() -> new DeployException(
          "no earlier version of " + bundle + " is kept"));
      try {
        installer.update(b, previous.content(), activation);
        installer.startAndAwait(b, activation);
      } catch (BundleException | RuntimeException e) {
        store.record(bundle, previous.version(), previous.digest(), by, "rollback failed: " + e.getMessage());
        throw new DeployException("rollback of " + bundle + " to " + previous.version() + " failed: "
            + e.getMessage(), e);
      }
      store.keep(bundle, previous.digest(), kept.current());
      store.record(bundle, previous.version(), previous.digest(), by, "rolled back by hand");
      LOG.info("deploy: {} rolled back to {} by {}", bundle, previous.version(), by);
      return bundle + " " + previous.version() + " ACTIVE: rolled back\n" + String.join("\n", installer.components(b));
    } finally {
      one.unlock();
    }
  }

  /**
   * Finishes updates the node stopped in the middle of (killed, or stopped before the new version was
   * found active): each bundle goes back to the version it ran before, a first install is removed.
   * Run once when the service starts, before any push.
   */
  void recover() throws InterruptedException {
    one.lock();
    try {
      java.util.Set<String> done = new java.util.HashSet<>();
      for (Journal.Entry e : journalEntries()) {
        Optional<Artifact> before = e.beforeContent().map(c -> new Artifact(e.before(), e.bundle(), e.beforeVersion(),
            c)).or(() -> Optional.ofNullable(e.before()).flatMap(store::artifact));
        before.ifPresent(store::putArtifact);
        String back = e.before() != null && before.isEmpty()
            ? "the version before is not kept; left as the framework has it"
            : goBack(e.bundle(), before, e.earlier(), "interrupted");
        store.record(e.bundle(), e.version(), e.digest(),
            "node start", "interrupted update (the node stopped during it); " + back);
        LOG.warn("deploy: the update of {} was interrupted by a stop; {}", e.bundle(), back);
        ended(e.bundle());
        done.add(e.bundle());
      }
      for (Pending p : store.pending()) {
        if (done.contains(p.bundle())) {
          store.forget(p.bundle());
          continue;
        }
        String to = store.artifact(p.digest()).map(Artifact::version).orElse("?");
        String back = goBack(p.bundle(), Optional.ofNullable(p.before()).flatMap(store::artifact), p.earlier(),
            "interrupted");
        store.record(p.bundle(), to, p.digest(), "node start", "interrupted update (the node stopped during it); "
            + back);
        LOG.warn("deploy: the update of {} to {} was interrupted by a stop; {}", p.bundle(), to, back);
      }
    } finally {
      one.unlock();
    }
  }

  private java.util.List<Journal.Entry> journalEntries() {
    try {
      return journal.entries();
    } catch (IOException e) {
      LOG.error("deploy: the update journal cannot be read", e);
      return java.util.List.of();
    }
  }

  /** Ends the journal's record of an update of {@code bundle}. */
  private void ended(String bundle) {
    try {
      journal.end(bundle);
    } catch (IOException e) {
      LOG.error("deploy: cannot remove the journal of {}'s update", bundle, e);
    }
  }

  /** Verifies {@code content}'s signature against the publishers trusted now, or throws why not. */
  Verified verify(byte[] content) {
    Path file = null;
    try {
      Files.createDirectories(incoming);
      file = Files.createTempFile(incoming, "push-", ".jar");
      Files.write(file, content);
      return Signatures.verify(file, store.trusted());
    } catch (IOException e) {
      throw new DeployException("cannot stage the artifact: " + e.getMessage(), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          LOG.warn("deploy: cannot delete {}: {}", file, e.toString());
        }
      }
    }
  }

  private DeployException refused(String bundle, Version version, String digest, String by, String why) {
    store.record(bundle, version.toString(), digest, by, why);
    return new DeployException(bundle + " " + version + " " + why);
  }

  /**
   * The artifact of the version installed now, kept to go back to: the one pushed last, or else the
   * bundle read from its location (a bundle the node was installed with). A bundle whose bytes cannot
   * be kept is not updated.
   */
  private Artifact keepInstalled(Bundle b, String digest, String by) {
    String name = b.getSymbolicName();
    Optional<Artifact> pushed = store.kept(name).flatMap(k -> store.artifact(k.current()))
        .filter(a -> a.version().equals(b.getVersion().toString()));
    if (pushed.isPresent()) {
      return pushed.get();
    }
    try (InputStream in = Inventory.location(b).openStream()) {
      byte[] content = in.readAllBytes();
      Artifact a = new Artifact(sha256(content), name, b.getVersion().toString(), content);
      store.putArtifact(a);
      return a;
    } catch (IOException | RuntimeException e) {
      throw refused(name, b.getVersion(), digest, by, "refused: cannot keep a copy of the installed version to go"
          + " back to (installed from " + b.getLocation() + ": " + e + ")");
    }
  }

  private Bundle apply(String bundle, byte[] content, Optional<Bundle> existing)
      throws BundleException, InterruptedException {
    if (existing.isEmpty()) {
      return installer.install(bundle, content);
    }
    installer.update(existing.get(), content, activation);
    return existing.get();
  }

  /**
   * Restores {@code before} (keeping {@code earlier} to go back to, as before the failed update),
   * or uninstalls a first install; says what it did.
   */
  private String goBack(String bundle, Optional<Artifact> before, String earlier, String why)
      throws InterruptedException {
    Optional<Bundle> now = installer.installed(bundle);
    if (before.isEmpty()) {
      try {
        if (now.isPresent()) {
          now.get().uninstall();
          installer.refresh(java.util.List.of(now.get()), activation);
        }
        store.forget(bundle);
        ended(bundle);
        return "uninstalled";
      } catch (BundleException | RuntimeException e) {
        return "uninstalling it failed too: " + e.getMessage();
      }
    }
    Artifact a = before.get();
    try {
      Bundle b;
      if (now.isPresent()) {
        b = now.get();
        installer.update(b, a.content(), activation);
      } else {
        // gone: the framework drops a bundle whose cache entry a kill left half written
        b = installer.install(bundle, a.content());
      }
      installer.startAndAwait(b, activation);
      store.keep(bundle, a.digest(), earlier);
      ended(bundle);
      return "rolled back to " + a.version() + ", active again";
    } catch (BundleException | RuntimeException e) {
      LOG.error("deploy: {}: rolling back to {} after '{}' failed too", bundle, a.version(), why, e);
      return "rolling back to " + a.version() + " failed too: " + e.getMessage();
    }
  }
}
