package io.warren.dashboard.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

/**
 * A bundle jar uploaded from the page to be pushed to a node: checked here for what the page can
 * say clearly (a zip with a manifest naming a bundle), then handed to {@code deploy:push} through
 * the console's {@code CommandRunner}, which checks everything else (signature, trust, the target's
 * admin authorisation, the version) exactly as for a typed command.
 */
final class BundlePush {
  static final String PATH = "/api/bundles/push";
  /** The largest upload taken, in bytes: more gets 413 before its body is read. */
  static final int MAX_BYTES = 16 * 1024 * 1024;
  /** Header carrying the target's admin credentials ({@code user:password}), kept out of the URL. */
  static final String CREDENTIALS_HEADER = "X-Push-Credentials";

  private BundlePush() {}

  /**
   * The bundle {@code jar} names, as {@code symbolic-name version}.
   *
   * @throws IllegalArgumentException saying why {@code name} is not a bundle jar
   */
  static String check(String name, byte[] jar) {
    if (jar.length == 0) {
      throw new IllegalArgumentException(name + " is empty; choose a bundle .jar");
    }
    if (jar.length < 4 || jar[0] != 'P' || jar[1] != 'K' || jar[2] != 3 || jar[3] != 4) {
      throw new IllegalArgumentException(name + " is not a jar (not a zip file); choose a bundle .jar");
    }
    Manifest m;
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      m = in.getManifest();
      while (in.getNextJarEntry() != null) {
        // read through, so a truncated or corrupt archive is refused here
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(name + " is not a readable jar: " + e.getMessage(), e);
    }
    Attributes a = m == null ? null : m.getMainAttributes();
    String symbolicName = a == null ? null : a.getValue("Bundle-SymbolicName");
    if (symbolicName == null || symbolicName.isBlank()) {
      throw new IllegalArgumentException(name + " is a jar but not an OSGi bundle (its manifest has no "
          + "Bundle-SymbolicName)");
    }
    String version = a.getValue("Bundle-Version");
    return symbolicName.split(";")[0].strip() + " " + (version == null ? "0.0.0" : version.strip());
  }

  /** The console command that pushes {@code jar} to {@code node}. */
  static List<String> words(String node, String credentials, String jar) {
    if (node.isEmpty()) {
      throw new IllegalArgumentException("choose the node to push to");
    }
    List<String> w = new ArrayList<>(List.of("deploy:push", "--node", node));
    if (!credentials.isEmpty()) {
      w.add("--credentials");
      w.add(credentials);
    }
    w.add(jar);
    return w;
  }
}
