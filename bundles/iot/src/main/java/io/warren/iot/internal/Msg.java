package io.warren.iot.internal;

/** One application message as the broker routes it; {@code payload} is never modified after creation. */
record Msg(String topic, byte[] payload, int qos, boolean retain) {
  Msg withQos(int q) {
    return q == qos ? this : new Msg(topic, payload, q, retain);
  }

  Msg withRetain(boolean r) {
    return r == retain ? this : new Msg(topic, payload, qos, r);
  }
}
