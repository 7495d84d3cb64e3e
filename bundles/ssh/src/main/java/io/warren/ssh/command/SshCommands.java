package io.warren.ssh.command;

import io.warren.api.Json;
import io.warren.ssh.AuthorizedKey;
import io.warren.ssh.AuthorizedKeys;
import io.warren.ssh.SshConsole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code ssh:} console scope: the host key, the authorised keys, and the server's state. */
@Component(service = SshCommands.class, property = {
    "osgi.command.scope=ssh",
    "osgi.command.function=keys",
    "osgi.command.function=fingerprint",
    "osgi.command.function=info"})
public final class SshCommands {
  private final SshConsole console;
  private final AuthorizedKeys keys;

  @Activate
  public SshCommands(@Reference SshConsole console, @Reference AuthorizedKeys keys) {
    this.console = console;
    this.keys = keys;
  }

  @Descriptor("Manages the public keys that may log in as the admin: add <key line>, list, remove <fingerprint or comment>")
  public String keys(
      @Descriptor("list: a JSON array of fingerprint, type, bits, comment, added") @Parameter(names = {"--json"},
          presentValue = "true", absentValue = "false") boolean json,
      @Descriptor("add, list or remove") String action,
      @Descriptor("add: the OpenSSH public key line (ssh-ed25519 AAAA... comment); remove: SHA256:... or the comment") String... args) {
    String arg = String.join(" ", args).strip();
    return switch (action) {
      case "add" -> {
        AuthorizedKey k = keys.add(arg);
        yield "added " + line(k);
      }
      case "list" -> {
        if (!arg.isEmpty()) {
          throw new IllegalArgumentException("ssh:keys list takes no argument");
        }
        List<AuthorizedKey> all = keys.list();
        if (json) {
          List<Object> out = new ArrayList<>();
          for (AuthorizedKey k : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fingerprint", k.fingerprint());
            m.put("type", k.type());
            m.put("bits", k.bits());
            m.put("comment", k.comment().isEmpty() ? null : k.comment());
            m.put("added", k.added() == null ? null : k.added().toString());
            out.add(m);
          }
          yield Json.write(out);
        }
        yield all.isEmpty() ? "no authorised keys (add one with ssh:keys add <public key line>)"
            : String.join("\n", all.stream().map(SshCommands::line).toList());
      }
      case "remove" ->
        "removed " + String.join("\n        ", keys.remove(arg).stream().map(SshCommands::line).toList());
      default -> throw new IllegalArgumentException("ssh:keys: expected add, list or remove, got '" + action + "'");
    };
  }

  @Descriptor("Prints the host key's SHA256 fingerprint as OpenSSH prints it; -k prints the public key line instead, "
      + "--client this node's client key line (for a device's ssh:keys add)")
  public String fingerprint(
      @Descriptor("print the host public key as an OpenSSH line (for known_hosts)") @Parameter(names = {"-k", "--key"},
          presentValue = "true", absentValue = "false") boolean key,
      @Descriptor("print the public key ssh:shell logs in to Nostr devices with, as an OpenSSH line") @Parameter(
          names = {"--client"}, presentValue = "true", absentValue = "false") boolean client) {
    return client ? console.clientKey() : key ? console.hostKey() : console.fingerprint();
  }

  @Descriptor("The SSH console: where it listens (or that it is off), its host key, open connections, and whether "
      + "the system shell, SFTP, forwarding and logins from Nostr devices are on")
  public String info() {
    String listening = console.address().map(a -> a.getHostString() + ":" + a.getPort())
        .orElse("(off: set enabled = true in etc/io.warren.ssh.cfg or start with --ssh-port)");
    return "listening    " + listening + "\nfingerprint  " + console.fingerprint() + "\nhost-key     "
        + console.hostKey() + "\nconnections  " + console.sessions() + "\nkeys         " + keys.list().size()
        + "\ntickets      " + console.tickets() + "\nsystem-shell "
        + console.systemShellUser().map(u -> "on (as " + u + ")").orElse("off") + "\nsftp         "
        + console.sftpDirectory().map(d -> "on (" + d + ")").orElse("off") + "\nforwarding   "
        + (console.localForwarding() ? "local (ssh -L)" : "off") + "\ndevice-logins "
        + (console.deviceLogins() ? "on (ssh:shell from Nostr devices)" : "off");
  }

  private static String line(AuthorizedKey k) {
    return k.fingerprint() + "  " + k.type() + " " + k.bits() + "  " + (k.comment().isEmpty() ? "-" : k.comment())
        + "  added " + k.added();
  }
}
