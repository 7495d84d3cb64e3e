package io.warren.deploy.internal;

import io.warren.api.Json;
import io.warren.api.NetworkMembers;
import io.warren.api.NodeIdentity;
import io.warren.api.PeerDirectory;
import io.warren.api.PeerRef;
import io.warren.api.RemoteAdmin;
import io.warren.api.Store;
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
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code deploy:} console scope. {@code deploy:push} asks the target for an upload token with
 * an admin call ({@code deploy:receive}, through {@link RemoteAdmin}, so with the target's admin
 * authorisation), then sends the artifact on a {@value DeployService#PROTOCOL} stream and prints the
 * target's report.
 */
@Component(service = DeployCommands.class, immediate = true, configurationPid = "io.warren.deploy", property = {
    "osgi.command.scope=deploy",
    "osgi.command.function=push",
    "osgi.command.function=receive",
    "osgi.command.function=inventory",
    "osgi.command.function=rollouts",
    "osgi.command.function=sign",
    "osgi.command.function=publisher",
    "osgi.command.function=trust",
    "osgi.command.function=history",
    "osgi.command.function=rollback"})
public final class DeployCommands {
  private static final Duration CALL = Pusher.CALL;
  private static final Duration WAIT_FOR_NODES = Duration.ofSeconds(60);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DeployCommands.class);
  // the flags deploy:push and deploy:update-node share (UpdateNodeCommand declares them again: Gogo reads them per method)
  static final String NODE = "the node: a node name or a peer ID";
  static final String CREDENTIALS = "the admin credentials of the node(s), user:password (else their standing grant)";
  static final String ALL = "roll out to every other node this node reaches";
  static final String NETWORK = "roll out to every other member of this network";
  static final String CANARY = "rollouts: the node to update first, alone (else the first by name)";
  static final String BATCH = "rollouts: nodes per wave after the canary (else rollout.batch.size)";
  static final String MAX_FAILURES = "rollouts: percent of a wave that may fail (else rollout.max.failure.percent)";

  private final Deployer deployer;
  private final PeerDirectory directory;
  private final NodeIdentity identity;
  private final RolloutStore rollouts;
  private final Rollouts.Plan plan;
  private final Duration resume;
  private final Thread resumer;
  private volatile boolean stopped;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile RemoteAdmin remote;
  @Reference(cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC) private volatile NetworkMembers members;

  @Activate
  public DeployCommands(@Reference Deployer deployer, @Reference PeerDirectory directory,
      @Reference NodeIdentity identity, @Reference Store store, DeployService.Config config) {
    this.deployer = deployer;
    this.directory = directory;
    this.identity = identity;
    this.rollouts = new RolloutStore(store);
    this.plan = new Rollouts.Plan(config.rollout_batch_size(), config.rollout_max_failure_percent());
    this.resume = DeployService.Settings.of(config).resume();
    this.resumer = new Thread(this::continueRollouts, "warren-deploy-rollout-resume");
    resumer.setDaemon(true);
    resumer.start();
  }

  /**
   * Stops waiting to continue rollouts. A flag, not an interrupt: an interrupt that lands in a store
   * call closes H2's file channel, and with it the node's database.
   */
  @Deactivate
  void deactivate() {
    stopped = true;
  }

  /** Whether the federation bundle is there and knows each of {@code nodes} as a member. */
  private boolean known(java.util.Set<String> nodes) {
    RemoteAdmin r = remote;
    if (r == null) {
      return false;
    }
    List<String> members = r.nodes();
    try {
      return nodes.stream().allMatch(n -> members.contains(directory.resolve(n).id()));
    } catch (IllegalArgumentException e) {
      return false; // a name the directory cannot resolve yet: not known so far, asked again shortly
    }
  }

  /**
   * The rollouts this node was running when it stopped, continued: once the federation bundle is
   * there and the nodes still to update are reachable (or {@link #WAIT_FOR_NODES} passed), each goes
   * on from where it was; one that cannot (its artifacts are gone, or it ran with --credentials,
   * which are never kept) ends as failed with the reason.
   */
  private void continueRollouts() {
    try {
      List<RolloutStore.Rollout> open = rollouts.unfinished();
      if (open.isEmpty()) {
        return;
      }
      java.util.Set<String> pending = new java.util.HashSet<>();
      open.forEach(r -> r.targets().stream().filter(t -> t.state().equals("waiting") || t.state().equals("updating"))
          .forEach(t -> pending.add(t.node())));
      long deadline = System.nanoTime() + WAIT_FOR_NODES.toNanos();
      while (System.nanoTime() < deadline && !known(pending) && !stopped) {
        Thread.sleep(500);
      }
      for (RolloutStore.Rollout r : open) {
        if (stopped || !rollouts.claim(r.id())) {
          continue;
        }
        Rollouts going = new Rollouts(rollouts, remote == null ? null : pusher());
        if (remote == null) {
          going.abandon(r, "the federation bundle is not running");
        } else if (r.spec().kind().isEmpty()) {
          going.abandon(r, "it began before this node kept what rollouts send");
        } else if (r.spec().credentials()) {
          going.abandon(r, "it ran with --credentials, which are never kept; run it again");
        } else {
          Rollouts.Step step;
          try {
            step = RolloutSteps.step(r.spec(), pusher(), deployer, "");
          } catch (DeployException e) {
            going.abandon(r, e.getMessage());
            continue;
          }
          LOG.info("deploy: {}", going.resume(r, step).replace('\n', ';'));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("deploy: continuing the rollouts this node was running failed", e);
    }
  }

  @Descriptor("Pushes a signed bundle to another node of the network (needs its admin authorisation): it is"
      + " verified there, installed or updated, and awaited until active, or rolled back; with --all or --network,"
      + " to every node in waves")
  public String push(
      @Descriptor(NODE) @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor(CREDENTIALS) @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("allow a lower version than the one installed") @Parameter(names = {"-f", "--force"},
          absentValue = "false", presentValue = "true") boolean force,
      @Descriptor(ALL) @Parameter(names = {"-a", "--all"},
          absentValue = "false", presentValue = "true") boolean all,
      @Descriptor(NETWORK) @Parameter(names = {"--network"},
          absentValue = "") String network,
      @Descriptor(CANARY) @Parameter(
          names = {"--canary"}, absentValue = "") String canary,
      @Descriptor(BATCH) @Parameter(
          names = {"--batch"}, absentValue = "0") int batch,
      @Descriptor(MAX_FAILURES) @Parameter(
          names = {"--max-failures"}, absentValue = "-1") int maxFailures,
      @Descriptor("the file is a feature (features/*.json): push each bundle it names that differs there, all or"
          + " nothing") @Parameter(names = {"--feature"}, absentValue = "false", presentValue = "true") boolean feature,
      @Descriptor("--feature: where its bundles are, in Maven layout (else the system/ beside the feature's folder)") @Parameter(
          names = {"--system"}, absentValue = "") String system,
      @Descriptor("the bundle jar, signed by a publisher the node trusts (or, with --feature, the feature file)") String jar)
      throws Exception {
    Pusher pusher = pusher();
    List<String> nodes = targets(node, all, network);
    if (feature) {
      Path file = Path.of(jar).toAbsolutePath();
      Deployer.Offer offer = FeatureFile.read(file, system.isEmpty() ? file.getParent().resolveSibling("system")
          : Path.of(system));
      if (nodes.size() == 1 && !all && network.isEmpty()) {
        NodeUpdate.Outcome o = NodeUpdate.runAll(pusher, offer, node, credentials, force);
        if (!o.ok()) {
          throw new DeployException(node + ": " + o.report());
        }
        return node + ": " + o.report();
      }
      Rollouts.Plan p = plan(batch, maxFailures);
      Path dir = system.isEmpty() ? file.getParent().resolveSibling("system") : Path.of(system);
      return rollout(pusher, "feature " + file.getFileName() + " (" + offer.signed().size() + " bundles)", nodes,
          canary, RolloutSteps.feature(file, dir, offer, force, !credentials.isEmpty(), p), credentials);
    }
    byte[] content = read(jar);
    if (nodes.size() == 1 && !all && network.isEmpty()) {
      return node + ": " + failing(node, () -> pusher.push(node, content, credentials, force));
    }
    return rollout(pusher, "push " + Path.of(jar).getFileName() + " (sha256:" + Deployments.sha256(content)
        .substring(0, 16) + ")", nodes, canary, RolloutSteps.push(Path.of(jar), content, force, !credentials.isEmpty(),
            plan(batch, maxFailures)),
        credentials);
  }

  /** {@code deploy:update-node} (a function name Java cannot spell, so {@link UpdateNodeCommand} calls this). */
  String updateNode(String node, String credentials, boolean force, boolean all, String network, String canary,
      int batch, int maxFailures) throws Exception {
    Pusher pusher = pusher();
    List<String> nodes = targets(node, all, network);
    Deployer.Offer offer = deployer.offer();
    if (nodes.size() == 1 && !all && network.isEmpty()) {
      NodeUpdate.Outcome o = NodeUpdate.run(pusher, offer, node, credentials, force);
      if (!o.ok()) {
        throw new DeployException(node + ": " + o.report());
      }
      return node + ": " + o.report();
    }
    return rollout(pusher, "update-node to this node's versions of " + offer.signed().size() + " signed bundle(s)",
        nodes, canary, RolloutSteps.updateNode(offer, force, !credentials.isEmpty(), plan(batch, maxFailures)),
        credentials);
  }

  @Descriptor("For deploy:update-node: each named bundle this node runs, with its version and its jar's SHA-256")
  public String inventory(
      @Descriptor("a JSON array: bundle, version, sha256") @Parameter(names = {"--json"}, presentValue = "true",
          absentValue = "false") boolean json,
      @Descriptor("bundles' symbolic names") String... bundles) {
    if (json) {
      List<Object> out = new ArrayList<>();
      for (Deployer.Held h : deployer.held(List.of(bundles))) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bundle", h.bundle());
        m.put("version", h.version());
        m.put("sha256", h.digest());
        out.add(m);
      }
      return Json.write(out);
    }
    StringBuilder b = new StringBuilder();
    for (Deployer.Held h : deployer.held(List.of(bundles))) {
      b.append(h.bundle()).append(' ').append(h.version()).append(' ').append(h.digest()).append('\n');
    }
    return b.toString().stripTrailing();
  }

  @Descriptor("Signs a jar with this node's own publisher key (made on first use), as jarsigner does; nodes that"
      + " trust this node's publisher certificate (deploy:publisher) accept it")
  public String sign(@Descriptor("the jar to sign") String jar,
      @Descriptor("where to write the signed jar") String out) {
    Deployer.Publisher p = deployer.sign(Path.of(jar), Path.of(out));
    return "signed " + out + " as " + p.subject() + "\nfingerprint " + p.fingerprint();
  }

  @Descriptor("Writes this node's publisher certificate (PEM) to a file, for deploy:trust add on the nodes that"
      + " should accept what deploy:sign signs here")
  public String publisher(@Descriptor("the file to write") String file) throws IOException {
    Files.writeString(Path.of(file), deployer.publisherCertificate());
    return "wrote " + file;
  }

  @Descriptor("The rollouts this node ran, newest first, with each node's wave and state")
  public String rollouts(@Descriptor("a JSON array: id, started, state, what, detail, targets (wave, node, state,"
      + " detail)") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    List<RolloutStore.Rollout> all = rollouts.rollouts(10);
    if (json) {
      List<Object> out = new ArrayList<>();
      for (RolloutStore.Rollout r : all) {
        List<Object> targets = new ArrayList<>();
        for (RolloutStore.Target t : r.targets()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("wave", t.wave());
          m.put("node", t.node());
          m.put("state", t.state());
          m.put("detail", t.detail().isEmpty() ? null : t.detail());
          targets.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("started", r.started() == null ? null : r.started().toString());
        m.put("state", r.state());
        m.put("what", r.what());
        m.put("detail", r.detail().isEmpty() ? null : r.detail());
        m.put("targets", targets);
        out.add(m);
      }
      return Json.write(out);
    }
    if (all.isEmpty()) {
      return "no rollouts from this node yet";
    }
    StringBuilder b = new StringBuilder();
    for (RolloutStore.Rollout r : all) {
      b.append(String.format("rollout %d %s %s: %s%s%n", r.id(), r.started(), r.state(), r.what(),
          r.detail().isEmpty() ? "" : " (" + r.detail() + ")"));
      for (RolloutStore.Target t : r.targets()) {
        b.append(String.format("  wave %d %-20s %-12s %s%n", t.wave(), t.node(), t.state(),
            t.detail().lines().findFirst().orElse("")));
      }
    }
    return b.toString().stripTrailing();
  }

  private Rollouts.Plan plan(int batch, int maxFailures) {
    return new Rollouts.Plan(batch > 0 ? batch : plan.batchSize(), maxFailures >= 0 ? maxFailures
        : plan.maxFailurePercent());
  }

  private String rollout(Pusher pusher, String what, List<String> nodes, String canary, RolloutStore.Spec spec,
      String credentials) throws InterruptedException {
    String first = canary.isEmpty() ? "" : name(directory.resolve(canary));
    Rollouts.Step step = RolloutSteps.step(spec, pusher, deployer, credentials);
    String summary = new Rollouts(rollouts, pusher).run(what, Rollouts.waves(nodes, first, spec.batch()), spec,
        step, credentials);
    if (!summary.endsWith("done")) {
      throw new DeployException(summary);
    }
    return summary;
  }

  /** The nodes a command addresses: {@code node}, or every other node ({@code all}), or the network's members. */
  private List<String> targets(String node, boolean all, String network) {
    int given = (node.isEmpty() ? 0 : 1) + (all ? 1 : 0) + (network.isEmpty() ? 0 : 1);
    if (given != 1) {
      throw new IllegalArgumentException("give one of --node <name or peer ID>, --all, --network <network>");
    }
    if (!node.isEmpty()) {
      return List.of(node);
    }
    List<PeerRef> peers;
    if (all) {
      peers = remote().nodes().stream().map(directory::resolve).toList();
    } else {
      NetworkMembers m = members;
      if (m == null || m.network().isEmpty()) {
        throw new IllegalStateException("this node is in no network");
      }
      if (!m.network().get().equals(network)) {
        throw new IllegalArgumentException("this node is a member of " + m.network().get() + ", not " + network);
      }
      peers = m.peers();
    }
    List<String> names = new ArrayList<>();
    peers.forEach(p -> names.add(name(p)));
    names.sort(null);
    if (names.isEmpty()) {
      throw new IllegalStateException("no other nodes to roll out to");
    }
    return names;
  }

  private String name(PeerRef p) {
    return directory.nameOf(p).orElse(p.id());
  }

  private Pusher pusher() {
    return new Pusher(directory, identity, remote(), resume);
  }

  /** Runs {@code push}, prefixing its failure with the node. */
  private static String failing(String node, java.util.concurrent.Callable<String> push) throws Exception {
    try {
      return push.call();
    } catch (DeployException e) {
      throw new DeployException(node + ": " + e.getMessage(), e);
    }
  }

  private static byte[] read(String file) throws IOException {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + file, e);
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
  public String trust(
      @Descriptor("list: a JSON array of fingerprint, notAfter, subject") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("add, list or remove") String action,
      @Descriptor("add: the certificate file; remove: its fingerprint (8 hex digits at least)") String... args)
      throws IOException {
    return switch (action) {
      case "add" -> {
        Publisher p = deployer.trust(certificate(one(args, "deploy:trust add <certificate file>")));
        yield "trusting " + p.subject() + "\nfingerprint " + p.fingerprint();
      }
      case "list" -> {
        List<Publisher> all = deployer.publishers();
        if (json) {
          List<Object> out = new ArrayList<>();
          for (Publisher p : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fingerprint", p.fingerprint());
            m.put("notAfter", p.notAfter() == null ? null : p.notAfter().toString());
            m.put("subject", p.subject());
            out.add(m);
          }
          yield Json.write(out);
        }
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
