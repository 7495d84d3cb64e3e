package io.warren.tls.internal;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys the node holds, each parsed once into a server context, and the hostname each serves: a
 * name covered by several certificates gets the one valid longest; {@code *.example.com} covers
 * one label.
 */
final class KeyRing {

  /** A usable stored key: what {@code tls:keys} shows and the context the listener serves. */
  record Loaded(String name, List<String> hostnames, String serial, Instant notBefore, Instant notAfter,
      String origin, SslContext context) {}

  private final Map<String, Loaded> byName = new ConcurrentHashMap<>();
  private volatile Map<String, Loaded> byHost = Map.of();

  /**
   * Parses {@code s}: the chain (leaf first), the private key, the key matching the leaf; the
   * server context runs on {@code engine}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Loaded parse(TlsStore.Stored s, Engine engine) {
    List<X509Certificate> chain;
    try {
      chain = Pem.parseCertificates(s.chainPem().getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate PEM does not parse: " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate in the certificate PEM");
    }
    PrivateKey key = Pem.privateKey(s.keyPem());
    X509Certificate leaf = chain.get(0);
    if (!Pem.matches(key, leaf.getPublicKey())) {
      throw new IllegalArgumentException("the private key is not the key of the certificate "
          + leaf.getSubjectX500Principal());
    }
    List<String> names = Pem.dnsNames(leaf).stream().sorted().distinct().toList(); // CAs order SANs as they like
    if (names.isEmpty()) {
      throw new IllegalArgumentException("the certificate names no DNS hostname (subjectAltName)");
    }
    try {
      SslContext ctx = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
          .sslProvider(engine.provider()).build();
      return new Loaded(s.name(), names, leaf.getSerialNumber().toString(16), leaf.getNotBefore().toInstant(),
          leaf.getNotAfter().toInstant(), s.origin(), ctx);
    } catch (javax.net.ssl.SSLException | RuntimeException e) {
      throw new IllegalArgumentException("no TLS server context from it: " + e.getMessage(), e);
    }
  }

  void put(Loaded k) {
    byName.put(k.name(), k);
    index();
  }

  boolean remove(String name) {
    boolean had = byName.remove(name) != null;
    index();
    return had;
  }

  Loaded get(String name) {
    return byName.get(name);
  }

  List<Loaded> all() {
    List<Loaded> out = new ArrayList<>(byName.values());
    out.sort(Comparator.comparing(Loaded::name));
    return out;
  }

  /** The key serving {@code hostname} (lower case), or null. */
  Loaded forHost(String hostname) {
    Map<String, Loaded> m = byHost;
    Loaded k = m.get(hostname);
    int dot = hostname.indexOf('.');
    return k != null || dot < 0 ? k : m.get("*" + hostname.substring(dot));
  }

  /** The context serving {@code hostname} (lower case), or null. */
  SslContext context(String hostname) {
    Loaded k = forHost(hostname);
    return k == null ? null : k.context();
  }

  private synchronized void index() {
    Map<String, Loaded> m = new HashMap<>();
    for (Loaded k : byName.values()) {
      for (String h : k.hostnames()) {
        m.merge(h.toLowerCase(Locale.ROOT), k, (a, b) -> a.notAfter().isAfter(b.notAfter()) ? a : b);
      }
    }
    byHost = Map.copyOf(m);
  }
}
