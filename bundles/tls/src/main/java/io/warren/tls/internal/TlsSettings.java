package io.warren.tls.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The TLS bundle's configuration, checked: a bad value stops the component with the reason. */
record TlsSettings(String acmeUrl, Optional<Path> acmeCaFile, String contact, String challengeHost,
    int challengePort, boolean listen, String listenHost, int listenPort, boolean httpListen, String httpHost,
    int httpPort, TlsListener.Limits limits,
    int renewDaysBefore, Duration renewCheck, Duration healthCheck, boolean nativeTls) {
  static final String PID = "io.warren.tls";

  @ObjectClassDefinition(name = "Warren TLS", description = "ACME certificates and the TLS listener routing by SNI")
  public @interface Config {
    @AttributeDefinition(description = "The ACME directory URL certificates are requested from (tls:cert request "
        + "--acme-url overrides it per request)")
    String acme_url() default "https://acme-v02.api.letsencrypt.org/directory";

    @AttributeDefinition(description = "PEM file of the CA(s) the ACME server's own TLS certificate is verified "
        + "against; empty: the JVM's default trust store. Never trust-all")
    String acme_ca_file() default "";

    @AttributeDefinition(description = "Contact for the ACME account, e.g. mailto:admin@example.com (optional)")
    String acme_contact() default "";

    @AttributeDefinition(description = "Address the HTTP-01 challenge answers are served on while a request runs")
    String challenge_host() default "0.0.0.0";

    @AttributeDefinition(description = "TCP port of the HTTP-01 answers (the ACME server asks port 80)")
    int challenge_port() default 80;

    @AttributeDefinition(description = "Run the TLS listener that terminates TLS and routes by SNI (tls:route)")
    boolean listen() default false;

    @AttributeDefinition(description = "Address the TLS listener binds")
    String listen_host() default "0.0.0.0";

    @AttributeDefinition(description = "TCP port of the TLS listener; 0 picks a free port")
    int listen_port() default 443;

    @AttributeDefinition(description = "Run the plain HTTP listener: ACME HTTP-01 answers for every hostname (then "
        + "challenge.port is not bound), http routes by the Host header, a redirect to HTTPS for names the TLS "
        + "listener serves")
    boolean http_listen() default false;

    @AttributeDefinition(description = "Address the HTTP listener binds")
    String http_host() default "0.0.0.0";

    @AttributeDefinition(description = "TCP port of the HTTP listener; 0 picks a free port")
    int http_port() default 80;

    @AttributeDefinition(description = "Connections the TLS listener holds at once (handshaking or spliced); one more "
        + "is closed at accept")
    int max_connections() default 4096;

    @AttributeDefinition(description = "Handshakes one IP address may have in progress at once on the TLS listener "
        + "(a ClientHello not yet routed, or a TLS handshake not finished); one more is closed at accept")
    int max_handshakes_per_source() default 32;

    @AttributeDefinition(description = "Seconds a client has from connecting to a finished handshake (terminate) or a "
        + "routed ClientHello (passthrough); then it is closed")
    int handshake_timeout_seconds() default 10;

    @AttributeDefinition(description = "Renew a certificate when it expires within this many days")
    int renew_days_before() default 30;

    @AttributeDefinition(description = "Seconds between renewal checks")
    int renew_check_seconds() default 43200;

    @AttributeDefinition(description = "Seconds between health checks of the routes' target nodes (a ping over the "
        + "overlay; an answer later than this counts as none): new connections go to the first target that answered")
    int health_check_seconds() default 3;

    @AttributeDefinition(description = "End TLS with OpenSSL through netty-tcnative where it loads (else, and when "
        + "false, the JDK's TLS; tls:route list says which)")
    boolean native_tls() default true;
  }

  static TlsSettings of(Config c) {
    String url = c.acme_url() == null ? "" : c.acme_url().strip();
    if (!url.startsWith("https://")) {
      throw new IllegalArgumentException(PID + ": acme.url must be an https:// URL, got '" + url + "'");
    }
    String ca = c.acme_ca_file() == null ? "" : c.acme_ca_file().strip();
    Optional<Path> caFile = ca.isEmpty() ? Optional.empty() : Optional.of(Path.of(ca));
    if (caFile.isPresent() && !Files.isReadable(caFile.get())) {
      throw new IllegalArgumentException(PID + ": acme.ca.file " + ca + " is not a readable file");
    }
    port("challenge.port", c.challenge_port());
    port("listen.port", c.listen_port());
    port("http.port", c.http_port());
    if (c.max_connections() < 1) {
      throw new IllegalArgumentException(PID + ": max.connections must be 1 or more, got " + c.max_connections());
    }
    if (c.max_handshakes_per_source() < 1) {
      throw new IllegalArgumentException(PID + ": max.handshakes.per.source must be 1 or more, got "
          + c.max_handshakes_per_source());
    }
    if (c.handshake_timeout_seconds() < 1) {
      throw new IllegalArgumentException(PID + ": handshake.timeout.seconds must be 1 or more, got "
          + c.handshake_timeout_seconds());
    }
    if (c.renew_days_before() < 0) {
      throw new IllegalArgumentException(PID + ": renew.days.before must be 0 or more, got " + c.renew_days_before());
    }
    if (c.renew_check_seconds() < 1) {
      throw new IllegalArgumentException(PID + ": renew.check.seconds must be 1 or more, got "
          + c.renew_check_seconds());
    }
    if (c.health_check_seconds() < 1) {
      throw new IllegalArgumentException(PID + ": health.check.seconds must be 1 or more, got "
          + c.health_check_seconds());
    }
    return new TlsSettings(url, caFile, c.acme_contact() == null ? "" : c.acme_contact().strip(),
        c.challenge_host().strip(), c.challenge_port(), c.listen(), c.listen_host().strip(), c.listen_port(),
        c.http_listen(), c.http_host().strip(), c.http_port(),
        new TlsListener.Limits(c.max_connections(), c.max_handshakes_per_source(),
            Duration.ofSeconds(c.handshake_timeout_seconds())),
        c.renew_days_before(), Duration.ofSeconds(c.renew_check_seconds()),
        Duration.ofSeconds(c.health_check_seconds()), c.native_tls());
  }

  private static void port(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(PID + ": " + name + " must be 0-65535, got " + port);
    }
  }
}
