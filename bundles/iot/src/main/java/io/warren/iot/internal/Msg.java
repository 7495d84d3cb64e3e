package io.warren.iot.internal;

/**
 * One application message as the broker routes it, with its MQTT 5 publish properties
 * ({@link Props#NONE} for none); {@code payload} is never modified after creation.
 */
record Msg(String topic, byte[] payload, int qos, boolean retain, Props props) {
  Msg(String topic, byte[] payload, int qos, boolean retain) {
    this(topic, payload, qos, retain, Props.NONE);
  }

  Msg withQos(int q) {
    return q == qos ? this : new Msg(topic, payload, q, retain, props);
  }

  Msg withRetain(boolean r) {
    return r == retain ? this : new Msg(topic, payload, qos, r, props);
  }

  /** Whether its message expiry interval has passed at {@code nowMillis}. */
  boolean expired(long nowMillis) {
    return props.expired(nowMillis);
  }
}
