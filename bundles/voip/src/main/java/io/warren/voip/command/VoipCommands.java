package io.warren.voip.command;

import io.warren.voip.Call;
import io.warren.voip.RelayStats;
import io.warren.voip.VoipCalls;
import java.util.List;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code voip:} console scope: place, list and end calls. */
@Component(service = VoipCommands.class, property = {
    "osgi.command.scope=voip",
    "osgi.command.function=call",
    "osgi.command.function=calls",
    "osgi.command.function=hangup"})
public final class VoipCommands {
  static final String HEADER = "ID                ROLE    STATE   PEER  MEDIA  SENT(pkts bytes fwd lost)"
      + "  RECEIVED(pkts bytes lost)  DROPPED(stranger rate unlatched)";
  private final VoipCalls voip;

  @Activate
  public VoipCommands(@Reference VoipCalls voip) {
    this.voip = voip;
  }

  @Descriptor("Calls a peer: the relay node allocates a UDP port pair per side and the callee is offered its"
      + " side; prints where this side's RTP endpoint sends (RTCP: the next port)")
  public String call(
      @Descriptor("the node relaying the media (a public node of the network); absent: this node") @Parameter(
          names = {"--relay"}, absentValue = "") String relay,
      @Descriptor("the callee: a node name or peer ID") String peer) {
    Call c = voip.call(peer, relay);
    return "call " + c.id() + " to " + peer + ": send RTP to " + c.media();
  }

  @Descriptor("Lists this node's calls and the calls its relay carries, with the relay's counters")
  public String calls() {
    List<Call> all = voip.calls();
    StringBuilder b = new StringBuilder(HEADER);
    for (Call c : all) {
      b.append('\n').append(row(c));
    }
    return b.toString();
  }

  /** One row: the leg this side sends on, then what reached it from the other side. */
  static String row(Call c) {
    return c.id() + "  " + c.role() + "  " + c.state() + "  " + c.peer() + "  " + c.media() + "  "
        + c.mine().map(s -> s.packets() + " " + s.bytes() + " " + s.forwarded() + " " + s.lost()).orElse("- - - -")
        + "  " + c.theirs().map(s -> s.forwarded() + " " + s.forwardedBytes() + " " + s.lost()).orElse("- - -")
        + "  " + dropped(c.mine());
  }

  private static String dropped(Optional<RelayStats> s) {
    return s.map(x -> x.droppedStranger() + " " + x.droppedRate() + " " + x.droppedUnlatched()).orElse("- - -");
  }

  @Descriptor("Ends a call: the other side is told and the relay frees its ports")
  public String hangup(@Descriptor("the call's id or a unique prefix of it") String id) {
    Call c = voip.hangup(id);
    return "call " + c.id() + " with " + c.peer() + " ended";
  }
}
