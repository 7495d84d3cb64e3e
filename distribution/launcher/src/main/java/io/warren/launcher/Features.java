package io.warren.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bundles to install, read from OSGi Feature (R8) JSON files: each bundle entry's
 * {@code id} is a Maven coordinate {@code groupId:artifactId:version} found under
 * {@code system/} in Maven repository layout; an optional {@code start-order} puts it on that
 * start level (default 10).
 */
final class Features {
  static final int DEFAULT_START_LEVEL = 10;

  record BundleEntry(String id, Path jar, int startLevel, String feature) {}

  private Features() {}

  static List<BundleEntry> read(Path featuresDir, Path systemDir) throws UsageException {
    if (!Files.isDirectory(featuresDir)) {
      throw new UsageException("no features directory at " + featuresDir + " (is this a Warren installation?)");
    }
    Map<String, BundleEntry> byId = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(featuresDir, "*.json")) {
      ds.forEach(files::add);
    } catch (IOException e) {
      throw new UsageException("cannot list " + featuresDir + ": " + e.getMessage());
    }
    files.sort(null);
    if (files.isEmpty()) {
      throw new UsageException("no feature files (*.json) in " + featuresDir);
    }
    for (Path f : files) {
      for (BundleEntry b : readFile(f, systemDir)) {
        byId.putIfAbsent(b.id(), b);
      }
    }
    return new ArrayList<>(byId.values());
  }

  static List<BundleEntry> readFile(Path file, Path systemDir) throws UsageException {
    Object doc;
    try {
      doc = JsonReader.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UsageException("feature file " + file + " cannot be read: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new UsageException("feature file " + file + " is not valid JSON: " + e.getMessage());
    }
    if (!(doc instanceof Map<?, ?> feature) || !(feature.get("id") instanceof String featureId)) {
      throw new UsageException("feature file " + file + " has no \"id\"");
    }
    List<BundleEntry> out = new ArrayList<>();
    Object bundles = feature.get("bundles");
    if (bundles == null) {
      return out;
    }
    if (!(bundles instanceof List<?> list)) {
      throw new UsageException("feature " + featureId + ": \"bundles\" must be an array");
    }
    for (Object o : list) {
      String id;
      int level = DEFAULT_START_LEVEL;
      if (o instanceof String s) {
        id = s;
      } else if (o instanceof Map<?, ?> m && m.get("id") instanceof String s) {
        id = s;
        Object order = m.get("start-order");
        if (order != null) {
          try {
            level = Integer.parseInt(order.toString().replaceAll("\\.0$", ""));
          } catch (NumberFormatException e) {
            throw new UsageException("feature " + featureId + ": bundle " + s + " has a bad start-order " + order);
          }
        }
      } else {
        throw new UsageException("feature " + featureId + ": every bundle needs an \"id\"");
      }
      Path jar = jar(systemDir, id);
      if (!Files.isRegularFile(jar)) {
        throw new UsageException("feature " + featureId + " names bundle " + id + " but " + jar + " is missing");
      }
      out.add(new BundleEntry(id, jar, level, featureId));
    }
    return out;
  }

  /** {@code group:artifact:version} (or with type/classifier) to its path in repository layout. */
  static Path jar(Path systemDir, String id) throws UsageException {
    String[] p = id.split(":");
    if (p.length < 3 || p.length > 5) {
      throw new UsageException("bundle id " + id + " is not groupId:artifactId[:type[:classifier]]:version");
    }
    String group = p[0];
    String artifact = p[1];
    String version = p[p.length - 1];
    String type = p.length >= 4 ? p[2] : "jar";
    String classifier = p.length == 5 ? "-" + p[3] : "";
    return systemDir.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
        .resolve(artifact + "-" + version + classifier + "." + type);
  }
}
