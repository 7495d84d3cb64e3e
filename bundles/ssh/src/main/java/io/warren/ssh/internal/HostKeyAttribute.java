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
