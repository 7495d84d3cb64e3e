package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's pebble as the ACME server of a TLS test, with pebble-challtestsrv answering its DNS with
 * 127.0.0.1: its own HTTPS certificate from a throwaway CA ({@link #ca}, what a node's acme.ca.file
 * names), HTTP-01 asked on {@link #challenge}, its issuing root at {@link #root}.
 */
final class Pebble implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(40);
  final Path dir;
  final int acme;
  final int admin;
  final int challenge;
  private final List<Process> servers = new ArrayList<>();
  private final HttpClient client;

  Pebble(Path dir) throws Exception {
    this(dir, NodeProcess.freePort());
  }

  /** {@code tlsPort}: where pebble validates TLS-ALPN-01 (a node's TLS listener). */
  Pebble(Path dir, int tlsPort) throws Exception {
    this.dir = dir;
    String d = dir.toString();
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days", "2", "-subj", "/CN=warren test ACME CA");
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
        d + "/pebble.key", "-out", d + "/pebble.csr", "-subj", "/CN=127.0.0.1");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    sh("openssl", "x509", "-req", "-in", d + "/pebble.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
        "-CAcreateserial", "-out", d + "/pebble.pem", "-days", "2", "-extfile", d + "/san.ext");
    int dns = NodeProcess.freePort();
    acme = NodeProcess.freePort();
    admin = NodeProcess.freePort();
    challenge = NodeProcess.freePort();
    server("challtestsrv", List.of("pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
        "-dns01", "127.0.0.1:" + dns, "-http01", "", "-https01", "", "-tlsalpn01", "",
        "-management", "127.0.0.1:" + NodeProcess.freePort()), Map.of());
    Files.writeString(dir.resolve("pebble.json"), "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + acme
        + "\", \"managementListenAddress\": \"127.0.0.1:" + admin + "\", \"certificate\": \"" + dir
        + "/pebble.pem\", \"privateKey\": \"" + dir + "/pebble.key\", \"httpPort\": " + challenge
        + ", \"tlsPort\": " + tlsPort + ", \"ocspResponderURL\": \"\","
        + " \"externalAccountBindingRequired\": false}}");
    // no random sleeps before validation, no nonces refused on purpose: the tests measure the flow
    server("pebble", List.of("pebble", "-config", dir.resolve("pebble.json").toString(), "-dnsserver",
        "127.0.0.1:" + dns), Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0"));
    client = HttpClient.newBuilder().sslContext(trusting(Files.readAllBytes(ca()))).build();
    Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> client.send(HttpRequest.newBuilder(
        URI.create("https://127.0.0.1:" + acme + "/dir")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode() == 200, "pebble's directory");
  }

  /** The CA of pebble's own HTTPS certificate. */
  Path ca() {
    return dir.resolve("ca.pem");
  }

  /** The root pebble issues from, written to a file (what curl --cacert takes). */
  Path root() throws Exception {
    HttpResponse<String> root = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + admin
        + "/roots/0")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, root.statusCode());
    return Files.writeString(dir.resolve("pebble-root.pem"), root.body());
  }

  /** A node's io.warren.tls configuration for this pebble, with the TLS listener on {@code listen}. */
  String nodeConfig(int listen) {
    return "acme.url = https://127.0.0.1:" + acme + "/dir\n"
        + "acme.ca.file = " + ca() + "\n"
        + "challenge.host = 127.0.0.1\nchallenge.port = " + challenge + "\n"
        + "listen = true\nlisten.host = 127.0.0.1\nlisten.port = " + listen + "\n";
  }

  Process server(String name, List<String> cmd, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    servers.add(p);
    return p;
  }

  static void sh(String... cmd) throws Exception {
    Result r = NodeProcess.run(List.of(cmd), null);
    assertEquals(0, r.exit(), String.join(" ", cmd) + ": " + r);
  }

  static SSLContext trusting(byte[] pem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
      ks.setCertificateEntry("c" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static SSLContext trusting(Path pem) throws Exception {
    return trusting(Files.readString(pem).getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void close() {
    servers.forEach(Process::destroy);
  }
}
