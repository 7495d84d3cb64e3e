package io.warren.itests;

import com.sun.net.httpserver.HttpServer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the TLS system tests serve and how they reach it: HTTP services on loopback that say who
 * they are, a certificate of one's own from openssl, curl through a node's TLS listener.
 */
final class TlsSites implements AutoCloseable {
  private final List<HttpServer> services = new ArrayList<>();

  /** An HTTP service on loopback answering {@code "<says> <path>"}; its port. */
  int service(String says) throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    http.createContext("/", ex -> {
      byte[] out = (says + " " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    http.start();
    services.add(http);
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    services.forEach(s -> s.stop(0));
  }

  /** A self-signed EC P-256 certificate for {@code names} in {@code <dir>/<file>.pem}, its key in {@code .key}. */
  static Path selfSigned(Path dir, String file, String... names) throws Exception {
    String d = dir.toString();
    Pebble.sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", d + "/" + file + ".key", "-out", d + "/" + file + ".pem", "-days", "2", "-subj", "/CN=" + names[0],
        "-addext", "subjectAltName=DNS:" + String.join(",DNS:", names));
    return dir.resolve(file + ".pem");
  }

  /** curl {@code https://<host>:<port><path>} at 127.0.0.1, verifying against {@code root}. */
  static Result curl(Path root, int port, String host, String path) throws Exception {
    return NodeProcess.run(List.of("curl", "-sS", "--max-time", "20", "--cacert", root.toString(), "--resolve",
        host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + path), null);
  }
}
