package io.warren.dashboard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/** The dashboard's own files, read from the bundle once: no CDN, nothing fetched from elsewhere. */
final class Pages {
  /** A file served as it is. */
  record Resource(byte[] bytes, String type) {}

  private final String login;
  private final String app;
  private final Map<String, Resource> resources;

  Pages() {
    login = read("login.html");
    app = read("app.html");
    resources = Map.of(
        "/static/app.js", new Resource(bytes("app.js"), "text/javascript; charset=utf-8"),
        "/static/app.css", new Resource(bytes("app.css"), "text/css; charset=utf-8"));
  }

  /** The login page, saying {@code message} (empty: nothing) above the form. */
  String login(String message) {
    return login.replace("{{message}}", escape(message));
  }

  String app() {
    return app;
  }

  Optional<Resource> resource(String path) {
    return Optional.ofNullable(resources.get(path));
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String read(String name) {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String name) {
    try (InputStream in = Pages.class.getResourceAsStream("web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard: web/" + name + " is missing from the bundle");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
