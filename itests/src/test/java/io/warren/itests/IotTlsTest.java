package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.testing.Closer;
import io.warren.testing.NodeProcess;
import io.warren.testing.NodeProcess.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT-over-TLS listener with mosquitto clients holding client certificates (made here with
 * openssl): a certificate from the configured CA connects as its CN, a pinned self-signed one as
 * the user its pin names, and one that is neither, or none, fails the handshake.
 */
class IotTlsTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  @TempDir Path dir;
  @RegisterExtension final Closer open = new Closer();

  private Result openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(Arrays.asList(args));
    Result r = NodeProcess.run(cmd, null);
    assertEquals(0, r.exit(), r.toString());
    return r;
  }

  /** A P-256 key and a certificate for {@code cn} in {@code name}.key/.crt, signed by the CA ({@code ca} set) or by itself. */
  private void certificate(String name, String cn, boolean ca, boolean server, String signedBy) throws Exception {
    String key = dir.resolve(name + ".key").toString();
    String crt = dir.resolve(name + ".crt").toString();
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
    Path ext = dir.resolve(name + ".ext");
    java.nio.file.Files.writeString(ext, ca ? "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n"
        : server ? "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n");
    if (signedBy == null) {
      openssl("req", "-new", "-x509", "-key", key, "-subj", "/CN=" + cn, "-days", "2", "-out", crt, "-extensions",
          "v3", "-config", config(ext).toString());
    } else {
      String csr = dir.resolve(name + ".csr").toString();
      openssl("req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr);
      openssl("x509", "-req", "-in", csr, "-CA", dir.resolve(signedBy + ".crt").toString(), "-CAkey",
          dir.resolve(signedBy + ".key").toString(), "-CAcreateserial", "-days", "2", "-out", crt, "-extfile",
          ext.toString());
    }
  }

  private Path config(Path ext) throws Exception {
    Path c = dir.resolve(ext.getFileName() + ".cnf");
    java.nio.file.Files.writeString(c,
        "[req]\ndistinguished_name=dn\n[dn]\n[v3]\n" + java.nio.file.Files.readString(ext));
    return c;
  }

  private String fingerprint(String name) throws Exception {
    String out = openssl("x509", "-in", dir.resolve(name + ".crt").toString(), "-noout", "-fingerprint", "-sha256")
        .out().strip();
    return out.substring(out.indexOf('=') + 1);
  }

  private List<String> tlsArgs(int port, String client) {
    List<String> a = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", Integer.toString(port), "--cafile",
        dir.resolve("ca.crt").toString()));
    if (client != null) {
      a.addAll(List.of("--cert", dir.resolve(client + ".crt").toString(), "--key", dir.resolve(client + ".key")
          .toString()));
    }
    return a;
  }

  private Result pub(int port, String client, String topic, String message) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mosquitto_pub"));
    cmd.addAll(tlsArgs(port, client));
    cmd.addAll(List.of("-q", "1", "-t", topic, "-m", message));
    return NodeProcess.run(cmd, null);
  }

  @Test
  void devicesAuthenticateWithClientCertificatesAndOthersAreRefusedAtTheHandshake() throws Exception {
    certificate("ca", "Warren test devices CA", true, false, null);
    certificate("server", "127.0.0.1", false, true, "ca");
    certificate("thermostat", "thermostat", false, false, "ca");
    certificate("pinned", "any-name", false, false, null);
    certificate("rogue", "thermostat", false, false, null); // claims the trusted CN, signed by no one we trust
    Path home = NodeProcess.installation(dir.resolve("n"), "n");
    int port = NodeProcess.freePort();
    int tlsPort = NodeProcess.freePort();
    NodeProcess.configure(home, "io.warren.iot", "enabled = true\nport = " + port + "\ntls.port = " + tlsPort
        + "\ntls.certificate.file = " + dir.resolve("server.crt") + "\ntls.key.file = " + dir.resolve("server.key")
        + "\ntls.client.ca.file = " + dir.resolve("ca.crt") + "\ntls.client.pins = " + fingerprint("pinned")
        + "=valve\n");
    NodeProcess node = NodeProcess.start(home, dir.resolve("n/data"));
    open.add(node);
    node.awaitClient(WAIT, r -> r.out().contains("127.0.0.1:" + tlsPort), "iot:stats");
    assertEquals(0, node.client("iot:acl", "add", "thermostat", "home/#", "both").exit());
    assertEquals(0, node.client("iot:acl", "add", "valve", "home/valve/#", "pub").exit());

    // the CA's certificate: user thermostat (its CN) subscribes
    List<String> sub = new ArrayList<>(tlsArgs(tlsPort, "thermostat"));
    sub.addAll(List.of("-i", "thermostat-1", "-q", "1", "-t", "home/#"));
    Mosquitto thermostat = Mosquitto.sub(dir, "thermostat-sub", tlsPort, sub.subList(4, sub.size())
        .toArray(String[]::new));
    open.add(thermostat);
    node.awaitClient(WAIT, r -> r.out().matches("(?s).*thermostat-1\\s+thermostat\\s.*connected.*"), "iot:clients");

    // the pinned self-signed certificate: user valve (the pin's name, not its CN) publishes
    Result pinned = pub(tlsPort, "pinned", "home/valve/state", "open");
    assertEquals(0, pinned.exit(), pinned.toString());
    thermostat.await("home/valve/state open", WAIT);

    // a certificate neither pinned nor from the CA, and no certificate at all: refused in the handshake
    Result rogue = pub(tlsPort, "rogue", "home/valve/state", "forged");
    assertNotEquals(0, rogue.exit(), rogue.toString());
    Result none = pub(tlsPort, null, "home/valve/state", "anonymous");
    assertNotEquals(0, none.exit(), none.toString());
    // the rule still applies to a certificate's user: valve may not publish outside home/valve/#
    assertEquals(0, pub(tlsPort, "pinned", "home/thermostat/set", "99").exit());
    assertEquals(0, pub(tlsPort, "pinned", "home/valve/state", "closed").exit());
    thermostat.await("home/valve/state closed", WAIT);
    assertTrue(thermostat.lines().stream().noneMatch(l -> l.contains("forged") || l.contains("anonymous")
        || l.contains("99")), thermostat.lines().toString());
    assertTrue(node.alive());
  }
}
