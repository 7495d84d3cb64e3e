package io.warren.nostr;

import io.warren.api.Stream;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Devices and tunnels through Nostr relays, as commands and other bundles use them. Devices are
 * named by a 64-character hex key, an npub or a callsign. Failures complete the stages with an
 * {@link io.warren.api.TransportException} that says why.
 */
public interface Tunnels {

  /** A service a device announces. */
  record ServiceInfo(String device, String callsign, String name, String protocol, boolean isPublic,
      String description) {}

  /** One relay this node connects to as a device. */
  record Link(String relay, String state, String since, int tunnels) {}

  /** Services announced by {@code device}, or by every device when it is null or empty. */
  CompletionStage<List<ServiceInfo>> services(String device);

  /** Opens a tunnel to {@code device}'s service {@code service} (a Stream with auto-read off). */
  CompletionStage<Stream> openService(String device, String service);

  /** A local TCP listener forwarding each connection to a device's service. */
  record Forward(String device, String service, String address) {}

  /**
   * Listens on 127.0.0.1:{@code port} (0: a free port); each connection gets its own tunnel to
   * {@code device}'s {@code service}. Stays until {@link #stopForward} or the node stops.
   */
  Forward forward(String device, String service, int port);

  /** Stops the forward listening on {@code port}; false if there is none. */
  boolean stopForward(int port);

  /** Forwards open now. */
  List<Forward> forwards();

  /**
   * Copies {@code in} into a tunnel to {@code device}'s {@code service} and the tunnel's bytes to
   * {@code out}, until both directions end; blocks the calling thread (for stdio use).
   */
  void pipe(String device, String service, java.io.InputStream in, java.io.OutputStream out) throws java.io.IOException;

  /** This node's relay connections as a device (empty when no relays are configured). */
  List<Link> links();

  /** This node's callsign (derived from its Nostr key). */
  String callsign();
}
