package io.warren.node.command;

import io.warren.identity.AdminAccount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code node:hash-password}, which Java cannot name as a method: Gogo hands a function without a
 * method of its name to {@code _main}, with the function's name as the first argument. The password
 * is read from standard input, so it is in no process list or shell history.
 */
@Component(service = HashPasswordCommand.class, property = {
    "osgi.command.scope=node",
    "osgi.command.function=hash-password"})
public final class HashPasswordCommand {
  private final AdminAccount admin;

  @Activate
  public HashPasswordCommand(@Reference AdminAccount admin) {
    this.admin = admin;
  }

  @Descriptor("Reads a password (one line) from standard input and prints hashed_<bcrypt hash> for"
      + " --root-credentials user:hashed_<bcrypt hash>, so a password need not be given in clear")
  public String _main(CommandSession session,
      @Descriptor("the function's name (Gogo gives it)") String function) throws IOException {
    String line = new BufferedReader(new InputStreamReader(session.getKeyboard(), StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isEmpty()) {
      throw new IllegalArgumentException(
          "no password on standard input (e.g. warren client hash-password < password-file)");
    }
    return "hashed_" + admin.hash(line.toCharArray());
  }
}
