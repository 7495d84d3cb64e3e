package io.warren.iot.internal;

/** {@link IotService.Config}, checked: SCR shows the exception when a value is out of range. */
record Settings(boolean enabled, String host, int port, boolean allowAnonymous, int maxConnections,
    int maxSubscriptionsPerClient, int maxInflightPerClient, int maxQueuedPerClient, int maxMessageBytes,
    int publishRate, int connectTimeoutSeconds, long maxSessionExpirySeconds, int maxRetained, int bridgeQueue) {

  static Settings of(IotService.Config c) {
    String host = c.host().strip();
    if (host.isEmpty()) {
      throw new IllegalArgumentException("io.warren.iot: host must not be empty (127.0.0.1 is the default)");
    }
    if (c.port() < 0 || c.port() > 65535) {
      throw new IllegalArgumentException("io.warren.iot: port must be 0-65535, got " + c.port());
    }
    int[] positive = {c.max_connections(), c.max_subscriptions_per_client(), c.max_inflight_per_client(),
        c.max_queued_per_client(), c.max_message_bytes(), c.publish_rate(), c.connect_timeout_seconds(),
        c.max_retained(), c.bridge_queue()};
    for (int v : positive) {
      if (v < 1) {
        throw new IllegalArgumentException("io.warren.iot: every limit must be at least 1, got " + v);
      }
    }
    if (c.max_inflight_per_client() > 65535 || c.max_message_bytes() > 268_435_455) {
      throw new IllegalArgumentException(
          "io.warren.iot: max.inflight.per.client is at most 65535 and max.message.bytes at most 268435455");
    }
    if (c.max_session_expiry_seconds() < 0) {
      throw new IllegalArgumentException("io.warren.iot: max.session.expiry.seconds must be 0 or more");
    }
    return new Settings(c.enabled(), host, c.port(), c.allow_anonymous(), c.max_connections(),
        c.max_subscriptions_per_client(), c.max_inflight_per_client(), c.max_queued_per_client(),
        c.max_message_bytes(), c.publish_rate(), c.connect_timeout_seconds(), c.max_session_expiry_seconds(),
        c.max_retained(), c.bridge_queue());
  }
}
