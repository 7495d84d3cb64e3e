package io.warren.ssh.internal;

import io.warren.api.Store;
import io.warren.ssh.AuthorizedKey;
import io.warren.ssh.AuthorizedKeys;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorised admin keys, in the store and held in memory by fingerprint, so an authentication
 * (which a stranger can trigger) costs a map lookup and no database query.
 */
@Component(service = {AuthorizedKeys.class, AuthorizedKeyService.class})
public final class AuthorizedKeyService implements AuthorizedKeys {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorizedKeyService.class);
  /** Keys one node may hold; one more is refused. */
  static final int MAX_KEYS = 1000;

  private final SshStore db;
  private final Map<String, PublicKey> byFingerprint = new ConcurrentHashMap<>();

  @Activate
  public AuthorizedKeyService(@Reference Store store) {
    this.db = new SshStore(store);
    List<SshStore.StoredKey> stored = db.keys();
    if (stored.isEmpty()) {
      return; // sshd (and the provider it registers) loads when a key is added or the server starts
    }
    ClassLoader context = SshdLoader.enter();
    try {
      for (SshStore.StoredKey k : stored) {
        try {
          byFingerprint.put(k.key().fingerprint(), KeyLines.parse(k.line()).key());
        } catch (IllegalArgumentException e) {
          LOG.warn("ssh: stored key {} cannot be read any more and is ignored: {}", k.key().fingerprint(),
              e.getMessage());
        }
      }
    } finally {
      SshdLoader.restore(context);
    }
  }

  @Override
  public synchronized AuthorizedKey add(String line) {
    KeyLines.Parsed p;
    ClassLoader context = SshdLoader.enter();
    try {
      p = KeyLines.parse(line);
    } finally {
      SshdLoader.restore(context);
    }
    if (byFingerprint.size() >= MAX_KEYS) {
      throw new IllegalArgumentException("already " + MAX_KEYS + " authorised keys; remove one first");
    }
    AuthorizedKey k = new AuthorizedKey(p.fingerprint(), p.type(), p.bits(), p.comment(),
        Instant.ofEpochMilli(System.currentTimeMillis()));
    if (!db.insert(k, p.line())) {
      throw new IllegalArgumentException("key " + k.fingerprint() + " is already authorised");
    }
    byFingerprint.put(k.fingerprint(), p.key());
    LOG.info("ssh: authorised key {} ({} {})", k.fingerprint(), k.type(), k.comment());
    return k;
  }

  @Override
  public List<AuthorizedKey> list() {
    return db.keys().stream().map(SshStore.StoredKey::key).toList();
  }

  @Override
  public synchronized List<AuthorizedKey> remove(String fingerprintOrComment) {
    String which = fingerprintOrComment == null ? "" : fingerprintOrComment.strip();
    if (which.isEmpty()) {
      throw new IllegalArgumentException("name the key to remove by its fingerprint (SHA256:...) or comment");
    }
    List<AuthorizedKey> removed = new ArrayList<>();
    for (AuthorizedKey k : list()) {
      if (k.fingerprint().equals(which) || k.comment().equals(which)) {
        db.delete(k.fingerprint());
        byFingerprint.remove(k.fingerprint());
        removed.add(k);
        LOG.info("ssh: key {} ({}) no longer authorised", k.fingerprint(), k.comment());
      }
    }
    if (removed.isEmpty()) {
      throw new IllegalArgumentException("no authorised key has the fingerprint or comment '" + which + "'");
    }
    return removed;
  }

  @Override
  public boolean authorizes(PublicKey key) {
    PublicKey known = byFingerprint.get(KeyUtils.getFingerPrint(key));
    return known != null && KeyUtils.compareKeys(known, key);
  }
}
