package io.warren.tls.command;

import io.warren.tls.TlsCertificates;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code tls:} console scope: certificates and routes. */
@Component(service = TlsCommands.class,
    property = {"osgi.command.scope=tls", "osgi.command.function=cert", "osgi.command.function=route"})
public final class TlsCommands {
  private final TlsCertificates tls;

  @Activate
  public TlsCommands(@Reference TlsCertificates tls) {
    this.tls = tls;
  }

  @Descriptor("tls:cert list: the stored certificates (hostname, serial, expiry; never key material)")
  public List<String> cert(@Descriptor("list") String action) {
    if (!action.equals("list")) {
      throw new IllegalArgumentException(
          "expected 'tls:cert list' or 'tls:cert request <hostname>', got '" + action + "'");
    }
    List<String> rows = new ArrayList<>();
    rows.add("HOSTNAME  SERIAL  NOT-AFTER");
    for (TlsCertificates.CertInfo c : tls.certificates()) {
      rows.add(c.hostname() + "  " + c.serial() + "  " + c.notAfter());
    }
    return rows;
  }

  @Descriptor("tls:cert request <hostname> [--acme-url URL]: obtain a certificate through ACME (HTTP-01) and keep it")
  public String cert(
      @Descriptor("ACME directory URL (default: acme.url in etc/io.warren.tls.cfg)") @Parameter(names = "--acme-url",
          absentValue = "") String acmeUrl,
      @Descriptor("request") String action, @Descriptor("the hostname") String hostname) {
    if (!action.equals("request")) {
      throw new IllegalArgumentException("expected 'tls:cert request <hostname>', got '" + action + "'");
    }
    TlsCertificates.CertInfo c = tls.request(hostname, acmeUrl);
    return "certificate for " + c.hostname() + ": serial " + c.serial() + ", valid until " + c.notAfter();
  }

  @Descriptor("tls:route list: hostnames the TLS listener serves and where each goes")
  public List<String> route(@Descriptor("list") String action) {
    if (!action.equals("list")) {
      throw new IllegalArgumentException("expected 'tls:route list|add|remove', got '" + action + "'");
    }
    List<String> rows = new ArrayList<>();
    String at = tls.listenAddress();
    rows.add("listener: " + (at.isEmpty() ? "off (listen = true in etc/io.warren.tls.cfg)" : at));
    for (TlsCertificates.Route r : tls.routes()) {
      rows.add(r.hostname() + " -> " + r.peer() + ":" + r.port());
    }
    return rows;
  }

  @Descriptor("tls:route add <hostname> --target <peer|name>:<port>, or tls:route remove <hostname>")
  public String route(
      @Descriptor("<peer|name>:<port> (add)") @Parameter(names = "--target", absentValue = "") String target,
      @Descriptor("add|remove") String action, @Descriptor("the hostname") String hostname) {
    switch (action) {
      case "add" -> {
        if (target.isEmpty()) {
          throw new IllegalArgumentException("tls:route add needs --target <peer|name>:<port>");
        }
        TlsCertificates.Route r = tls.addRoute(hostname, target);
        return "route " + r.hostname() + " -> " + r.peer() + ":" + r.port();
      }
      case "remove" -> {
        return tls.removeRoute(hostname) ? "removed " + hostname : "no route for " + hostname;
      }
      default -> throw new IllegalArgumentException("expected 'tls:route add|remove <hostname>', got '" + action + "'");
    }
  }
}
