package io.warren.launcher;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Reads every {@code etc/*.cfg} before the node starts, so a file that cannot be read or parsed
 * stops the start with a message naming it, instead of a component silently running on defaults.
 */
final class ConfigCheck {
  private ConfigCheck() {}

  static void check(Path etc) throws UsageException {
    if (!Files.isDirectory(etc)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(etc, "*.cfg")) {
      for (Path f : files) {
        checkFile(f);
      }
    } catch (IOException e) {
      throw new UsageException("cannot list configuration directory " + etc + ": " + e.getMessage());
    }
  }

  static void checkFile(Path f) throws UsageException {
    String name = f.getFileName().toString();
    String pid = name.substring(0, name.length() - ".cfg".length());
    int dash = pid.indexOf('-');
    String servicePid = dash < 0 ? pid : pid.substring(0, dash);
    if (servicePid.isEmpty() || (dash >= 0 && dash == pid.length() - 1)) {
      throw new UsageException(
          "configuration file " + f + " has no valid PID in its name (expected pid.cfg or pid-name.cfg)");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f);
    } catch (IOException e) {
      throw new UsageException("configuration file " + f + " cannot be read: " + e.getMessage());
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new UsageException("configuration file " + f + " is not UTF-8 text (corrupt?)");
    }
    if (text.indexOf('\0') >= 0) {
      throw new UsageException("configuration file " + f + " contains NUL bytes (corrupt?)");
    }
    int lineNo = 0;
    boolean continued = false;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      String t = line.strip();
      boolean wasContinued = continued;
      continued = !t.startsWith("#") && !t.startsWith("!") && endsWithOddBackslashes(t);
      if (wasContinued || t.isEmpty() || t.startsWith("#") || t.startsWith("!")) {
        continue;
      }
      if (t.indexOf('=') < 0 && t.indexOf(':') < 0) {
        throw new UsageException("configuration file " + f + " line " + lineNo + ": expected key = value, got '"
            + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "'");
      }
    }
    try {
      new Properties().load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("configuration file " + f + " cannot be parsed: " + e.getMessage());
    }
  }

  private static boolean endsWithOddBackslashes(String s) {
    int n = 0;
    for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      n++;
    }
    return n % 2 == 1;
  }
}
