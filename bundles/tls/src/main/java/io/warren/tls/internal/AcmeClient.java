package io.warren.tls.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * One certificate order through acme4j: account (key kept by the caller), order for one or more
 * hostnames, HTTP-01 answered by {@link Challenges}, CSR with a fresh key, download. The ACME server's TLS is verified
 * against the given context (the configured CA file, or the JVM's trust store).
 */
final class AcmeClient {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** What an order gives: the new key pair and the chain, leaf first. */
  record Issued(KeyPair key, List<X509Certificate> chain) {}

  private AcmeClient() {}

  static Issued order(String acmeUrl, SSLContext trust, KeyPair accountKey, String contact,
      List<String> hostnames, Supplier<Challenges> challenges) throws AcmeException, InterruptedException {
    Session session = new Session(URI.create(acmeUrl), new VerifyingProvider(trust));
    AccountBuilder ab = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
    if (!contact.isEmpty()) {
      ab.addContact(contact);
    }
    Account account = ab.create(session);
    Order order = account.newOrder().domains(hostnames).create();
    String hostname = String.join(", ", hostnames);
    try (Challenges server = challenges.get()) {
      for (Authorization auth : order.getAuthorizations()) {
        if (auth.getStatus() == Status.VALID) {
          continue;
        }
        Challenge ch;
        if (server.type().equals(TLS_ALPN_01)) {
          TlsAlpn01Challenge tls = auth.findChallenge(TlsAlpn01Challenge.class).orElseThrow(() -> new AcmeException(
              "the ACME server offers no tls-alpn-01 challenge for " + auth.getIdentifier().getDomain()));
          KeyPair k = KeyPairUtils.createKeyPair(2048); // acme4j signs the challenge certificate with SHA256withRSA
          server.answerTls(auth.getIdentifier().getDomain(), k, tls.createCertificate(k, auth.getIdentifier()));
          ch = tls;
        } else {
          Http01Challenge http = auth.findChallenge(Http01Challenge.class).orElseThrow(() -> new AcmeException(
              "the ACME server offers no http-01 challenge for " + auth.getIdentifier().getDomain()));
          server.answer(http.getToken(), http.getAuthorization());
          ch = http;
        }
        ch.trigger();
        Status s = auth.waitForCompletion(WAIT);
        if (s != Status.VALID) {
          throw new AcmeException(
              "the " + server.type() + " challenge for " + auth.getIdentifier().getDomain() + " ended " + s
                  + ch.getError().map(e -> ": " + e).orElse(""));
        }
      }
    }
    order.waitUntilReady(WAIT);
    KeyPair domainKey = newEcKey();
    order.execute(domainKey);
    Status s = order.waitForCompletion(WAIT);
    if (s != Status.VALID) {
      throw new AcmeException("the order for " + hostname + " ended " + s + order.getError().map(e -> ": " + e)
          .orElse(""));
    }
    return new Issued(domainKey, order.getCertificate().getCertificateChain());
  }

  static KeyPair newAccountKey() {
    return newEcKey();
  }

  /**
   * A fresh EC P-256 key made by Bouncy Castle, through a provider object of this bundle's own.
   * Not acme4j's {@code KeyPairUtils.createECKeyPair}: that asks for the provider registered as "BC",
   * which exists only when something else (sshd) has put Bouncy Castle into the JVM's providers, so
   * requests failed with "no such provider: BC" on a node whose SSH console had not started. Not the
   * JDK's generator either: its keys are written to PEM without their public half, and read back
   * without one.
   */
  static KeyPair newEcKey() {
    try {
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC", Bc.PROVIDER);
      g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an EC P-256 key", e);
    }
  }

  /** Made at the first key, not at start (it loads several hundred classes); never registered in the JVM. */
  private static final class Bc {
    static final java.security.Provider PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();
  }

  static String write(KeyPair key) {
    StringWriter w = new StringWriter();
    try {
      KeyPairUtils.writeKeyPair(key, w);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a key pair", e);
    }
    return w.toString();
  }

  static KeyPair read(String pem) {
    try {
      return KeyPairUtils.readKeyPair(new StringReader(pem));
    } catch (IOException e) {
      throw new IllegalStateException("a stored key pair does not parse", e);
    }
  }

  static final String HTTP_01 = "http-01";
  static final String TLS_ALPN_01 = "tls-alpn-01";

  /** Where the challenges' answers are served while an order runs (closed when it is done). */
  interface Challenges extends AutoCloseable {
    /** {@link #HTTP_01} (the default) or {@link #TLS_ALPN_01}. */
    default String type() {
      return HTTP_01;
    }

    /** An HTTP-01 answer. */
    default void answer(String token, String keyAuthorization) {
      throw new UnsupportedOperationException("no HTTP-01 answers here");
    }

    /** A TLS-ALPN-01 answer: the certificate to present for {@code hostname} with {@code acme-tls/1}. */
    default void answerTls(String hostname, KeyPair key, X509Certificate cert) {
      throw new UnsupportedOperationException("no TLS-ALPN-01 answers here");
    }

    @Override
    void close();
  }

  /** Any http(s) ACME directory, its HTTP client verifying the server against {@code trust}. */
  private static final class VerifyingProvider extends GenericAcmeProvider {
    private final SSLContext trust;

    VerifyingProvider(SSLContext trust) {
      this.trust = trust;
    }

    @Override
    protected HttpConnector createHttpConnector(NetworkSettings settings) {
      return new HttpConnector(settings) {
        @Override
        public HttpClient.Builder createClientBuilder() {
          return super.createClientBuilder().sslContext(trust);
        }
      };
    }
  }
}
