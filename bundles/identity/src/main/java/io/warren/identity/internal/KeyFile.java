package io.warren.identity.internal;

import io.warren.api.SecretFile;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * A small properties file holding secret key material, readable only by the owner, written
 * atomically ({@link SecretFile}) so a crash never leaves half a key behind.
 */
final class KeyFile {
  private KeyFile() {}

  static Properties read(Path file) throws IOException {
    Properties p = new Properties();
    try (StringReader r = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
      p.load(r);
    }
    return p;
  }

  static void write(Path file, String comment, Properties values) throws IOException {
    createPrivateDirectory(file.toAbsolutePath().getParent());
    java.io.StringWriter text = new java.io.StringWriter();
    values.store(text, comment);
    SecretFile.write(file, text.toString(), true);
  }

  static void createPrivateDirectory(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // keep what the operator set up
    }
  }
}
