package io.warren.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * {@code bin/warren}: runs a node, or with {@code client} one console command against the local
 * node. Exit status: 0 done, 1 the node or the command failed, 2 bad usage, 3 authentication.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Path home = home();
    try {
      if (args.length > 0 && args[0].equals("client")) {
        return Client.run(Arrays.asList(args).subList(1, args.length), home, out, err);
      }
      if (args.length > 0 && args[0].equals("status")) {
        return Client.run(Client.statusAlias(Arrays.asList(args).subList(1, args.length)), home, out, err);
      }
      Options options = Options.parse(args);
      if (options.help()) {
        out.print(Options.HELP);
        return 0;
      }
      if (options.install() || options.uninstall()) {
        return new Installer(home, options, out).run();
      }
      return NodeRunner.run(options, home, out, err);
    } catch (UsageException e) {
      err.println("warren: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("warren: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    }
  }

  /** The installation folder: {@code -Dwarren.home}, set by bin/warren. */
  static Path home() {
    String h = System.getProperty("warren.home");
    return Path.of(h == null ? "." : h).toAbsolutePath().normalize();
  }

  static String version() {
    Properties p = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    return p.getProperty("version", "unknown");
  }
}
