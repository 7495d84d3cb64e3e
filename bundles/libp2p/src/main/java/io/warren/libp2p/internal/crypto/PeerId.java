package io.warren.libp2p.internal.crypto;

import io.warren.api.Base58;
import io.warren.libp2p.internal.multiformats.Cid;
import io.warren.libp2p.internal.multiformats.Multihash;
import java.util.Optional;

/**
 * A peer id: the multihash of a peer's serialized public key: identity when the protobuf is at
 * most 42 bytes (Ed25519, secp256k1), sha2-256 otherwise (RSA, ECDSA). Text forms: base58btc
 * (canonical, {@code 12D3KooW...} / {@code Qm...}) and CIDv1 base32 with the libp2p-key codec.
 */
public final class PeerId {

    /** Serialized keys up to this many bytes are inlined in an identity multihash. */
    public static final int MAX_INLINE_KEY_LENGTH = 42;

    private final Multihash multihash;

    private PeerId(Multihash multihash) {
        if (multihash.code() != Multihash.IDENTITY && multihash.code() != Multihash.SHA2_256) {
            throw new IllegalArgumentException("peer id: multihash code 0x" + Integer.toHexString(multihash.code())
                    + " (expected identity 0x00 or sha2-256 0x12)");
        }
        this.multihash = multihash;
    }

    public static PeerId fromPublicKey(Libp2pPublicKey key) {
        byte[] proto = key.toProtobuf();
        return new PeerId(proto.length <= MAX_INLINE_KEY_LENGTH ? Multihash.identity(proto) : Multihash.sha256(proto));
    }

    public static PeerId fromMultihash(Multihash multihash) {
        return new PeerId(multihash);
    }

    /** From the binary form (a multihash), as found in multiaddrs and protocol messages. */
    public static PeerId fromBytes(byte[] bytes) {
        return new PeerId(Multihash.decode(bytes));
    }

    /** Parses either text form. */
    public static PeerId fromString(String text) {
        try {
            return new PeerId(Cid.parsePeerIdMultihash(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("peer id '" + text + "': " + e.getMessage(), e);
        }
    }

    public Multihash multihash() {
        return multihash;
    }

    public byte[] toBytes() {
        return multihash.toBytes();
    }

    public String toBase58() {
        return Base58.encode(multihash.toBytes());
    }

    public String toCidString() {
        return Cid.encodeV1Base32(Cid.LIBP2P_KEY, multihash);
    }

    /** The public key inlined in an identity peer id, if this is one. */
    public Optional<Libp2pPublicKey> extractPublicKey() {
        if (multihash.code() != Multihash.IDENTITY) {
            return Optional.empty();
        }
        return Optional.of(Libp2pPublicKey.fromProtobuf(multihash.digest()));
    }

    /** True when {@code key} is the key this peer id was derived from. */
    public boolean matches(Libp2pPublicKey key) {
        return equals(fromPublicKey(key));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId p && p.multihash.equals(multihash);
    }

    @Override
    public int hashCode() {
        return multihash.hashCode();
    }

    @Override
    public String toString() {
        return toBase58();
    }
}
