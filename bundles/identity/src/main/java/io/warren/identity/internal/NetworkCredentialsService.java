package io.warren.identity.internal;

import io.warren.api.NodeProperties;
import io.warren.api.Store;
import io.warren.api.Store.Migration;
import io.warren.identity.NetworkCredentials;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code --default-network-credentials} (as a derived key) and {@code --bootstrap}
 * identities in the store, so a node restarted without the flags stays in its network.
 */
@Component(service = NetworkCredentials.class, immediate = true)
public final class NetworkCredentialsService implements NetworkCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkCredentialsService.class);
  static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** PBKDF2 rounds: slow enough to make guessing a captured proof costly, once per start. */
  static final int ITERATIONS = 210_000;

  private final Store store;

  @Activate
  public NetworkCredentialsService(BundleContext context, @Reference Store store) {
    this(store, context.getProperty(NodeProperties.DEFAULT_NETWORK_CREDENTIALS),
        context.getProperty(NodeProperties.BOOTSTRAP));
  }

  NetworkCredentialsService(Store store, String networkCredentials, String bootstrap) {
    this.store = store;
    store.migrate("identity.networks", List.of(new Migration(1,
        "CREATE TABLE network_credentials(name VARCHAR(64) PRIMARY KEY, derived_key VARBINARY(32) NOT NULL,"
            + " is_default BOOLEAN NOT NULL, updated_at TIMESTAMP WITH TIME ZONE NOT NULL);"
            + "CREATE TABLE bootstrap_identities(id IDENTITY PRIMARY KEY, identity VARCHAR(8192) NOT NULL UNIQUE,"
            + " added_at TIMESTAMP WITH TIME ZONE NOT NULL)")));
    if (networkCredentials != null && !networkCredentials.isEmpty()) {
      int colon = networkCredentials.indexOf(':');
      String name = colon < 0 ? "" : networkCredentials.substring(0, colon);
      if (!NETWORK.matcher(name).matches() || colon == networkCredentials.length() - 1) {
        throw new IllegalArgumentException("default network credentials must be network:password");
      }
      byte[] key = deriveKey(name, networkCredentials.substring(colon + 1).toCharArray());
      store.transact(c -> {
        c.createStatement().executeUpdate("UPDATE network_credentials SET is_default = FALSE");
        try (PreparedStatement ps = c.prepareStatement(
            "MERGE INTO network_credentials KEY(name) VALUES (?, ?, TRUE, ?)")) {
          ps.setString(1, name);
          ps.setBytes(2, key);
          ps.setTimestamp(3, Timestamp.from(Instant.now()));
          return ps.executeUpdate();
        }
      });
      LOG.info("Default network is {}", name);
    }
    if (bootstrap != null && !bootstrap.isEmpty()) {
      addBootstrap(bootstrap);
    }
  }

  @Override
  public boolean addBootstrap(String base64) {
    String identity = base64.trim();
    return store.transact(c -> {
      try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM bootstrap_identities WHERE identity = ?")) {
        q.setString(1, identity);
        try (ResultSet rs = q.executeQuery()) {
          if (rs.next()) {
            return false;
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO bootstrap_identities(identity, added_at) VALUES (?, ?)")) {
        ps.setString(1, identity);
        ps.setTimestamp(2, Timestamp.from(Instant.now()));
        ps.executeUpdate();
        return true;
      }
    });
  }

  @Override
  public Optional<Network> defaultNetwork() {
    return store.transact(c -> {
      try (ResultSet rs = c.createStatement().executeQuery(
          "SELECT name, derived_key FROM network_credentials WHERE is_default")) {
        return rs.next() ? Optional.of(new Network(rs.getString(1), rs.getBytes(2))) : Optional.empty();
      }
    });
  }

  @Override
  public List<String> bootstrapIdentities() {
    return store.transact(c -> {
      List<String> out = new ArrayList<>();
      try (ResultSet rs = c.createStatement().executeQuery("SELECT identity FROM bootstrap_identities ORDER BY id")) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    });
  }

  @Override
  public byte[] deriveKey(String network, char[] password) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password,
          ("warren-network:" + network).getBytes(StandardCharsets.UTF_8), ITERATIONS, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
    }
  }
}
