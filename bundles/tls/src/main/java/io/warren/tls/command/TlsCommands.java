package io.warren.tls.command;

import io.warren.api.Json;
import io.warren.tls.TlsCertificates;
import io.warren.tls.TlsCertificates.KeyInfo;
import io.warren.tls.TlsCertificates.Mode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code tls:} console scope: keys (request, renew, import, copy, remove, list) and routes.
 * {@code tls:tls} is the seeds' {@code tls --hostname --key-prefix}; {@code tls:cert list|request}
 * are kept from the first version.
 */
@Component(service = TlsCommands.class, property = {"osgi.command.scope=tls",
    "osgi.command.function=request", "osgi.command.function=tls", "osgi.command.function=renew",
    "osgi.command.function=keys", "osgi.command.function=import", "osgi.command.function=copy",
    "osgi.command.function=receive", "osgi.command.function=remove", "osgi.command.function=cert",
    "osgi.command.function=route"})
public final class TlsCommands {
  private final TlsCertificates tls;

  @Activate
  public TlsCommands(@Reference TlsCertificates tls) {
    this.tls = tls;
  }

  @Descriptor("tls:request --hostname <name>[,<name>...] [--key-prefix <key name>] [more hostnames]: obtain one "
      + "certificate for the hostnames through ACME (HTTP-01) and keep it under the key name (default: the first "
      + "hostname)")
  public String request(
      @Descriptor("hostname(s), comma-separated") @Parameter(names = {"-h", "--hostname"},
          absentValue = "") String hostnames,
      @Descriptor("the key's name (default: the first hostname)") @Parameter(names = {"-p", "--key-prefix",
          "--prefix"}, absentValue = "") String name,
      @Descriptor("ACME directory URL (default: acme.url in etc/io.warren.tls.cfg)") @Parameter(names = "--acme-url",
          absentValue = "") String acmeUrl,
      @Descriptor("more hostnames") String... more) {
    List<String> hosts = new ArrayList<>();
    Stream.concat(Arrays.stream(hostnames.split(",")), Arrays.stream(more)).map(String::strip)
        .filter(h -> !h.isEmpty()).forEach(hosts::add);
    KeyInfo k = tls.request(name, hosts, acmeUrl);
    return "certificate " + k.name() + " for " + String.join(", ", k.hostnames()) + ": serial " + k.serial()
        + ", valid until " + k.notAfter();
  }

  @Descriptor("tls --hostname <name>[,<name>...] [--key-prefix <key name>]: the seeds' name for tls:request")
  public String tls(
      @Descriptor("hostname(s), comma-separated") @Parameter(names = {"-h", "--hostname"},
          absentValue = "") String hostnames,
      @Descriptor("the key's name (default: the first hostname)") @Parameter(names = {"-p", "--key-prefix",
          "--prefix"}, absentValue = "") String name,
      @Descriptor("ACME directory URL") @Parameter(names = "--acme-url", absentValue = "") String acmeUrl,
      @Descriptor("more hostnames") String... more) {
    return request(hostnames, name, acmeUrl, more);
  }

  @Descriptor("tls:renew <key name>: renew an ACME certificate now (the seeds' renew-tls)")
  public String renew(@Descriptor("the key's name (tls:keys)") String name) {
    KeyInfo k = tls.renew(name);
    return "renewed " + k.name() + ": serial " + k.serial() + ", valid until " + k.notAfter();
  }

  @Descriptor("tls:keys: the keys this node holds (name, hostnames, expiry, origin, routes using it; never key "
      + "material)")
  public Object keys(
      @Descriptor("a JSON array: name, hostnames, serial, notBefore, notAfter, origin, usedBy") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    if (json) {
      List<Object> out = new ArrayList<>();
      for (KeyInfo k : tls.keys()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", k.name());
        m.put("hostnames", k.hostnames());
        m.put("serial", k.serial());
        m.put("notBefore", k.notBefore() == null ? null : k.notBefore().toString());
        m.put("notAfter", k.notAfter() == null ? null : k.notAfter().toString());
        m.put("origin", k.origin());
        m.put("usedBy", k.usedBy());
        out.add(m);
      }
      return Json.write(out);
    }
    List<String> rows = new ArrayList<>();
    rows.add("NAME  HOSTNAMES  SERIAL  NOT-AFTER  ORIGIN  USED-BY");
    for (KeyInfo k : tls.keys()) {
      rows.add(k.name() + "  " + String.join(",", k.hostnames()) + "  " + k.serial() + "  " + k.notAfter() + "  "
          + k.origin().replace(' ', '_') + "  " + (k.usedBy().isEmpty() ? "-" : String.join("; ", k.usedBy())));
    }
    return rows;
  }

  @Descriptor("tls:import <cert.pem> <key.pem> [--chain <chain.pem>] [--key-prefix <name>]: keep a certificate and "
      + "its private key (PEM; the key unencrypted) as a key of this node")
  public String _import( // Gogo looks up its keyword 'import' as '_import'

      @Descriptor("intermediate certificates, PEM") @Parameter(names = "--chain", absentValue = "") String chain,
      @Descriptor("the key's name (default: the certificate's first hostname)") @Parameter(names = {"-p",
          "--key-prefix", "--prefix"}, absentValue = "") String name,
      @Descriptor("the certificate (PEM; may hold the chain after it)") String cert,
      @Descriptor("the private key (PEM)") String key) throws IOException {
    String certPem = read(cert);
    String chainPem = chain.isEmpty() ? "" : read(chain);
    String all = certPem.endsWith("\n") || certPem.isEmpty() ? certPem + chainPem : certPem + "\n" + chainPem;
    KeyInfo k = tls.importPem(name.isEmpty() ? firstName(all) : name, all, read(key), "import");
    return "imported " + k.name() + " for " + String.join(", ", k.hostnames()) + ", valid until " + k.notAfter();
  }

  @Descriptor("tls:copy --prefix <key name> --to <node> [--credentials user:password]: send a key (certificate and "
      + "private key) to another node of the network with its admin authorisation")
  public String copy(
      @Descriptor("the key's name") @Parameter(names = {"-p", "--prefix", "--key-prefix"},
          absentValue = "") String name,
      @Descriptor("the node: a node name or a peer ID") @Parameter(names = {"-t", "--to"},
          absentValue = "") String node,
      @Descriptor("that node's admin credentials, user:password (else its standing grant)") @Parameter(names = {"-c",
          "--credentials"}, absentValue = "") String credentials)
      throws Exception {
    if (name.isEmpty() || node.isEmpty()) {
      throw new IllegalArgumentException("tls:copy needs --prefix <key name> and --to <node>");
    }
    return node + " " + tls.copy(name, node, credentials.isEmpty() ? null : credentials);
  }

  @Descriptor("For tls:copy: lets <peer> send key <name> of <size> bytes with SHA-256 <digest> within a minute, and "
      + "answers its one-time token (run by the sending node as an admin call)")
  public String receive(@Descriptor("the sending peer ID") String peer, @Descriptor("the key's name") String name,
      @Descriptor("size in bytes") int size, @Descriptor("SHA-256, hex") String digest) {
    return tls.expectCopy(peer, name, size, digest);
  }

  @Descriptor("tls:remove <key name>: forget a key (its hostnames are no longer served by this node)")
  public String remove(@Descriptor("the key's name") String name) {
    return tls.remove(name) ? "removed " + name : "no key named " + name;
  }

  @Descriptor("tls:cert list: the stored certificates (kept from the first version; tls:keys shows more)")
  public Object cert(@Descriptor("a JSON array: hostname, serial, notAfter") @Parameter(names = {"--json"},
      presentValue = "true", absentValue = "false") boolean json, @Descriptor("list") String action) {
    if (!action.equals("list")) {
      throw new IllegalArgumentException(
          "expected 'tls:cert list' or 'tls:cert request <hostname>', got '" + action + "'");
    }
    if (json) {
      List<Object> out = new ArrayList<>();
      for (KeyInfo k : tls.keys()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", k.name());
        m.put("serial", k.serial());
        m.put("notAfter", k.notAfter() == null ? null : k.notAfter().toString());
        out.add(m);
      }
      return Json.write(out);
    }
    List<String> rows = new ArrayList<>();
    rows.add("HOSTNAME  SERIAL  NOT-AFTER");
    for (KeyInfo k : tls.keys()) {
      rows.add(k.name() + "  " + k.serial() + "  " + k.notAfter());
    }
    return rows;
  }

  @Descriptor("tls:cert request <hostname> [--acme-url URL]: tls:request for one hostname (kept from the first "
      + "version)")
  public String cert(
      @Descriptor("ACME directory URL (default: acme.url in etc/io.warren.tls.cfg)") @Parameter(names = "--acme-url",
          absentValue = "") String acmeUrl,
      @Descriptor("request") String action, @Descriptor("the hostname") String hostname) {
    if (!action.equals("request")) {
      throw new IllegalArgumentException("expected 'tls:cert request <hostname>', got '" + action + "'");
    }
    KeyInfo k = tls.request(null, List.of(hostname), acmeUrl);
    return "certificate for " + k.name() + ": serial " + k.serial() + ", valid until " + k.notAfter();
  }

  @Descriptor("tls:route list: hostnames the listeners serve, where each goes, and whether each target node answers "
      + "its health check")
  public Object route(
      @Descriptor("one JSON object: listener, httpListener (null when off), engine and routes (hostname, "
          + "peer, port, mode, targets: peer, port, live, since, detail)") @Parameter(names = {"--json"},
              presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("list") String action) {
    if (!action.equals("list")) {
      throw new IllegalArgumentException("expected 'tls:route list|add|remove', got '" + action + "'");
    }
    String at = tls.listenAddress();
    if (json) {
      List<Object> routes = new ArrayList<>();
      for (TlsCertificates.Route r : tls.routes()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", r.hostname());
        m.put("peer", r.peer());
        m.put("port", r.port());
        m.put("mode", r.mode().toString());
        List<Object> targets = new ArrayList<>();
        for (TlsCertificates.TargetState t : tls.health(r)) {
          Map<String, Object> tm = new LinkedHashMap<>();
          tm.put("peer", t.target().peer());
          tm.put("port", t.target().port());
          tm.put("live", t.live());
          tm.put("since", t.since() == null ? null : t.since().toString());
          tm.put("detail", t.detail());
          targets.add(tm);
        }
        m.put("targets", targets);
        routes.add(m);
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("listener", at.isEmpty() ? null : at);
      m.put("httpListener", tls.httpAddress().isEmpty() ? null : tls.httpAddress());
      m.put("engine", tls.engine());
      m.put("routes", routes);
      return Json.write(m);
    }
    List<String> rows = new ArrayList<>();
    rows.add("listener: " + (at.isEmpty() ? "off (listen = true in etc/io.warren.tls.cfg)" : at + ", TLS by "
        + tls.engine()));
    String http = tls.httpAddress();
    rows.add("http listener: " + (http.isEmpty() ? "off (http.listen = true in etc/io.warren.tls.cfg)" : http));
    for (TlsCertificates.Route r : tls.routes()) {
      rows.add(describe(r));
      if (r.targets().size() > 1 || !r.peer().equals("localhost")) {
        for (TlsCertificates.TargetState t : tls.health(r)) {
          rows.add("  " + t.target() + ": " + (t.live() ? "live" : "NOT LIVE")
              + (t.since() == null ? "" : " since " + t.since()) + " (" + t.detail() + ")");
        }
      }
    }
    return rows;
  }

  @Descriptor("tls:route add <hostname|*> --target <peer|name|localhost>:<port> [--mode terminate|passthrough|http], "
      + "or tls:route remove <hostname|*> [--http]")
  public String route(
      @Descriptor("<peer|name>:<port>, or localhost:<port> for this node; several separated by commas, tried in "
          + "order, the live ones first (add)") @Parameter(names = "--target",
              absentValue = "") String target,
      @Descriptor("terminate (TLS ends here, default), passthrough (TLS ends on the target), http (plain HTTP by "
          + "Host)") @Parameter(names = "--mode", absentValue = "terminate") String mode,
      @Descriptor("remove the http route rather than the TLS one") @Parameter(names = "--http",
          absentValue = "false", presentValue = "true") boolean http,
      // a flag of its own here, so that Gogo never takes 'list --json' for this method's two words
      @Descriptor("add: the route as a JSON object (hostname, mode, targets)") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("add|remove") String action,
      @Descriptor("the hostname, or * for the default route") String hostname) {
    switch (action) {
      case "add" -> {
        if (target.isEmpty()) {
          throw new IllegalArgumentException("tls:route add needs --target <peer|name>:<port>");
        }
        TlsCertificates.Route r = tls.addRoute(hostname, target, Mode.parse(mode));
        if (json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("hostname", r.hostname());
          m.put("mode", r.mode().toString());
          m.put("targets", r.targets().stream().map(Object::toString).toList());
          return Json.write(m);
        }
        return "route " + describe(r);
      }
      case "remove" -> {
        return tls.removeRoute(hostname, http) ? "removed " + hostname : "no route for " + hostname;
      }
      default -> throw new IllegalArgumentException("expected 'tls:route add|remove <hostname>', got '" + action + "'");
    }
  }

  private static String describe(TlsCertificates.Route r) {
    return r.hostname() + " -> " + String.join(",", r.targets().stream().map(Object::toString).toList()) + " ("
        + r.mode() + ")";
  }

  private static String read(String file) throws IOException {
    try {
      return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + file, e);
    }
  }

  /** The first DNS name of the first certificate in {@code pem}, as the default key name. */
  private static String firstName(String pem) {
    try {
      var cf = java.security.cert.CertificateFactory.getInstance("X.509");
      var c = (java.security.cert.X509Certificate) cf
          .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      if (c.getSubjectAlternativeNames() != null) {
        for (List<?> san : c.getSubjectAlternativeNames()) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            return san.get(1).toString().replace("*.", "wildcard.");
          }
        }
      }
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalArgumentException("the certificate PEM does not parse: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("the certificate names no DNS hostname; give --key-prefix <name>");
  }
}
