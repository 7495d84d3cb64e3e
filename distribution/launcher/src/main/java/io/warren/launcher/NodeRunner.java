package io.warren.launcher;

import io.warren.launcher.Features.BundleEntry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleWiring;

/** Starts Felix with the features' bundles and runs until the framework stops. */
final class NodeRunner {
  static final String READY = "warren.ready";
  static final String FAILURE = "warren.failure";
  static final int BEGINNING_START_LEVEL = 100;
  static final long READY_TIMEOUT_SECONDS = 90;
  /** Stop again once ready: how {@code warren cds-archive} has the JVM record what a start loads. */
  static final String EXIT_WHEN_READY = "warren.exit.when.ready";
  /**
   * The bundles' class loaders, held from the ready line of an {@link #EXIT_WHEN_READY} start to
   * the JVM's exit: JDK 17's dynamic archive (written at exit) holds only classes whose loader is
   * still alive, and once the framework has stopped, a collection before the exit would unload
   * every bundle's classes (on a busy machine the archive came out 18.7 MB instead of 27.5).
   */
  private static final List<ClassLoader> TRAINED_LOADERS = new ArrayList<>();

  private NodeRunner() {}

  static int run(Options options, Path home, PrintStream out, PrintStream err) throws Exception {
    long start = Long.getLong("warren.start.millis", System.currentTimeMillis());
    String directives = System.getProperty(JitDirectives.PROPERTY);
    if (directives != null) {
      String notAdded = JitDirectives.apply(Path.of(directives));
      if (notAdded != null) {
        err.println("warren: compiler directives not added, the start is slower: " + notAdded);
      }
      trace(start, "compiler directives");
    }
    DataDirs.Choice choice = DataDirs.defaultFor(home);
    Path dataDir = options.dataDir().orElse(choice.dir());
    if (options.dataDir().isEmpty() && choice.outsideBuildTree()) {
      err.println("warren: running from a build tree; the node's state is in " + dataDir
          + " (outside it, so a rebuild keeps this node's identity; --data-dir DIR to choose)");
    }
    Path system = home.resolve("system");
    ConfigLayers config = new ConfigLayers(home.resolve("etc"), dataDir.resolve("etc"), options.settings(),
        dataDir.resolve("run").resolve("etc"));
    config.check();
    List<BundleEntry> bundles = Features.read(home.resolve("features"), system);
    trace(start, "configuration and features read");

    try (DataDirLock lock = DataDirLock.acquire(dataDir); config) {
      config.sync();
      config.watch(err);
      trace(start, "configuration synced and watched");
      Map<String, String> props = frameworkProperties(options, home, dataDir, start);
      Framework framework = initFramework(props, err);
      trace(start, "framework initialised");
      BundleContext ctx = framework.getBundleContext();
      CompletableFuture<String> outcome = new CompletableFuture<>();
      watchReadiness(ctx, outcome, system);
      DumbTerminalCaps.install(ctx);
      if (System.getenv("WARREN_TRACE_START") != null) {
        ctx.addBundleListener(event -> {
          if (event.getType() == org.osgi.framework.BundleEvent.STARTED) {
            trace(start, "started " + event.getBundle().getSymbolicName());
          }
        });
      }
      syncBundles(ctx, bundles, system);
      trace(start, "bundles installed");
      Thread hook = new Thread(() -> {
        stop(framework);
        err.println("warren: stopped");
      }, "warren-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      framework.start();

      trace(start, "framework started");
      String failure;
      try {
        failure = outcome.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        failure = "the node did not become ready within " + READY_TIMEOUT_SECONDS + " s";
      }
      if (failure != null) {
        err.println("warren: cannot start: " + failure);
        Runtime.getRuntime().removeShutdownHook(hook);
        stop(framework);
        return 1;
      }
      if (Boolean.getBoolean(EXIT_WHEN_READY)) {
        Runtime.getRuntime().removeShutdownHook(hook);
        for (Bundle b : ctx.getBundles()) {
          BundleWiring wiring = b.adapt(BundleWiring.class);
          if (wiring != null && wiring.getClassLoader() != null) {
            TRAINED_LOADERS.add(wiring.getClassLoader());
          }
        }
        stop(framework);
        return 0;
      }
      FrameworkEvent stopped = framework.waitForStop(0);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it stopped the framework
      }
      return stopped.getType() == FrameworkEvent.ERROR ? 1 : 0;
    }
  }

  /**
   * Creates and initialises Felix on the bundle cache kept in the data directory; a cache that
   * cannot be read (a crash while Felix wrote it) is dropped and rebuilt, since every bundle in it
   * comes again from system/ or deploy/.
   */
  private static Framework initFramework(Map<String, String> props, PrintStream err) throws Exception {
    FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
        .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
    Framework framework = factory.newFramework(props);
    try {
      framework.init();
      return framework;
    } catch (Exception e) {
      err.println("warren: the bundle cache cannot be read (" + oneLine(e) + "); rebuilding it");
      Map<String, String> clean = new HashMap<>(props);
      clean.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
      framework = factory.newFramework(clean);
      framework.init();
      return framework;
    }
  }

  /**
   * Makes the cached bundles match the features: installs what is new, updates a bundle whose jar
   * changed since it was installed, uninstalls what no feature names any more. Bundles from
   * elsewhere (deploy/, remote deployment) are left to their owners.
   */
  static void syncBundles(BundleContext ctx, List<BundleEntry> entries, Path system) throws Exception {
    String prefix = "reference:" + system.toUri();
    Map<String, Bundle> cached = new HashMap<>();
    for (Bundle b : ctx.getBundles()) {
      if (b.getLocation().startsWith(prefix)) {
        cached.put(b.getLocation(), b);
      } else if (b.getBundleId() != 0 && jarIsGone(b.getLocation())) {
        b.uninstall(); // e.g. deleted from deploy/ while the node was down
      } else if (b.getBundleId() != 0 && inAnotherInstallation(b.getLocation(), system)) {
        // another installation started on this data directory before (e.g. the previous release,
        // unpacked beside this one): its feature bundles give way to this one's, which Felix would
        // otherwise refuse beside them for the same name and version. Configurations come from the
        // etc/ files at every start; no bundle keeps state of its own in the cache.
        b.uninstall();
      }
    }
    for (BundleEntry e : entries) {
      String location = "reference:" + e.jar().toUri();
      Bundle bundle = cached.remove(location);
      if (bundle == null) {
        bundle = ctx.installBundle(location);
      } else if (Files.getLastModifiedTime(e.jar()).toMillis() > bundle.getLastModified()) {
        bundle.update();
      }
      bundle.adapt(BundleStartLevel.class).setStartLevel(e.startLevel());
      if (bundle.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
        bundle.start(Bundle.START_ACTIVATION_POLICY);
      }
    }
    for (Bundle gone : cached.values()) {
      gone.uninstall();
    }
  }

  /**
   * Whether {@code location} is a jar in the {@code system/} directory of a Warren installation
   * other than the one whose {@code system/} this is: a directory holding {@code bin/warren} and
   * {@code features/} beside that {@code system/}.
   */
  static boolean inAnotherInstallation(String location, Path system) {
    Path jar = location.startsWith("reference:") ? localFile(location) : null;
    if (jar == null) {
      return false;
    }
    jar = jar.toAbsolutePath().normalize();
    Path ours = system.toAbsolutePath().normalize();
    for (Path d = jar.getParent(); d != null && d.getParent() != null; d = d.getParent()) {
      if (d.getFileName().toString().equals("system") && !d.equals(ours)) {
        Path home = d.getParent();
        if (Files.isRegularFile(home.resolve("bin").resolve("warren")) && Files.isDirectory(home.resolve("features"))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether a bundle location names a local jar file that no longer exists. */
  static boolean jarIsGone(String location) {
    Path jar = localFile(location);
    return jar != null && !Files.exists(jar);
  }

  /** The local file a bundle location ({@code file:}, or {@code reference:file:}) names, else null. */
  private static Path localFile(String location) {
    String l = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
    if (!l.startsWith("file:")) {
      return null;
    }
    try {
      return Path.of(java.net.URI.create(l));
    } catch (IllegalArgumentException e) {
      return null; // not a file URI Path can take: not a jar of this machine's file system to judge
    }
  }

  /** Completes with null when the node is ready, or with the reason it cannot start. */
  private static void watchReadiness(BundleContext ctx, CompletableFuture<String> outcome, Path system)
      throws Exception {
    String filter = "(" + READY + "=*)";
    ctx.addServiceListener(event -> {
      if (event.getType() == ServiceEvent.REGISTERED) {
        ServiceReference<?> ref = event.getServiceReference();
        if ("true".equals(ref.getProperty(READY))) {
          outcome.complete(null);
        } else {
          outcome.complete(String.valueOf(ref.getProperty(FAILURE)));
        }
      }
    }, filter);
    String prefix = "reference:" + system.toUri();
    ctx.addFrameworkListener(event -> {
      Bundle b = event.getBundle();
      if (event.getType() == FrameworkEvent.ERROR && b != null && b.getLocation().startsWith(prefix)) {
        Throwable t = event.getThrowable();
        outcome.complete("bundle " + (b.getSymbolicName() == null ? b.getLocation() : b.getSymbolicName())
            + " cannot start: " + (t == null ? "unknown error" : oneLine(t)));
      }
    });
  }

  /** With WARREN_TRACE_START set, prints how long each start phase took (for the start benchmark). */
  private static void trace(long start, String what) {
    if (System.getenv("WARREN_TRACE_START") != null) {
      System.err.println("warren: +" + (System.currentTimeMillis() - start) + " ms " + what);
    }
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    return m.replace('\n', ' ');
  }

  static Map<String, String> frameworkProperties(Options options, Path home, Path dataDir, long start) {
    Map<String, String> p = new HashMap<>();
    p.put(Constants.FRAMEWORK_STORAGE, dataDir.resolve("cache").toString());
    p.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, String.valueOf(BEGINNING_START_LEVEL));
    p.put("felix.log.level", "1");
    // Felix resolves the bundles on the thread that asks rather than on a pool of one thread per
    // core, kept for the node's life: two threads fewer here, and on 2 cores a restart took 30-90 ms
    // and 50-130 ms of CPU less (6 alternating starts each, JDK 25 and 17)
    p.put("felix.resolver.parallelism", "1");
    // Declarative Services keeps the components' descriptions it parsed from each bundle's XML in
    // its data area when it stops, and reads them back at the next start instead of parsing again
    // (a bundle that changed since is parsed anew)
    p.put("ds.cache.metadata", "true");
    p.put("warren.data.dir", dataDir.toString());
    p.put("warren.home", home.toString());
    p.put("warren.system.dir", home.resolve("system").toUri().toString());
    p.put("warren.version", Main.version());
    p.put("warren.start.millis", String.valueOf(start));
    options.rootCredentials().or(() -> env("WARREN_ROOT_CREDENTIALS"))
        .ifPresent(v -> p.put("warren.root.credentials", v));
    // from the environment (as --install's service gets it), so the password is not in `ps`
    options.networkCredentials().or(() -> env("WARREN_DEFAULT_NETWORK_CREDENTIALS"))
        .ifPresent(v -> p.put("warren.default.network.credentials", v));
    options.bootstrap().ifPresent(v -> p.put("warren.bootstrap", v));
    options.relayPort().ifPresent(v -> p.put("warren.relay.port", String.valueOf(v)));
    options.sshPort().ifPresent(v -> p.put("warren.ssh.port", String.valueOf(v)));
    options.metricsPort().ifPresent(v -> p.put("warren.metrics.port", String.valueOf(v)));
    options.dashboardPort().ifPresent(v -> p.put("warren.dashboard.port", String.valueOf(v)));
    // drop-in bundles and configuration, watched by FileInstall
    Path deploy = home.resolve("deploy");
    p.put("felix.fileinstall.dir", deploy + "," + dataDir.resolve("run").resolve("etc"));
    p.put("warren.etc.installation", home.resolve("etc").toString());
    p.put("warren.etc.node", dataDir.resolve("etc").toString());
    p.put("warren.etc.set", String.join(",", options.settings().entrySet().stream()
        .flatMap(e -> e.getValue().keySet().stream().map(k -> e.getKey() + ":" + k)).sorted().toList()));
    p.put("felix.fileinstall.poll", "500");
    // each watched directory is scanned every poll anyway: without NIO2 a directory's watcher does not
    // add a WatchService, and with it the JDK's poller thread (two threads fewer for the node's life)
    p.put("felix.fileinstall.disableNio2", "true");
    p.put("felix.fileinstall.noInitialDelay", "true");
    p.put("felix.fileinstall.log.level", "2");
    p.put("felix.fileinstall.enableConfigSave", "false");
    p.put("felix.fileinstall.bundles.new.start", "true");
    p.put("felix.fileinstall.tmpdir", dataDir.resolve("tmp").toString());
    // console
    boolean interactive = options.console() && System.console() != null;
    p.put("gosh.args", interactive ? "" : "--nointeractive");
    p.put("gosh.home", home.toString());
    return p;
  }

  private static java.util.Optional<String> env(String name) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(v);
  }

  private static void stop(Framework framework) {
    try {
      if (framework.getState() == Bundle.ACTIVE || framework.getState() == Bundle.STARTING) {
        framework.stop();
      }
      framework.waitForStop(20_000);
    } catch (Exception e) {
      System.err.println("warren: stopping the framework failed: " + e.getMessage());
    }
  }

}
