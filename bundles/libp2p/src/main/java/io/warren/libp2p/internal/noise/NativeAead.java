package io.warren.libp2p.internal.noise;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * ChaCha20-Poly1305 from the system's OpenSSL libcrypto, through the small JNI library this bundle
 * builds ({@code src/main/c/warren_aead.c}): about three times the Java implementation's speed, and
 * the same on every JDK (the JDK's ChaCha20 is only intrinsified from JDK 20 on).
 *
 * <p>{@link #AVAILABLE} says whether it loaded; when it did not (another platform, no libcrypto, a
 * {@code noexec} temp directory, or {@code -Dwarren.noise.native=false}) Noise uses its Java
 * implementation, which gives the same bytes. {@link #DESCRIPTION} says which one is in use, and why.
 *
 * <p>The native functions take raw addresses: callers check every bound first. A context is used
 * by one thread at a time and freed by {@link #free} or, failing that, when it becomes unreachable.
 */
final class NativeAead {

  private static final Cleaner CLEANER = Cleaner.create();

  /** True when OpenSSL's ChaCha20-Poly1305 is in use for transport messages. */
  static final boolean AVAILABLE;
  /** What encrypts transport messages, e.g. "OpenSSL 3.0.19 27 Jan 2026 (native)". */
  static final String DESCRIPTION;

  static {
    String reason = load();
    AVAILABLE = reason == null;
    DESCRIPTION = AVAILABLE ? version() + " (native)" : "Java ChaCha20-Poly1305 (" + reason + ")";
  }

  private NativeAead() {}

  /** Null when the library loaded and libcrypto is usable; else why not. */
  private static String load() {
    if (!Boolean.parseBoolean(System.getProperty("warren.noise.native", "true"))) {
      return "turned off by -Dwarren.noise.native=false";
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "no native build for " + os + "/" + arch;
    }
    try {
      // installed as a file in the distribution's lib/native (on java.library.path): no copy
      System.loadLibrary("warren_aead");
      return init();
    } catch (UnsatisfiedLinkError notInstalled) {
      // not installed (tests, an IDE), or already loaded by this bundle's previous class loader
    }
    String resource = "/native/linux-x86_64/libwarren_aead.so";
    try (InputStream in = NativeAead.class.getResourceAsStream(resource)) {
      if (in == null) {
        return resource + " was not built (gcc missing at build time?)";
      }
      Path file = Files.createTempFile("warren_aead", ".so");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        System.load(file.toAbsolutePath().toString());
      } finally {
        Files.deleteIfExists(file); // the loaded mapping stays valid
      }
      return init();
    } catch (IOException | LinkageError | SecurityException e) {
      return "cannot load " + resource + ": " + e;
    }
  }

  /** A context keyed with {@code key}; each message says whether it encrypts or decrypts. */
  static Context context(byte[] key) {
    long ctx = newContext(key);
    if (ctx == 0) {
      throw new IllegalStateException("noise: OpenSSL could not create a ChaCha20-Poly1305 context");
    }
    return new Context(ctx);
  }

  /** Owns one EVP context; {@link #free} releases it at once, otherwise the cleaner does. */
  static final class Context {
    private final long[] handle;
    private final Cleaner.Cleanable cleanable;

    private Context(long ctx) {
      long[] h = {ctx};
      this.handle = h;
      this.cleanable = CLEANER.register(this, () -> freeContext(h[0]));
    }

    long handle() {
      long h = handle[0];
      if (h == 0) {
        throw new IllegalStateException("noise: cipher state used after it was closed");
      }
      return h;
    }

    void free() {
      cleanable.clean();
      handle[0] = 0;
    }
  }

  /** Address of the first byte of a direct buffer (ignores its position); 0 for a heap buffer. */
  static native long address(ByteBuffer buffer);

  private static native String init();

  private static native String version();

  private static native long newContext(byte[] key);

  private static native void freeContext(long ctx);

  static native boolean begin(long ctx, long nonce, boolean encrypt);

  static native boolean update(long ctx, long in, long out, int len);

  static native boolean seal(long ctx, long tag);

  static native boolean open(long ctx, long tag);
}
