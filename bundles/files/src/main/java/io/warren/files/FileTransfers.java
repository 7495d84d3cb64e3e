package io.warren.files;

import java.nio.file.Path;
import java.util.List;

/**
 * Sending files and directory trees to other nodes and devices, and receiving them into this node's
 * inbox under its accept policy. Calls that change state block on the store; misuse throws
 * {@link IllegalArgumentException} with what was expected.
 */
public interface FileTransfers {

  /**
   * Starts sending {@code paths} (regular files and directory trees) to {@code peer} (a name, peer
   * ID or device key as {@code PeerDirectory} reads it), the single top-level entry renamed to
   * {@code as} when not null. The transfer runs in the background and retries a broken connection
   * for the configured time; the same files sent again to the same peer continue where the
   * receiver stopped.
   */
  Transfer send(String peer, List<Path> paths, String as);

  /** Running and finished transfers, both directions, newest first. */
  List<Transfer> transfers();

  /** The transfer {@code id} (its full id or a unique prefix). */
  Transfer transfer(String id);

  /** Stops transfer {@code id}; a partial file stays in the receiver's staging directory for a later resume. */
  boolean cancel(String id);

  /** Offers waiting for {@link #accept} or {@link #reject}. */
  List<Transfer> pending();

  boolean accept(String id);

  boolean reject(String id);

  /** Offers from {@code peer} are accepted without asking. */
  String allow(String peer);

  boolean disallow(String peer);

  List<String> allowed();

  /** Where received files land. */
  Path inbox();

  /**
   * Exports {@code dir} read-only to {@code to} (a peer as {@link #send} reads it, or a network as
   * {@code network:<name>} or its bare name), as {@code as} or the directory's own name. Sharing
   * the same directory again under its name adds {@code to}.
   */
  Share share(Path dir, String to, String as);

  List<Share> shares();

  /** Takes share {@code name} from {@code to}, or ends it when {@code to} is null. */
  boolean unshare(String name, String to);

  /**
   * What {@code peer} shares with this node under {@code path} ({@code share/dir/...}; empty: its
   * shares). Blocks until the answer; a refusal throws {@link IllegalArgumentException} with the
   * sharer's reason.
   */
  List<RemoteEntry> list(String peer, String path);

  /**
   * Fetches file or directory {@code path} from {@code peer}'s shares into {@code into} (null: the
   * inbox), verified and resumable like a send: returns once the sharer offered it (a refusal throws
   * {@link IllegalArgumentException}); the transfer runs in the background and retries a broken
   * connection for the configured time.
   */
  Transfer get(String peer, String path, Path into);
}
