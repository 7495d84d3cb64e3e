package io.warren.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every configurable value has one definition: the {@code @ObjectClassDefinition} in its bundle.
 * The commented defaults a user reads in {@code config/<pid>.cfg} (copied into the installation's
 * {@code etc/}) are generated from the metatype descriptors bnd writes from those annotations, and
 * this test fails the build when a file and its definition drift apart. To regenerate the files after
 * changing a definition:
 *
 * <pre>mvn -B verify -pl itests -am -Dtest=ConfigFilesTest -Dwarren.config.write=true</pre>
 */
class ConfigFilesTest {
  private static final int WIDTH = 100;

  private static Path projectRoot() {
    return Path.of(System.getProperty("warren.itests.dir", ".")).toAbsolutePath().getParent();
  }

  /** One configuration PID as its definition gives it: name, description, attributes in order. */
  record Definition(String pid, String name, String description, List<String[]> attributes) {}

  static Map<String, Definition> definitions() throws Exception {
    Map<String, Definition> byPid = new TreeMap<>();
    List<Path> descriptors;
    try (Stream<Path> s = Files.list(projectRoot().resolve("bundles"))) {
      descriptors = s.map(b -> b.resolve("target/classes/OSGI-INF/metatype")).filter(Files::isDirectory)
          .flatMap(d -> {
            try {
              return Files.list(d).filter(f -> f.toString().endsWith(".xml")).toList().stream();
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
          }).sorted().toList();
    }
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    for (Path xml : descriptors) {
      Document doc = f.newDocumentBuilder().parse(xml.toFile());
      Map<String, Element> ocds = new TreeMap<>();
      NodeList ocdList = doc.getElementsByTagName("OCD");
      for (int i = 0; i < ocdList.getLength(); i++) {
        Element ocd = (Element) ocdList.item(i);
        ocds.put(ocd.getAttribute("id"), ocd);
      }
      NodeList designates = doc.getElementsByTagName("Designate");
      for (int i = 0; i < designates.getLength(); i++) {
        Element d = (Element) designates.item(i);
        Element object = (Element) d.getElementsByTagName("Object").item(0);
        Element ocd = ocds.get(object.getAttribute("ocdref"));
        List<String[]> ads = new ArrayList<>();
        NodeList adList = ocd.getElementsByTagName("AD");
        for (int j = 0; j < adList.getLength(); j++) {
          Element ad = (Element) adList.item(j);
          ads.add(new String[] {ad.getAttribute("id"), ad.getAttribute("default"), ad.getAttribute("description")});
        }
        String pid = d.getAttribute("pid");
        byPid.put(pid, new Definition(pid, ocd.getAttribute("name"), ocd.getAttribute("description"), ads));
      }
    }
    return byPid;
  }

  /** The text of {@code config/<pid>.cfg}: every attribute commented out at its default. */
  static String render(Definition d) {
    StringBuilder b = new StringBuilder();
    comment(b, d.name() + ": " + d.description() + (d.description().endsWith(".") ? "" : ".")
        + " Uncomment a line to change it; the defaults are shown.");
    comment(b, "Generated from the bundle's Config annotation; edit that, not this file.");
    for (String[] ad : d.attributes()) {
      b.append('\n');
      if (!ad[2].isBlank()) {
        comment(b, ad[2]);
      }
      String value = unescape(ad[1]);
      b.append('#').append(ad[0]).append(" =").append(value.isEmpty() ? "" : " " + value).append('\n');
    }
    return b.toString();
  }

  /** A metatype default as written: a backslash escapes the next character (a comma, a space). */
  static String unescape(String metatypeDefault) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < metatypeDefault.length(); i++) {
      char c = metatypeDefault.charAt(i);
      if (c == '\\' && i + 1 < metatypeDefault.length()) {
        c = metatypeDefault.charAt(++i);
      }
      out.append(c);
    }
    return out.toString();
  }

  private static void comment(StringBuilder b, String text) {
    StringBuilder line = new StringBuilder("#");
    for (String word : text.split("\\s+")) {
      if (line.length() > 1 && line.length() + 1 + word.length() > WIDTH) {
        b.append(line).append('\n');
        line = new StringBuilder("#");
      }
      line.append(' ').append(word);
    }
    b.append(line).append('\n');
  }

  @Test
  void everyConfigFileIsItsDefinition() throws Exception {
    Map<String, Definition> defs = definitions();
    assertFalse(defs.isEmpty(), "no metatype descriptors found under " + projectRoot().resolve("bundles")
        + "/*/target/classes/OSGI-INF/metatype (build the bundles first)");
    Path config = projectRoot().resolve("config");
    boolean write = Boolean.getBoolean("warren.config.write");
    List<String> problems = new ArrayList<>();
    for (Definition d : defs.values()) {
      Path file = config.resolve(d.pid() + ".cfg");
      String expected = render(d);
      if (write) {
        Files.writeString(file, expected, StandardCharsets.UTF_8);
      } else if (!Files.exists(file)) {
        problems.add(file.getFileName() + " is missing");
      } else if (!Files.readString(file, StandardCharsets.UTF_8).equals(expected)) {
        problems.add(file.getFileName() + " differs from its definition; expected:\n" + expected);
      }
    }
    try (Stream<Path> s = Files.list(config)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".cfg")).toList()) {
        String pid = f.getFileName().toString().replaceFirst("\\.cfg$", "");
        if (!defs.containsKey(pid)) {
          problems.add(f.getFileName() + " has no @ObjectClassDefinition designated for PID " + pid);
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems)
        + "\nRegenerate with: mvn -B verify -pl itests -am -Dtest=ConfigFilesTest -Dwarren.config.write=true");
  }

  @Test
  void renderingCommentsEveryAttributeAtItsDefault() {
    Definition d = new Definition("io.warren.x", "Warren x", "Does x", List.<String[]>of(
        new String[] {"port", "0", "0 picks a free port"}, new String[] {"hosts", "a\\,b", ""},
        new String[] {"name", "Warren\\ relay", "Empty: none"},
        new String[] {"contact", "", "Empty: none"}));
    assertEquals("""
        # Warren x: Does x. Uncomment a line to change it; the defaults are shown.
        # Generated from the bundle's Config annotation; edit that, not this file.

        # 0 picks a free port
        #port = 0

        #hosts = a,b

        # Empty: none
        #name = Warren relay

        # Empty: none
        #contact =
        """, render(d));
  }
}
