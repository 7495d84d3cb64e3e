package io.warren.ssh.internal;

import io.warren.api.RecordAttributes;
import io.warren.ssh.SshConsole;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts {@value #KEY} (the host key's SHA256 fingerprint) into this node's signed peer record while
 * the SSH console listens, so another node's {@code ssh:shell} checks the key it is shown against
 * what this node signed ({@link #check}), not against the first connection.
 */
@Component(service = RecordAttributes.class)
public final class HostKeyAttribute implements RecordAttributes {
  static final String KEY = "ssh.hostkey";
  private static final Logger LOG = LoggerFactory.getLogger(HostKeyAttribute.class);

  private final SshConsole console;

  @Activate
  public HostKeyAttribute(@Reference SshConsole console) {
    this.console = console;
  }

  @Override
  public Map<String, String> attributes() {
    return console.address().isPresent() ? Map.of(KEY, console.fingerprint()) : Map.of();
  }

  /**
   * The verifier {@code ssh:shell} connects with: after {@link #check} of the key {@code node}'s
   * admin call answered, it accepts only a presented key that is that key and, where the record
   * names one, the record's key.
   *
   * @throws IllegalStateException when the answered key is not the record's
   */
  static ServerKeyVerifier verifier(String node, PublicKey answered, Optional<Map<String, String>> record) {
    check(node, answered, record);
    return (session, address, presented) -> {
      if (!KeyUtils.compareKeys(answered, presented)) {
        LOG.warn("ssh: {} presented host key {}, not the {} its admin call answered; refused", node,
            KeyUtils.getFingerPrint(presented), KeyUtils.getFingerPrint(answered));
        return false;
      }
      try {
        check(node, presented, record);
        return true;
      } catch (IllegalStateException e) {
        LOG.warn("ssh: {}", e.getMessage());
        return false;
      }
    };
  }

  /**
   * The verifier {@code ssh:shell} connects to a Nostr device with: the device has no remote admin to
   * answer its host key, so the key must be the one its signed announcement names (read through
   * {@code PeerAttributes}), and nothing else is accepted; a refusal's reason goes to {@code refused}.
   *
   * @throws IllegalStateException when the announcement held here names no host key
   */
  static ServerKeyVerifier deviceVerifier(String node, Optional<Map<String, String>> announced,
      java.util.function.Consumer<String> refused) {
    String signed = announced.map(a -> a.get(KEY)).orElse(null);
    if (signed == null) {
      throw new IllegalStateException(node + " is a Nostr device, and " + (announced.isEmpty()
          ? "no signed announcement of it is held here (this node must run its relay or be a device of it)"
          : "its signed announcement names no SSH host key (" + KEY + "; is its SSH console on?)")
          + ", so its host key cannot be checked; session refused");
    }
    return (session, address, presented) -> {
      String shown = KeyUtils.getFingerPrint(presented);
      if (signed.equals(shown)) {
        return true;
      }
      String why = node + " presented SSH host key " + shown + ", not the one its signed device announcement names ("
          + signed + "); session refused";
      LOG.warn("ssh: {}", why);
      refused.accept(why);
      return false;
    };
  }

  /**
   * Refuses {@code hostKey} for {@code node} when that node's signed record names another host key.
   * Without a record, or a record without {@value #KEY} (an older node, or its SSH off when it signed),
   * the admin call's answer stands alone, as before records carried it.
   *
   * @throws IllegalStateException saying both fingerprints on a mismatch
   */
  static void check(String node, PublicKey hostKey, Optional<Map<String, String>> record) {
    String signed = record.map(a -> a.get(KEY)).orElse(null);
    if (signed == null) {
      return;
    }
    String shown = KeyUtils.getFingerPrint(hostKey);
    if (!signed.equals(shown)) {
      throw new IllegalStateException(node + "'s SSH host key " + shown + " is not the one its signed peer record "
          + "names (" + signed + "); session refused");
    }
  }
}
