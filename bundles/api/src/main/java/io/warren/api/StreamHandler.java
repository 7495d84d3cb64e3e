package io.warren.api;

/**
 * Receives inbound streams for one protocol.
 *
 * <p>Register an implementation as an OSGi service (whiteboard) with the service property
 * {@value #PROTOCOL} set to the protocol id it serves. Every {@link Transport} offers that
 * protocol to its peers while the service is registered.
 *
 * <p>{@link #handle} is called on the stream's event loop and must not block: add handlers to the
 * stream's pipeline and return. An exception thrown from it resets that stream only.
 */
@FunctionalInterface
public interface StreamHandler {

  /** Service property naming the protocol id a handler serves. */
  String PROTOCOL = "warren.protocol";

  void handle(Stream stream) throws Exception;
}
