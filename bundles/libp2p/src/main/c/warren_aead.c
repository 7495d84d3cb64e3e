/*
 * ChaCha20-Poly1305 (RFC 8439) for Noise transport messages, from the system's OpenSSL libcrypto.
 *
 * The library is opened with dlopen at load time, so building this file needs only a C compiler and
 * the JDK's JNI headers, not OpenSSL's headers; the few EVP entry points used are declared below as
 * OpenSSL 1.1 and 3 document them. Java (io.warren.libp2p.internal.noise.NativeAead) owns all bounds
 * checks: the functions here take raw addresses it has already checked against its buffers.
 *
 * One EVP context per cipher state (a direction of a connection), used by one thread at a time (the
 * connection's event loop). A message is begin (nonce, and whether it encrypts), update (any number
 * of contiguous pieces), then seal (writes the tag) or open (checks the tag).
 */
#include <jni.h>
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;

#define EVP_CTRL_AEAD_GET_TAG 0x10
#define EVP_CTRL_AEAD_SET_TAG 0x11
#define TAG_LENGTH 16

static EVP_CIPHER_CTX *(*ctx_new)(void);
static void (*ctx_free)(EVP_CIPHER_CTX *);
static const EVP_CIPHER *(*chacha20_poly1305)(void);
static int (*cipher_init)(EVP_CIPHER_CTX *, const EVP_CIPHER *, void *, const unsigned char *,
                          const unsigned char *, int);
static int (*cipher_update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int);
static int (*cipher_final)(EVP_CIPHER_CTX *, unsigned char *, int *);
static int (*cipher_ctrl)(EVP_CIPHER_CTX *, int, int, void *);
static const char *(*version_text)(int);

#define JNI_NAME(name) Java_io_warren_libp2p_internal_noise_NativeAead_##name

/* Opens libcrypto and resolves the entry points; returns NULL or what went wrong. */
static const char *open_libcrypto(void) {
    static const char *names[] = {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"};
    void *lib = NULL;
    for (unsigned i = 0; i < sizeof names / sizeof names[0] && lib == NULL; i++) {
        lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (lib == NULL) {
        return "libcrypto (OpenSSL 1.1 or 3) not found";
    }
#define RESOLVE(var, symbol) \
    if ((*(void **) &var = dlsym(lib, symbol)) == NULL) return "libcrypto lacks " symbol;
    RESOLVE(ctx_new, "EVP_CIPHER_CTX_new")
    RESOLVE(ctx_free, "EVP_CIPHER_CTX_free")
    RESOLVE(chacha20_poly1305, "EVP_chacha20_poly1305")
    RESOLVE(cipher_init, "EVP_CipherInit_ex")
    RESOLVE(cipher_update, "EVP_CipherUpdate")
    RESOLVE(cipher_final, "EVP_CipherFinal_ex")
    RESOLVE(cipher_ctrl, "EVP_CIPHER_CTX_ctrl")
    RESOLVE(version_text, "OpenSSL_version")
#undef RESOLVE
    return chacha20_poly1305() == NULL ? "libcrypto has no ChaCha20-Poly1305" : NULL;
}

/* Returns null when libcrypto is usable, else the reason it is not. */
JNIEXPORT jstring JNICALL JNI_NAME(init)(JNIEnv *env, jclass cls) {
    const char *error = open_libcrypto();
    return error == NULL ? NULL : (*env)->NewStringUTF(env, error);
}

JNIEXPORT jstring JNICALL JNI_NAME(version)(JNIEnv *env, jclass cls) {
    return (*env)->NewStringUTF(env, version_text(0));
}

/* A context keyed with the 32-byte key; 0 on failure. */
JNIEXPORT jlong JNICALL JNI_NAME(newContext)(JNIEnv *env, jclass cls, jbyteArray key) {
    unsigned char k[32];
    if ((*env)->GetArrayLength(env, key) != 32) {
        return 0;
    }
    (*env)->GetByteArrayRegion(env, key, 0, 32, (jbyte *) k);
    EVP_CIPHER_CTX *ctx = ctx_new();
    if (ctx != NULL && cipher_init(ctx, chacha20_poly1305(), NULL, k, NULL, 1) != 1) {
        ctx_free(ctx);
        ctx = NULL;
    }
    memset(k, 0, sizeof k);
    return (jlong) (intptr_t) ctx;
}

JNIEXPORT void JNICALL JNI_NAME(freeContext)(JNIEnv *env, jclass cls, jlong ctx) {
    if (ctx != 0) {
        ctx_free((EVP_CIPHER_CTX *) (intptr_t) ctx);
    }
}

/* Starts a message under nonce n (the 12-byte nonce is 4 zero bytes and n little-endian),
 * encrypting or decrypting. */
JNIEXPORT jboolean JNICALL JNI_NAME(begin)(JNIEnv *env, jclass cls, jlong ctx, jlong n, jboolean encrypt) {
    unsigned char iv[12] = {0};
    uint64_t v = (uint64_t) n;
    for (int i = 0; i < 8; i++) {
        iv[4 + i] = (unsigned char) (v >> (8 * i));
    }
    return cipher_init((EVP_CIPHER_CTX *) (intptr_t) ctx, NULL, NULL, NULL, iv, encrypt ? 1 : 0) == 1;
}

/* Encrypts or decrypts len bytes at in into out (in == out is allowed); false on failure. */
JNIEXPORT jboolean JNICALL JNI_NAME(update)(JNIEnv *env, jclass cls, jlong ctx, jlong in, jlong out, jint len) {
    int written = 0;
    return cipher_update((EVP_CIPHER_CTX *) (intptr_t) ctx, (unsigned char *) (intptr_t) out, &written,
                         (const unsigned char *) (intptr_t) in, len) == 1 && written == len;
}

/* Ends an encryption: writes the 16-byte tag at tag. */
JNIEXPORT jboolean JNICALL JNI_NAME(seal)(JNIEnv *env, jclass cls, jlong ctx, jlong tag) {
    EVP_CIPHER_CTX *c = (EVP_CIPHER_CTX *) (intptr_t) ctx;
    unsigned char rest[16];
    int written = 0;
    return cipher_final(c, rest, &written) == 1 && written == 0
        && cipher_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, (void *) (intptr_t) tag) == 1;
}

/* Ends a decryption: true only when the 16 bytes at tag authenticate the message. */
JNIEXPORT jboolean JNICALL JNI_NAME(open)(JNIEnv *env, jclass cls, jlong ctx, jlong tag) {
    EVP_CIPHER_CTX *c = (EVP_CIPHER_CTX *) (intptr_t) ctx;
    unsigned char expected[16];
    unsigned char rest[16];
    int written = 0;
    memcpy(expected, (const void *) (intptr_t) tag, TAG_LENGTH);
    return cipher_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, expected) == 1
        && cipher_final(c, rest, &written) == 1 && written == 0;
}

/* The address of a direct buffer's first byte (0 for a heap buffer). */
JNIEXPORT jlong JNICALL JNI_NAME(address)(JNIEnv *env, jclass cls, jobject buffer) {
    return (jlong) (intptr_t) (*env)->GetDirectBufferAddress(env, buffer);
}
