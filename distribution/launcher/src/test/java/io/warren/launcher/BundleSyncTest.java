package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.warren.launcher.Features.BundleEntry;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** The bundle cache is kept across starts and made to match the features each time. */
class BundleSyncTest {
  @TempDir Path dir;

  private Path bundleJar(String name, String version) throws Exception {
    return bundleJar(dir, name, version);
  }

  /** A bundle jar in {@code home}'s system/ directory, where an installation keeps its bundles. */
  private static Path bundleJar(Path home, String name, String version) throws Exception {
    Path jar = home.resolve("system/org/example/" + name + "/" + name + ".jar");
    Files.createDirectories(jar.getParent());
    Manifest m = new Manifest();
    Attributes a = m.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
    a.putValue(Constants.BUNDLE_SYMBOLICNAME, "org.example." + name);
    a.putValue(Constants.BUNDLE_VERSION, version);
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
      j.flush();
    }
    return jar;
  }

  private Framework framework() throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("cache").toString());
    Framework f = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
    f.init();
    return f;
  }

  private static Bundle byName(BundleContext ctx, String name) {
    for (Bundle b : ctx.getBundles()) {
      if (("org.example." + name).equals(b.getSymbolicName())) {
        return b;
      }
    }
    return null;
  }

  @Test
  void installsUpdatesAndRemovesToMatchTheFeatures() throws Exception {
    Path system = dir.resolve("system");
    Path a = bundleJar("a", "1.0.0");
    Path b = bundleJar("b", "1.0.0");
    Framework f = framework();
    NodeRunner.syncBundles(f.getBundleContext(), List.of(new BundleEntry("a", a, 10, "f"),
        new BundleEntry("b", b, 10, "f")), system);
    Path elsewhere = Files.createDirectories(dir.resolve("deploy")).resolve("c.jar");
    Files.move(bundleJar("c", "1.0.0"), elsewhere);
    Bundle outsider = f.getBundleContext().installBundle("reference:" + elsewhere.toUri());
    long aId = byName(f.getBundleContext(), "a").getBundleId();
    f.stop();
    f.waitForStop(10_000);

    bundleJar("a", "2.0.0");
    Files.setLastModifiedTime(a, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    f = framework();
    BundleContext ctx = f.getBundleContext();
    NodeRunner.syncBundles(ctx, List.of(new BundleEntry("a", a, 10, "f")), system);
    assertEquals(aId, byName(ctx, "a").getBundleId(), "updated in place, not reinstalled");
    assertEquals("2.0.0", byName(ctx, "a").getVersion().toString(), "a changed jar is updated");
    assertNull(byName(ctx, "b"), "a bundle no feature names is uninstalled");
    assertEquals(outsider.getLocation(), byName(ctx, "c").getLocation(), "bundles from elsewhere are kept");
    f.stop();
    f.waitForStop(10_000);

    Files.delete(elsewhere);
    f = framework();
    ctx = f.getBundleContext();
    NodeRunner.syncBundles(ctx, List.of(new BundleEntry("a", a, 10, "f")), system);
    assertNull(byName(ctx, "c"), "a bundle whose jar was deleted while the node was down is removed");
    f.stop();
    f.waitForStop(10_000);
  }

  /** An installation's layout as the launcher knows it: bin/warren, features/ and system/. */
  private static Path installation(Path home) throws Exception {
    Files.createDirectories(home.resolve("features"));
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(home.resolve("bin/warren"), "#!/bin/sh\n");
    return home;
  }

  @Test
  void anotherInstallationsBundlesGiveWayToThisOnes() throws Exception {
    // a new release unpacked beside the old one, both started on one data directory: the cache
    // holds the old installation's bundles, whose jars still exist, with the same names and versions
    Path old = installation(dir.resolve("warren-old"));
    Path current = installation(dir.resolve("warren-new"));
    Path oldA = bundleJar(old, "a", "1.0.0");
    Path newA = bundleJar(current, "a", "1.0.0");
    Path elsewhere = Files.createDirectories(dir.resolve("drop")).resolve("c.jar");
    Files.move(bundleJar(old, "c", "1.0.0"), elsewhere);
    Framework f = framework();
    NodeRunner.syncBundles(f.getBundleContext(), List.of(new BundleEntry("a", oldA, 10, "f")), old.resolve("system"));
    f.getBundleContext().installBundle("reference:" + elsewhere.toUri());
    f.stop();
    f.waitForStop(10_000);

    f = framework();
    BundleContext ctx = f.getBundleContext();
    NodeRunner.syncBundles(ctx, List.of(new BundleEntry("a", newA, 10, "f")), current.resolve("system"));
    assertEquals("reference:" + newA.toUri(), byName(ctx, "a").getLocation(),
        "this installation's bundle is installed");
    assertEquals(1, java.util.Arrays.stream(ctx.getBundles())
        .filter(b -> "org.example.a".equals(b.getSymbolicName())).count(), "the other installation's copy is gone");
    assertEquals("reference:" + elsewhere.toUri(), byName(ctx, "c").getLocation(),
        "a bundle from outside any installation's system/ is kept");
    f.stop();
    f.waitForStop(10_000);
  }
}
