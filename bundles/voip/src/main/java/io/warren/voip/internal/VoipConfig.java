package io.warren.voip.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The configuration of {@code io.warren.voip} ({@link VoipService}); the defaults live only here. */
@ObjectClassDefinition(name = "Warren VoIP",
    description = "Call signalling, media over the overlay, and an RTP/RTCP media relay")
public @interface VoipConfig {
  @AttributeDefinition(description = "Codecs this node's endpoints take, in its order of preference; an offer"
      + " with none of them is refused")
  String codecs() default "pcmu,pcma,opus";

  @AttributeDefinition(description = "Seconds a call rings unanswered before both sides give it up")
  int ring_timeout_seconds() default 30;

  @AttributeDefinition(description = "Whether this node answers every offer from a member at once, with the"
      + " first common codec (for unattended endpoints)")
  boolean answer_auto() default false;

  @AttributeDefinition(description = "Local address the calls' own UDP port pairs bind to (where this node's"
      + " endpoints send their RTP when the media goes over the overlay)")
  String media_bind() default "127.0.0.1";

  @AttributeDefinition(description = "UDP ports for calls whose media goes over the overlay, <first>-<last>;"
      + " each call an even RTP port and the next one for RTCP")
  String media_ports() default "41000-41999";

  @AttributeDefinition(description = "Packets of one call that may wait to be sent over the overlay; one more"
      + " is dropped as late")
  int media_queue_packets() default 16;

  @AttributeDefinition(description = "Kilobits per second one call's endpoint may send over the overlay;"
      + " more is dropped and counted")
  int media_max_kbps() default 512;

  @AttributeDefinition(description = "Whether this node relays media for calls of its network's members")
  boolean relay_enabled() default false;

  @AttributeDefinition(description = "Local address the relay's UDP ports bind to")
  String relay_bind() default "0.0.0.0";

  @AttributeDefinition(
      description = "IP address endpoints send their RTP to, given to callers (required with relay.enabled)")
  String relay_address() default "";

  @AttributeDefinition(description = "UDP ports the relay allocates from, <first>-<last>; each leg takes an even"
      + " RTP port and the next one for RTCP, so each call four")
  String relay_ports() default "40000-40999";

  @AttributeDefinition(description = "Calls the relay carries at once; one more is refused")
  int relay_max_sessions() default 100;

  @AttributeDefinition(description = "Calls one member may have the relay carry at once; one more is refused")
  int relay_max_sessions_per_peer() default 16;

  @AttributeDefinition(description = "Seconds without a forwarded packet before the relay closes a call's ports")
  int relay_idle_timeout_seconds() default 30;

  @AttributeDefinition(description = "Packets per second each leg may send through the relay; more are dropped")
  int relay_max_packets_per_second() default 200;

  @AttributeDefinition(description = "Calls this node is a party to at once; one more is refused")
  int max_calls() default 16;

  @AttributeDefinition(description = "Seconds a request to the relay or the other side may take")
  int answer_timeout_seconds() default 10;

  @AttributeDefinition(description = "Calls this node may have with one other node at once; one more is refused,"
      + " either way")
  int max_calls_per_peer() default 8;

  @AttributeDefinition(description = "Calls one Nostr device (a key in the relay's device.allow) may have in"
      + " progress at once through this node, as caller or callee; one more is refused")
  int max_calls_per_device() default 4;

  @AttributeDefinition(description = "The address Nostr devices are told to send their RTP to (a device's leg is a"
      + " port pair of media.ports on media.bind); empty: media.bind")
  String device_address() default "";

  @AttributeDefinition(description = "Seconds between keepalives to the other side of an active call; each is"
      + " one request that must be answered within this time")
  int keepalive_seconds() default 5;

  @AttributeDefinition(description = "Keepalives in a row the other side may leave unanswered before the call"
      + " ends as lost (the other node vanished without a hangup)")
  int keepalive_missed() default 3;
}
