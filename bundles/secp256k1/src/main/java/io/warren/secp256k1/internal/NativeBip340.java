package io.warren.secp256k1.internal;

import fr.acinq.secp256k1.Secp256k1CFunctions;
import io.warren.identity.Bip340;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Locale;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@link Bip340#verify} run on native libsecp256k1 (the JNI build from acinq's
 * secp256k1-kmp, about ten times faster than Bouncy Castle's arithmetic), so the relay verifies
 * more events per second. The library for this machine (Linux x86-64 or aarch64) is copied out of
 * the bundle into its data area and loaded; it is installed only after it agreed with the portable
 * implementation on BIP-340 vectors, valid and invalid. Elsewhere, or when anything fails, nothing
 * changes: verification stays on Bouncy Castle, and the reason is logged.
 */
@Component(immediate = true)
public final class NativeBip340 {
  private static final Logger LOG = LoggerFactory.getLogger(NativeBip340.class);
  private static final Object LOCK = new Object();
  /** One context for the JVM: the library is loaded once per class loader and contexts are never freed. */
  private static long context;
  /** Where the library was loaded from, for the log. */
  private static String loadedFrom = "";

  private final boolean installed;

  @Activate
  public NativeBip340(BundleContext bundle) {
    boolean ok;
    try {
      long ctx = load(bundle);
      selfTest(ctx);
      Bip340.accelerate((pub, msg, sig) -> verify(ctx, pub, msg, sig));
      LOG.info("BIP-340 verification on native libsecp256k1 ({})", loadedFrom);
      ok = true;
    } catch (Throwable e) {
      LOG.warn("Native libsecp256k1 not used ({}); BIP-340 verification stays on Bouncy Castle", e.toString());
      ok = false;
    }
    installed = ok;
  }

  @Deactivate
  void deactivate() {
    if (installed) {
      Bip340.accelerate(null);
    }
  }

  static boolean verify(long ctx, byte[] pub, byte[] msg, byte[] sig) {
    try {
      return Secp256k1CFunctions.secp256k1_schnorrsig_verify(ctx, sig, msg, pub) == 1;
    } catch (RuntimeException e) {
      return false; // e.g. a public key that is not on the curve
    }
  }

  /** Loads the library for this platform (once) and returns the verification context. */
  static long load(BundleContext bundle) throws IOException {
    synchronized (LOCK) {
      if (context != 0) {
        return context;
      }
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
      String dir = !os.contains("linux") ? null
          : arch.equals("amd64") || arch.equals("x86_64") ? "linux-x86_64"
              : arch.equals("aarch64") || arch.equals("arm64") ? "linux-aarch64" : null;
      if (dir == null) {
        throw new IOException("no libsecp256k1 build for " + os + "/" + arch);
      }
      try {
        // installed as a file in the distribution's lib/native (on java.library.path): no copy
        System.loadLibrary("secp256k1-jni");
        loadedFrom = "found on java.library.path";
        return createContext();
      } catch (UnsatisfiedLinkError notInstalled) {
        // not installed (tests, another platform), or loaded by this bundle's previous class loader
      }
      String resource = "/fr/acinq/secp256k1/jni/native/" + dir + "/libsecp256k1-jni.so";
      Path target = bundle == null ? Files.createTempFile("libsecp256k1-jni", ".so")
          : bundle.getDataFile("libsecp256k1-jni-" + dir + ".so").toPath();
      try (InputStream in = NativeBip340.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IOException(resource + " is missing from the bundle");
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        System.load(target.toAbsolutePath().toString());
      } finally {
        if (bundle == null) {
          // outside a framework (unit tests) the copy is a temporary file of its own: once loaded,
          // the mapping stays valid without it, and each test JVM left one behind in /tmp
          Files.deleteIfExists(target);
        }
      }
      loadedFrom = bundle == null ? "copied to a temporary file" : "copied to " + target;
      return createContext();
    }
  }

  private static long createContext() throws IOException {
    context = Secp256k1CFunctions.secp256k1_context_create(Secp256k1CFunctions.SECP256K1_CONTEXT_VERIFY);
    if (context == 0) {
      throw new IOException("secp256k1_context_create failed");
    }
    return context;
  }

  /** BIP-340 test vectors 0, 1 (valid) and 5, 6 (invalid), checked against the portable implementation. */
  static void selfTest(long ctx) {
    HexFormat h = HexFormat.of();
    String[][] vectors = {
        {"F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0",
            "true"},
        {"DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
            "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
            "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE33418906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A",
            "true"},
        {"EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34",
            "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
            "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E17776969E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B",
            "false"},
        {"DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
            "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
            "FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A14602975563CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2",
            "false"}};
    for (String[] v : vectors) {
      byte[] pub = h.parseHex(v[0]);
      byte[] msg = h.parseHex(v[1]);
      byte[] sig = h.parseHex(v[2]);
      boolean expected = Boolean.parseBoolean(v[3]);
      boolean portable = Bip340.verifyPortable(pub, msg, sig);
      boolean fast = verify(ctx, pub, msg, sig);
      if (portable != expected || fast != expected) {
        throw new IllegalStateException("BIP-340 self-test failed on " + v[0] + ": expected " + expected + ", native "
            + fast + ", portable " + portable);
      }
    }
  }
}
