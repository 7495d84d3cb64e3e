package io.warren.deploy.internal;

import io.warren.deploy.Deployer.Offer;
import io.warren.deploy.Deployer.Signed;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code deploy:push --feature}: the bundles an OSGi feature file (the launcher's {@code features/*.json})
 * names, each {@code groupId:artifactId[:type[:classifier]]:version} found in Maven repository layout
 * under a {@code system/} directory, as an {@link Offer} to push in the file's order. Only the
 * {@code id}s of the {@code "bundles"} array are read (with {@code //} comment lines, as the
 * launcher allows); the feature's other fields do not matter to a push.
 */
final class FeatureFile {
  private static final Pattern BUNDLES = Pattern.compile("\"bundles\"\\s*:\\s*\\[(.*?)\\]", Pattern.DOTALL);
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern STRING = Pattern.compile("\"([^\"]+)\"");

  private FeatureFile() {}

  /** The bundles {@code feature} names, read from {@code system}, in the file's order. */
  static Offer read(Path feature, Path system) throws IOException {
    String text;
    try {
      text = Files.readString(feature, StandardCharsets.UTF_8).replaceAll("(?m)^\\s*//.*$", "");
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no such file: " + feature, e);
    }
    Matcher m = BUNDLES.matcher(text);
    if (!m.find()) {
      throw new IllegalArgumentException(feature + " is not a feature file: it has no \"bundles\" array");
    }
    List<Signed> out = new ArrayList<>();
    // entries are {"id": ...} objects or bare strings
    Matcher id = (m.group(1).contains("\"id\"") ? ID : STRING).matcher(m.group(1));
    while (id.find()) {
      String coordinates = id.group(1);
      Path jar = jar(system, coordinates);
      byte[] content;
      try {
        content = Files.readAllBytes(jar);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("the feature names " + coordinates + " but " + jar + " is missing", e);
      }
      Manifest manifest = new JarInputStream(new ByteArrayInputStream(content)).getManifest();
      String name = manifest == null ? null : manifest.getMainAttributes().getValue("Bundle-SymbolicName");
      if (name == null) {
        throw new IllegalArgumentException(jar + " (" + coordinates + ") is not a bundle");
      }
      String version = manifest.getMainAttributes().getValue("Bundle-Version");
      out.add(new Signed(name.split(";", 2)[0].strip(), version == null ? "0.0.0" : version, Deployments.sha256(
          content), content));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(feature + " names no bundles");
    }
    return new Offer(out, List.of());
  }

  /** {@code group:artifact[:type[:classifier]]:version} to its jar under {@code system} (Maven layout). */
  static Path jar(Path system, String id) {
    String[] p = id.split(":");
    if (p.length < 3 || p.length > 5 || id.contains("..") || id.contains("/")) {
      throw new IllegalArgumentException("bundle id " + id + " is not groupId:artifactId[:type[:classifier]]:version");
    }
    String version = p[p.length - 1];
    String type = p.length >= 4 ? p[2] : "jar";
    String classifier = p.length == 5 ? "-" + p[3] : "";
    return system.resolve(p[0].replace('.', '/')).resolve(p[1]).resolve(version).resolve(p[1] + "-" + version
        + classifier + "." + type);
  }
}
