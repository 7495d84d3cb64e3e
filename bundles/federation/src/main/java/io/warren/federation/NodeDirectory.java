package io.warren.federation;

import java.util.List;
import java.util.Optional;

/** The peer table of this node's network, as an OSGi service. */
public interface NodeDirectory {

  /** The network this node is a member of, if any. */
  Optional<String> network();

  /** Every node in the table, this node first, then by name. */
  List<Member> members();

  /**
   * The member {@code ref} names: a full peer ID, a node name (if only one node has it), or a peer
   * ID's unique prefix of at least 8 characters.
   *
   * @throws IllegalArgumentException saying why when nothing or more than one member matches
   */
  Member resolve(String ref);
}
