package io.warren.launcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The node's command line, parsed and checked before anything touches the disk. */
record Options(
    boolean help,
    Optional<Path> dataDir,
    Optional<String> rootCredentials,
    Optional<String> networkCredentials,
    Optional<String> bootstrap,
    Optional<Integer> relayPort,
    Optional<Integer> sshPort,
    Optional<Integer> metricsPort,
    Optional<Integer> dashboardPort,
    boolean install,
    boolean uninstall,
    boolean console,
    Map<String, Map<String, String>> settings) {

  static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

  /** What {@code --p2p-port} sets. */
  static final String LIBP2P_LISTEN = "io.warren.libp2p:listen.addresses";

  static final String HELP = """
      Usage: warren [options]            run a node
             warren client [--data-dir DIR] [--user NAME] <command ...>
                                         run one console command on the local node
             warren client shell <node> [--credentials U:P] [command ...]
                                         the console of another node of the network (ssh:shell)
             warren status [--data-dir DIR] [--json]
                                         this node and every member: path, round trip, last seen
             warren cds-archive          make the class data archive that speeds up starts on the JDK
                                         in use (the build makes it for its JDKs; see README)

      Options:
        -h, --help                       show this help
        --data-dir DIR                   where the node keeps its state (default: <install>/data;
                                         run from a source checkout's distribution/target/warren:
                                         $XDG_DATA_HOME/warren, else ~/.local/share/warren)
        --p2p-port N                     libp2p listens on port N of every interface (default 4100;
                                         0: a free port); the same as --set
                                         io.warren.libp2p:listen.addresses=/ip4/0.0.0.0/tcp/N
        -rc, --root-credentials U:P      admin credentials: user:password, or user:hashed_<bcrypt>
                                         (quote it: a bcrypt hash contains $)
        -dnc, --default-network-credentials NET:PW
                                         join network NET, proving membership with PW
        -bs, --bootstrap B64             join through the node whose `node:identity -b64` this is
        --relay-port N                   run the Nostr relay on port N of 127.0.0.1 (0: a free port)
        --ssh-port N                     serve the console over SSH on port N of 127.0.0.1 (0: a free port)
        --metrics-port N                 serve /metrics for Prometheus on port N of 127.0.0.1 (0: a free port)
        --dashboard-port N               serve the web dashboard on port N of 127.0.0.1 (0: a free port)
        --set PID:KEY=VALUE              a configuration value for this run only, over etc/ and
                                         <data-dir>/etc/ (repeatable; e.g. io.warren.ssh:port=2222)
        --no-console                     do not read console commands from the terminal
        --install                        (as root) install a systemd service running this node
                                         from /opt/warren with data in /var/lib/warren
        --uninstall                      (as root) remove that service (the data is kept)

      Without --root-credentials a random admin password is generated on first start and printed
      once; later starts keep the stored credentials. WARREN_ROOT_CREDENTIALS and
      WARREN_DEFAULT_NETWORK_CREDENTIALS in the environment keep them out of the process list.
      """;

  static Options parse(String... args) throws UsageException {
    boolean help = false;
    Path dataDir = null;
    String rc = null;
    String dnc = null;
    String bs = null;
    Integer relayPort = null;
    Integer sshPort = null;
    Integer metricsPort = null;
    Integer dashboardPort = null;
    boolean install = false;
    boolean uninstall = false;
    boolean console = true;
    Map<String, Map<String, String>> settings = new LinkedHashMap<>();
    List<String> list = new ArrayList<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (a.startsWith("-") && eq > 0) {
        list.add(a.substring(0, eq));
        list.add(a.substring(eq + 1));
      } else {
        list.add(a);
      }
    }
    for (int i = 0; i < list.size(); i++) {
      String a = list.get(i);
      switch (a) {
        case "-h", "--help", "-help" -> help = true;
        case "--data-dir" -> dataDir = Path.of(value(list, ++i, a)).toAbsolutePath().normalize();
        case "-rc", "--root-credentials" -> rc = checkRootCredentials(value(list, ++i, a));
        case "-dnc", "--default-network-credentials" -> dnc = checkNetworkCredentials(value(list, ++i, a));
        case "-bs", "--bootstrap" -> bs = checkBootstrap(value(list, ++i, a));
        case "--relay-port" -> relayPort = checkPort(value(list, ++i, a), a);
        case "--ssh-port" -> sshPort = checkPort(value(list, ++i, a), a);
        case "--metrics-port" -> metricsPort = checkPort(value(list, ++i, a), a);
        case "--dashboard-port" -> dashboardPort = checkPort(value(list, ++i, a), a);
        case "--install" -> install = true;
        case "--uninstall" -> uninstall = true;
        case "--no-console" -> console = false;
        case "--set" -> ConfigLayers.parseSet(value(list, ++i, a), settings);
        case "--p2p-port" -> ConfigLayers.parseSet(
            LIBP2P_LISTEN + "=/ip4/0.0.0.0/tcp/" + checkPort(value(list, ++i, a), a), settings);
        default -> throw new UsageException(a.startsWith("-")
            ? "unknown option " + a + " (see warren --help)"
            : "unexpected argument '" + a + "' (see warren --help)");
      }
    }
    if (install && uninstall) {
      throw new UsageException("--install and --uninstall exclude each other");
    }
    return new Options(help, Optional.ofNullable(dataDir), Optional.ofNullable(rc), Optional.ofNullable(dnc),
        Optional.ofNullable(bs), Optional.ofNullable(relayPort), Optional.ofNullable(sshPort),
        Optional.ofNullable(metricsPort), Optional.ofNullable(dashboardPort), install, uninstall,
        console, Map.copyOf(settings));
  }

  private static String value(List<String> args, int i, String option) throws UsageException {
    if (i >= args.size() || args.get(i).isEmpty()) {
      throw new UsageException(option + " needs a value (see warren --help)");
    }
    return args.get(i);
  }

  static int checkPort(String v, String option) throws UsageException {
    try {
      int port = Integer.parseInt(v);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw new UsageException(option + " must be a port number 0-65535 (0 picks a free port), got '" + v + "'");
  }

  static String checkRootCredentials(String v) throws UsageException {
    int colon = v.indexOf(':');
    if (colon < 0) {
      throw new UsageException("--root-credentials must be user:password or user:hashed_<bcrypt hash>");
    }
    String user = v.substring(0, colon);
    String secret = v.substring(colon + 1);
    if (!USER.matcher(user).matches()) {
      throw new UsageException("--root-credentials: user name must be 1-64 of A-Z a-z 0-9 . _ @ -");
    }
    if (secret.startsWith("hashed_")) {
      if (!BCRYPT.matcher(secret.substring(7)).matches()) {
        throw new UsageException("--root-credentials: hashed_ must be followed by a bcrypt hash ($2a$, $2b$ or $2y$)");
      }
    } else if (secret.isEmpty()) {
      throw new UsageException("--root-credentials: the password is empty");
    } else if (secret.getBytes(StandardCharsets.UTF_8).length > 72) {
      throw new UsageException("--root-credentials: the password is longer than 72 bytes (bcrypt's limit)");
    }
    return v;
  }

  static String checkNetworkCredentials(String v) throws UsageException {
    int colon = v.indexOf(':');
    if (colon < 0 || !NETWORK.matcher(v.substring(0, colon)).matches() || colon == v.length() - 1) {
      throw new UsageException("--default-network-credentials must be network:password"
          + " (network name 1-64 of A-Z a-z 0-9 . _ -, password not empty)");
    }
    return v;
  }

  static String checkBootstrap(String v) throws UsageException {
    String json;
    try {
      json = new String(Base64.getDecoder().decode(v.trim()), StandardCharsets.UTF_8).trim();
    } catch (IllegalArgumentException e) {
      throw new UsageException("--bootstrap is not base64 (paste the output of `node:identity -b64`)");
    }
    if (!json.startsWith("{") || !json.contains("\"addresses\"")) {
      throw new UsageException("--bootstrap does not hold a node identity (expected JSON with \"addresses\")");
    }
    return v.trim();
  }
}
