package io.warren.deploy;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * This node's side of {@code deploy:}: the publishers whose signatures it accepts, the bundles pushed
 * to it, and going back to the version before. Calls block (store, framework); keep them off event loops.
 */
public interface Deployer {

  /** A publisher this node trusts: its certificate's SHA-256 fingerprint (hex) and subject. */
  record Publisher(String fingerprint, String subject, Instant notAfter) {}

  /** One change: when, which bundle and version, the artifact's SHA-256, who asked, what happened. */
  record Change(long id, Instant at, String bundle, String version, String digest, String by, String result) {}

  /** Trusts {@code certificate}'s signatures from now on (again if already trusted). */
  Publisher trust(X509Certificate certificate);

  /** The publishers trusted, by subject. */
  List<Publisher> publishers();

  /** Stops trusting the publisher whose fingerprint starts with {@code prefix} (at least 8 hex digits). */
  Publisher distrust(String prefix);

  /**
   * Lets {@code peer} upload one artifact of {@code size} bytes whose SHA-256 is {@code digest} over
   * the deploy protocol within a minute, and answers the one-time token it must present. Run by the
   * pushing node as an admin call, so the upload carries this node's admin authorisation.
   */
  String expect(String peer, long size, String digest, boolean force);

  /** Goes back to the version of {@code bundle} installed before the last update. */
  String rollback(String bundle, String by);

  /** The changes, newest first, at most {@code limit}. */
  List<Change> history(int limit);
}
