package io.warren.deploy.internal;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code deploy:update-node}, which Java cannot name as a method: Gogo hands a function without a
 * method of its name to {@code _main}, with the function's name as the first argument.
 */
@Component(service = UpdateNodeCommand.class, property = {
    "osgi.command.scope=deploy",
    "osgi.command.function=update-node"})
public final class UpdateNodeCommand {
  private final DeployCommands commands;

  @Activate
  public UpdateNodeCommand(@Reference DeployCommands commands) {
    this.commands = commands;
  }

  @Descriptor("Brings another node's bundles to this node's versions: the bundles whose jars are signed by a"
      + " publisher this node trusts and differ there (by SHA-256) are pushed; with --all or --network, every node"
      + " in waves")
  public String _main(
      @Descriptor(DeployCommands.NODE) @Parameter(names = {"-n", "--node"},
          absentValue = "") String node,
      @Descriptor(DeployCommands.CREDENTIALS) @Parameter(
          names = {"-c", "--credentials"}, absentValue = "") String credentials,
      @Descriptor("allow lower versions than the ones installed") @Parameter(names = {"-f", "--force"},
          absentValue = "false", presentValue = "true") boolean force,
      @Descriptor(DeployCommands.ALL) @Parameter(names = {"-a", "--all"},
          absentValue = "false", presentValue = "true") boolean all,
      @Descriptor(DeployCommands.NETWORK) @Parameter(names = {"--network"},
          absentValue = "") String network,
      @Descriptor(DeployCommands.CANARY) @Parameter(
          names = {"--canary"}, absentValue = "") String canary,
      @Descriptor(DeployCommands.BATCH) @Parameter(
          names = {"--batch"}, absentValue = "0") int batch,
      @Descriptor(DeployCommands.MAX_FAILURES) @Parameter(
          names = {"--max-failures"}, absentValue = "-1") int maxFailures,
      @Descriptor("the function's name (Gogo gives it)") String function) throws Exception {
    return commands.updateNode(node, credentials, force, all, network, canary, batch, maxFailures);
  }
}
