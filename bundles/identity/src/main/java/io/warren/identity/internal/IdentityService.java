package io.warren.identity.internal;

import io.warren.api.NodeIdentity;
import io.warren.api.NodeProperties;
import io.warren.api.PeerId;
import io.warren.identity.Bech32;
import io.warren.identity.Bip340;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's keys, created on first start in {@code <data>/identity/keys} (mode 0600) and loaded
 * on every later start. A key file that exists but cannot be read is an error, never a reason to
 * make new keys: that would silently change the node's identity.
 */
@Component(service = NodeIdentity.class, immediate = true, configurationPid = "io.warren.identity")
@Designate(ocd = IdentityService.Config.class)
public final class IdentityService implements NodeIdentity {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);
  private static final HexFormat HEX = HexFormat.of();
  /** DER prefix of an X.509 SubjectPublicKeyInfo holding a raw Ed25519 key. */
  private static final int X509_ED25519_PREFIX = 12;

  @ObjectClassDefinition(name = "Warren identity", description = "Node name and keys")
  public @interface Config {
    @AttributeDefinition(description = "Node name shown to other nodes; empty means the host name")
    String name() default "";
  }

  private final PrivateKey nodeKey;
  private final byte[] publicKey;
  private final String peerId;
  private final byte[] nostrSecret;
  /**
   * Derived from {@link #nostrSecret} on a thread of its own: the first point multiplication builds
   * Bouncy Castle's secp256k1 tables, 0.1-0.2 s of a start that the node's other bundles can use.
   * The secret was range-checked before, so the derivation cannot fail on the key's account.
   */
  private final FutureTask<byte[]> nostrPublic;
  private final String name;

  @Activate
  public IdentityService(BundleContext context, Config config) throws IOException {
    this(Path.of(context.getProperty(NodeProperties.DATA_DIR)).resolve("identity").resolve("keys"),
        config.name());
  }

  IdentityService(Path keyFile, String configuredName) throws IOException {
    Properties keys;
    if (Files.exists(keyFile)) {
      keys = KeyFile.read(keyFile);
    } else {
      keys = generate();
      KeyFile.write(keyFile, "Warren node keys: secret, never share this file", keys);
      LOG.info("Created a new node identity in {}", keyFile);
    }
    try {
      nodeKey = KeyFactory.getInstance("Ed25519").generatePrivate(
          new PKCS8EncodedKeySpec(Base64.getDecoder().decode(required(keys, "ed25519.private", keyFile))));
      publicKey = HEX.parseHex(required(keys, "ed25519.public", keyFile));
      nostrSecret = HEX.parseHex(required(keys, "secp256k1.secret", keyFile));
      Bip340.checkSecretKey(nostrSecret);
      nostrPublic = new FutureTask<>(() -> Bip340.publicKey(nostrSecret));
      Thread derive = new Thread(nostrPublic, "warren-identity-npub");
      derive.setDaemon(true);
      derive.start();
      peerId = PeerId.ofEd25519(publicKey).toString();
      checkKeyPair();
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("node key file " + keyFile + " is corrupt (" + e.getMessage()
          + "); restore it from a backup or move it away to create a new identity", e);
    }
    this.name = configuredName.isBlank() ? hostName() : configuredName.trim();
  }

  private static String required(Properties keys, String name, Path file) {
    String v = keys.getProperty(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("missing " + name + " in " + file);
    }
    return v.trim();
  }

  private static Properties generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] x509 = pair.getPublic().getEncoded();
      Properties p = new Properties();
      p.setProperty("ed25519.private", Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
      p.setProperty("ed25519.public", HEX.formatHex(Arrays.copyOfRange(x509, X509_ED25519_PREFIX, x509.length)));
      p.setProperty("secp256k1.secret", HEX.formatHex(Bip340.newSecretKey()));
      return p;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
    }
  }

  private void checkKeyPair() throws GeneralSecurityException {
    byte[] probe = "warren key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] sig = sign(probe);
    Signature v = Signature.getInstance("Ed25519");
    byte[] x509 = new byte[X509_ED25519_PREFIX + 32];
    System.arraycopy(HEX.parseHex("302a300506032b6570032100"), 0, x509, 0, X509_ED25519_PREFIX);
    System.arraycopy(publicKey, 0, x509, X509_ED25519_PREFIX, 32);
    v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(x509)));
    v.update(probe);
    if (!v.verify(sig)) {
      throw new GeneralSecurityException("the Ed25519 public key does not match the private key");
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "warren";
    }
  }

  @Override
  public String peerId() {
    return peerId;
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] sign(byte[] data) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(nodeKey);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  @Override
  public byte[] nostrPublicKey() {
    return nostrPublic().clone();
  }

  @Override
  public String npub() {
    return Bech32.encode("npub", nostrPublic());
  }

  private byte[] nostrPublic() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return nostrPublic.get();
        } catch (InterruptedException e) {
          interrupted = true; // the key is moments away; the caller's interrupt is kept for it
        } catch (ExecutionException e) {
          throw new IllegalStateException("cannot derive the node's Nostr public key", e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public byte[] signNostr(byte[] message32) {
    if (message32.length != 32) {
      throw new IllegalArgumentException("Nostr signatures are over 32-byte event ids, got " + message32.length);
    }
    return Bip340.sign(nostrSecret, message32);
  }

  @Override
  public String name() {
    return name;
  }
}
