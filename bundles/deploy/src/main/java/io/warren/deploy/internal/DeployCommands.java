package io.warren.deploy.internal;

import io.warren.api.Json;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.deploy.DeployException;
import io.warren.deploy.Deployer;
import io.warren.deploy.Deployer.Change;
import io.warren.deploy.Deployer.Publisher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code deploy:} console scope. {@code deploy:push} asks the target for an upload token with
 * an admin call ({@code deploy:receive}, through {@link RemoteAdmin}, so with the target's admin
 * authorisation), then sends the artifact on a {@value DeployService#PROTOCOL} stream and prints the
 * target's report.
 */
@Component(service = DeployCommands.class, property = {
    "osgi.command.scope=deploy",
    "osgi.command.function=push",
    "osgi.command.function=receive",
    "osgi.command.function=trust",
    "osgi.command.function=history",
    "osgi.command.function=rollback"})
public final class DeployCommands {
  private static final Duration CALL = Duration.ofSeconds(30);
  private static final Duration ANSWER = Duration.ofMinutes(5);

  private final Deployer deployer;
  private final PeerDirectory directory;
  private final NodeIdentity identity;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile RemoteAdmin remote;

  @Activate
  public DeployCommands(@Reference Deployer deployer, @Reference PeerDirectory directory,
      @Reference NodeIdentity identity) {
    this.deployer = deployer;
    this.directory = directory;
    this.identity = identity;
  }

  @Descriptor("Pushes a signed bundle to another node of the network (needs its admin authorisation): it is"
      + " verified there, installed or updated, and awaited until active, or rolled back")
  public String push(
      @Descriptor("the node: a node name or a peer ID") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("that node's admin credentials, user:password (else its standing grant)") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("allow a lower version than the one installed") @Parameter(names = {"-f", "--force"},
          absentValue = "false", presentValue = "true") boolean force,
      @Descriptor("the bundle jar, signed by a publisher the node trusts") String jar) throws Exception {
    if (node.isEmpty()) {
      throw new IllegalArgumentException("deploy:push needs --node <name or peer ID>");
    }
    byte[] content;
    try {
      content = Files.readAllBytes(Path.of(jar));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + jar, e);
    }
    PeerRef peer = directory.resolve(node);
    if (peer.id().equals(identity.peerId())) {
      throw new IllegalArgumentException(node + " is this node");
    }
    List<String> call = new ArrayList<>(List.of("deploy:receive"));
    if (force) {
      call.add("--force");
    }
    call.addAll(List.of(identity.peerId(), Long.toString(content.length), Deployments.sha256(content)));
    String answer = remote().runAndWait(peer.id(), call, credentials, CALL);
    String[] lines = answer.strip().split("\n");
    String token = lines[lines.length - 1].strip();
    if (!token.matches("[0-9a-f]{32}")) {
      throw new IllegalStateException(node + " answered no upload token: " + answer);
    }
    try {
      return node + ": " + Push.send(directory, peer, token, content).toCompletableFuture()
          .get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof java.util.concurrent.CompletionException x && x.getCause() != null
          ? x.getCause() : e.getCause();
      throw new DeployException(node + ": " + c.getMessage(), c);
    } catch (TimeoutException e) {
      throw new TimeoutException(node + " did not report within " + ANSWER.toMinutes() + " min");
    }
  }

  @Descriptor("For deploy:push: lets <peer> upload one artifact of <size> bytes with SHA-256 <digest> within a"
      + " minute, and answers its one-time token (run by the pushing node as an admin call)")
  public String receive(
      @Descriptor("allow a lower version than the one installed") @Parameter(names = {"-f", "--force"},
          absentValue = "false", presentValue = "true") boolean force,
      @Descriptor("the peer ID that will upload") String peer, @Descriptor("its size in bytes") long size,
      @Descriptor("its SHA-256, hex") String digest) {
    return deployer.expect(peer, size, digest, force);
  }

  @Descriptor("Manages the publishers whose signed bundles this node accepts: add <certificate file, PEM or DER>,"
      + " list, remove <fingerprint>")
  public String trust(@Descriptor("add, list or remove") String action,
      @Descriptor("add: the certificate file; remove: its fingerprint (8 hex digits at least)") String... args)
      throws IOException {
    return switch (action) {
      case "add" -> {
        Publisher p = deployer.trust(certificate(one(args, "deploy:trust add <certificate file>")));
        yield "trusting " + p.subject() + "\nfingerprint " + p.fingerprint();
      }
      case "list" -> {
        List<Publisher> all = deployer.publishers();
        if (all.isEmpty()) {
          yield "no trusted publishers: every push is refused (deploy:trust add <certificate file>)";
        }
        StringBuilder b = new StringBuilder(String.format("%-64s  %-20s  %s%n", "FINGERPRINT (SHA-256)", "NOT AFTER",
            "SUBJECT"));
        for (Publisher p : all) {
          b.append(String.format("%-64s  %-20s  %s%n", p.fingerprint(), p.notAfter(), p.subject()));
        }
        yield b.toString().stripTrailing();
      }
      case "remove" -> "no longer trusting " + deployer.distrust(one(args, "deploy:trust remove <fingerprint>"))
          .subject();
      default -> throw new IllegalArgumentException("expected add, list or remove, got '" + action + "'");
    };
  }

  @Descriptor("Every change pushed to this node (or --node's), newest first: bundle, version, digest, who, result")
  public String history(
      @Descriptor("another node: a node name or a peer ID") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("that node's admin credentials, user:password (else its standing grant)") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("a JSON array, newest first: id, at, bundle, version, sha256, by, result") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json)
      throws Exception {
    if (!node.isEmpty()) {
      return remote().runAndWait(node, json ? List.of("deploy:history", "--json") : List.of("deploy:history"),
          credentials, CALL);
    }
    List<Change> all = deployer.history(100);
    if (json) {
      List<Object> out = new ArrayList<>();
      for (Change c : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("at", c.at().toString());
        m.put("bundle", c.bundle());
        m.put("version", c.version());
        m.put("sha256", c.digest());
        m.put("by", c.by());
        m.put("result", c.result());
        out.add(m);
      }
      return Json.write(out);
    }
    if (all.isEmpty()) {
      return "nothing pushed to this node yet";
    }
    StringBuilder b = new StringBuilder();
    for (Change c : all) {
      b.append(String.format("%-5d %s %s %s sha256:%s by %s: %s%n", c.id(), c.at(), c.bundle(), c.version(),
          c.digest().substring(0, 16), c.by(), c.result()));
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Goes back to the version of a pushed bundle installed before its last update (on --node if given)")
  public String rollback(
      @Descriptor("another node: a node name or a peer ID") @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor("that node's admin credentials, user:password (else its standing grant)") @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("the bundle's symbolic name") String bundle) throws Exception {
    if (!node.isEmpty()) {
      return remote().runAndWait(node, List.of("deploy:rollback", bundle), credentials, CALL);
    }
    return deployer.rollback(bundle, "admin");
  }

  private RemoteAdmin remote() {
    RemoteAdmin r = remote;
    if (r == null) {
      throw new IllegalStateException("--node needs the federation bundle, which is not running");
    }
    return r;
  }

  private static X509Certificate certificate(String file) throws IOException {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + file, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(file + " is not an X.509 certificate (PEM or DER): " + e.getMessage(), e);
    }
  }

  private static String one(String[] args, String usage) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: " + usage);
    }
    return args[0];
  }
}
