package io.warren.deploy;

import java.nio.file.Path;
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

  /** A bundle this node runs: its version and the SHA-256 of its jar ({@code ?} when its bytes cannot be read). */
  record Held(String bundle, String version, String digest) {}

  /**
   * What {@code deploy:update-node} may send from this node: the bundles whose jars are signed by a
   * publisher this node trusts (pushed here, or installed signed), with their bytes, and every other
   * bundle by name with why it is left out.
   */
  record Offer(List<Signed> signed, List<String> skipped) {}

  /** A bundle this node runs whose jar is signed by a publisher it trusts, and that jar. */
  record Signed(String bundle, String version, String digest, byte[] content) {}

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

  /**
   * The bundles of these symbolic names as this node runs them; one absent is left out.
   *
   * @since 1.1
   */
  List<Held> held(List<String> bundles);

  /**
   * The bundles this node could bring another node to (see {@link Offer}).
   *
   * @since 1.1
   */
  Offer offer();

  /**
   * Signs {@code jar} into {@code out} with this node's own publisher key (made on first use), as
   * jarsigner does; answers that publisher. Other nodes accept such jars once they trust
   * {@link #publisherCertificate()}.
   *
   * @since 1.1
   */
  Publisher sign(Path jar, Path out);

  /**
   * This node's publisher certificate as PEM (its key is made on first use).
   *
   * @since 1.1
   */
  String publisherCertificate();

  /** The changes, newest first, at most {@code limit}. */
  List<Change> history(int limit);
}
