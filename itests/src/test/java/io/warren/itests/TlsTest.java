package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.warren.testing.Await;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS at the edge with a real ACME server: pebble (Debian's package, with pebble-challtestsrv
 * answering its DNS with 127.0.0.1) issues a certificate to public node P, whose HTTP-01 answer P
 * serves itself; P's TLS listener serves it by SNI and routes the plaintext through the proxy
 * ingress protocol to an HTTP service behind node Q; curl verifies the chain against pebble's root;
 * an unknown name is refused; a short renewal threshold makes P renew and serve the new certificate.
 */
class TlsTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String HOST = "app.warren.test";
  @TempDir Path dir;
  private Pebble pebble;
  private HttpServer http;

  @AfterEach
  void stop() {
    if (pebble != null) {
      pebble.close();
    }
    if (http != null) {
      http.stop(0);
    }
  }

  /** The serial of the certificate the listener serves for {@code name} (verified against {@code trust}). */
  private static String servedSerial(SSLContext trust, int port, String name) throws Exception {
    try (SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port)) {
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(name)));
      s.setSSLParameters(p);
      s.setSoTimeout(10_000);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
    }
  }

  private static String serialIn(String certList) {
    return certList.lines().filter(l -> l.strip().startsWith(HOST + " ")).map(l -> l.strip().split("\\s+")[1])
        .findFirst().orElse("");
  }

  private static String tlsConfig(Pebble pebble, int listen, int renewDays, int checkSeconds) {
    return pebble.nodeConfig(listen) + "renew.days.before = " + renewDays + "\nrenew.check.seconds = " + checkSeconds
        + "\n";
  }

  @Test
  void aCertificateFromPebbleIsServedBySniRoutedToAnotherNodeAndRenewed() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    http.createContext("/", ex -> {
      byte[] out = ("hello from behind q, path " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    http.start();
    int service = http.getAddress().getPort();

    int listen = NodeProcess.freePort();
    pebble = new Pebble(dir, listen); // TLS-ALPN-01 is validated on P's TLS listener
    Path pHome = NodeProcess.installation(dir.resolve("p"), "p");
    NodeProcess.configure(pHome, "io.warren.tls", tlsConfig(pebble, listen, 0, 3600));
    Path qHome = NodeProcess.installation(dir.resolve("q"), "q");
    try (NodeProcess p = NodeProcess.startMember(pHome, dir.resolve("p/data"), "edge:NetPass", "admin:PAdmin", null);
        NodeProcess q = NodeProcess.startMember(qHome, dir.resolve("q/data"), "edge:NetPass", "admin:QAdmin",
            p.identity())) {
      String pId = p.banner("peer ID");
      String qId = q.banner("peer ID");
      p.awaitClient(WAIT, o -> o.out().contains(qId), "net:nodes");

      // a certificate from pebble, whose HTTP-01 request P answers itself; never the key in the output
      Result got = p.client("tls:cert", "request", HOST);
      assertEquals(0, got.exit(), got.toString());
      assertTrue(got.out().contains("certificate for " + HOST), got.toString());
      String list = p.client("tls:cert", "list").out();
      String serial = serialIn(list);
      assertNotEquals("", serial, list);
      assertTrue(!list.contains("PRIVATE KEY") && !got.out().contains("PRIVATE KEY"), list);

      // Q lets P in to its service (a proxy ingress rule); P routes the hostname there
      assertEquals(0, q.client("proxy:add", "--direction", "ingress", "--origin", pId, "--port",
          Integer.toString(service)).exit());
      Result route = p.client("tls:route", "add", HOST, "--target", qId + ":" + service);
      assertEquals(0, route.exit(), route.toString());

      // curl verifies the served chain against pebble's root and reaches the service behind Q
      Path rootPem = pebble.root();
      List<String> curl = List.of("curl", "-sS", "--max-time", "10", "--cacert", rootPem.toString(), "--resolve",
          HOST + ":" + listen + ":127.0.0.1", "https://" + HOST + ":" + listen + "/through");
      Result served = NodeProcess.run(curl, null);
      assertEquals(0, served.exit(), served.toString());
      assertEquals("hello from behind q, path /through", served.out().strip());

      // a name with no certificate and route: the handshake is refused, the listener stays up
      Result unknown = NodeProcess.run(List.of("curl", "-sS", "--max-time", "10", "--cacert", rootPem.toString(),
          "--resolve", "other.warren.test:" + listen + ":127.0.0.1", "https://other.warren.test:" + listen + "/"),
          null);
      assertNotEquals(0, unknown.exit(), unknown.toString());
      assertTrue(unknown.err().contains("unrecognized name"), "refused with a TLS alert: " + unknown);
      assertEquals(0, NodeProcess.run(curl, null).exit(), "the listener still serves the known name");

      // an ACME server that is down: a clear error, and the listener keeps serving
      int dead = NodeProcess.freePort();
      Result down =
          p.client("tls:cert", "request", "down.warren.test", "--acme-url", "https://127.0.0.1:" + dead + "/dir");
      assertNotEquals(0, down.exit(), down.toString());
      assertTrue(down.err().contains("no certificate for down.warren.test"), down.toString());
      // an HTTPS server whose certificate acme.ca.file does not vouch for is not trusted
      String d = dir.toString();
      Pebble.sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", d + "/imp.key", "-out", d + "/imp.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
          "subjectAltName=IP:127.0.0.1");
      int impostor = NodeProcess.freePort();
      pebble.server("impostor", List.of("openssl", "s_server", "-www", "-accept", Integer.toString(impostor), "-cert",
          d + "/imp.pem", "-key", d + "/imp.key"), Map.of());
      Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> {
        try (var probe = new java.net.Socket("127.0.0.1", impostor)) {
          return true;
        } catch (IOException e) {
          return false;
        }
      }, "openssl s_server listening");
      Result untrusted =
          p.client("tls:cert", "request", "imp.warren.test", "--acme-url", "https://127.0.0.1:" + impostor + "/dir");
      assertNotEquals(0, untrusted.exit(), untrusted.toString());
      assertTrue(untrusted.err().contains("PKIX") || untrusted.err().contains("certification path"),
          "refused for its certificate: " + untrusted);
      assertEquals(0, NodeProcess.run(curl, null).exit(), "the listener still serves after failed requests");

      // the HTTP-01 port is taken: the request answers TLS-ALPN-01 on P's TLS listener instead
      Result alpn;
      try (java.net.ServerSocket taken = new java.net.ServerSocket(pebble.challenge, 1,
          InetAddress.getLoopbackAddress())) {
        alpn = p.client("tls:request", "--hostname", "alpn.warren.test");
      }
      assertEquals(0, alpn.exit(), alpn.toString());
      assertTrue(alpn.err().contains("answering TLS-ALPN-01 on the TLS listener"), alpn.toString());
      assertTrue(p.client("tls:keys").out().contains("alpn.warren.test  alpn.warren.test"));

      // bad input: a clear error
      Result bad = p.client("tls:route", "add", "bad_host!", "--target", qId + ":1");
      assertNotEquals(0, bad.exit());
      assertTrue(bad.err().contains("not a DNS hostname"), bad.toString());

      // a renewal threshold longer than the certificate's life: the next check renews and serves the new one
      SSLContext pebbleTrust = Pebble.trusting(rootPem);
      assertEquals(serial, servedSerial(pebbleTrust, listen, HOST));
      NodeProcess.configure(pHome, "io.warren.tls",
          tlsConfig(pebble, listen, 100_000, 2));
      Await.until(Duration.ofSeconds(60), NodeProcess.CLIENT_POLL, () -> {
        String now = serialIn(p.client("tls:cert", "list").out());
        return !now.isEmpty() && !now.equals(serial);
      }, "a renewed certificate in tls:cert list");
      Await.until(WAIT, NodeProcess.CLIENT_POLL, () -> !servedSerial(pebbleTrust, listen, HOST).equals(serial),
          "the renewed certificate served");
      Result after = NodeProcess.run(curl, null);
      assertEquals(0, after.exit(), after.toString());
    }
  }
}
