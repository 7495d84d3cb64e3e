package io.warren.api;

/**
 * Receives inbound streams for one protocol.
 *
 * <p>Register an implementation as an OSGi service (whiteboard) with the service property
 * {@value #PROTOCOL} set to the protocol id it serves. Every {@link Transport} offers that
 * protocol to its peers while the service is registered, unless the optional property
 * {@value #TRANSPORTS} names the transports that may offer it.
 *
 * <p>{@link #handle} is called on the stream's event loop and must not block: add handlers to the
 * stream's pipeline and return. An exception thrown from it resets that stream only.
 */
@FunctionalInterface
public interface StreamHandler {

  /** Service property naming the protocol id a handler serves. */
  String PROTOCOL = "warren.protocol";

  /**
   * Optional service property: the transports (their {@link Transport#name()}, such as
   * {@code libp2p} or {@code nostr}), as a String or String[], that offer this handler. Absent:
   * every transport offers it. libp2p's own ping and echo are offered on libp2p only, so a device
   * reaching the node through a Nostr relay is not served them.
   */
  String TRANSPORTS = "warren.transports";

  /** Whether a handler registered with {@code props} is to be offered on {@code transport}. */
  static boolean offeredOn(java.util.Map<String, ?> props, String transport) {
    Object t = props.get(TRANSPORTS);
    if (t == null) {
      return true;
    }
    if (t instanceof String one) {
      return java.util.Arrays.stream(one.split(",")).map(String::trim).anyMatch(transport::equals);
    }
    if (t instanceof String[] many) {
      return java.util.Arrays.asList(many).contains(transport);
    }
    if (t instanceof java.util.Collection<?> many) {
      return many.contains(transport);
    }
    return false;
  }

  void handle(Stream stream) throws Exception;
}
