package io.warren.voip.command;

import io.warren.api.Json;
import io.warren.voip.Call;
import io.warren.voip.MediaStats;
import io.warren.voip.RelayStats;
import io.warren.voip.VoipCalls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code voip:} console scope: place, answer, refuse, list and end calls. */
@Component(service = VoipCommands.class, property = {
    "osgi.command.scope=voip",
    "osgi.command.function=call",
    "osgi.command.function=answer",
    "osgi.command.function=refuse",
    "osgi.command.function=calls",
    "osgi.command.function=hangup"})
public final class VoipCommands {
  static final String HEADER = "ID  ROLE  STATE  PEER  CODEC  PATH  MEDIA  SENT(pkts bytes lost jitter-ms)"
      + "  RECEIVED(pkts bytes lost jitter-ms)  DROPPED(stranger cap late unlatched)"
      + "  RTCP-SENT(lost jitter-ms)  RTCP-RECEIVED(lost jitter-ms)  DEVICE  RTT-ms(last smoothed)";
  private final VoipCalls voip;

  @Activate
  public VoipCommands(@Reference VoipCalls voip) {
    this.voip = voip;
  }

  @Descriptor("Calls a peer, offering codecs; the media goes over the overlay through a UDP port pair of this"
      + " node (or through --relay's ports); prints where this side's RTP endpoint sends (RTCP: the next port)")
  public String call(
      @Descriptor("a node of the network relaying the media through its UDP ports (this node's name: its own"
          + " relay); absent: over the overlay") @Parameter(names = {"--relay"}, absentValue = "") String relay,
      @Descriptor("codecs offered, in order of preference") @Parameter(names = {"--codecs"},
          absentValue = "pcmu") String codecs,
      @Descriptor("this side's RTP endpoint ip:port, when known (no other sender is taken); absent: the first"
          + " sender") @Parameter(names = {"--endpoint"}, absentValue = "") String endpoint,
      @Descriptor("a node of the network whose relay the callee, a Nostr device, is connected to: that node rings"
          + " it and bridges its media into the call") @Parameter(names = {"--via"}, absentValue = "") String via,
      @Descriptor("the callee: a node name or peer ID, a device (npub, hex key or name), or with --via a device"
          + " as that node names it") String peer) {
    Call c = voip.call(peer, relay, io.warren.voip.command.Codecs.list(codecs), endpoint, via);
    return "call " + c.id() + " to " + peer + (via.isBlank() ? "" : " via " + via) + " " + c.state()
        + ": send RTP to " + c.media();
  }

  @Descriptor("Answers a ringing call with the first offered codec this node takes (or --codec)")
  public String answer(
      @Descriptor("the codec to use, one of those offered") @Parameter(names = {"--codec"},
          absentValue = "") String codec,
      @Descriptor("this side's RTP endpoint ip:port, when known; absent: the first sender") @Parameter(
          names = {"--endpoint"}, absentValue = "") String endpoint,
      @Descriptor("the call's id or a unique prefix of it") String id) {
    Call c = voip.answer(id, codec, endpoint);
    return "call " + c.id() + " with " + c.peer() + " " + c.state() + " (" + c.codec() + "): send RTP to "
        + c.media();
  }

  @Descriptor("Refuses a ringing call; the caller is told why")
  public String refuse(
      @Descriptor("the reason the caller is told") @Parameter(names = {"--reason"}, absentValue = "") String reason,
      @Descriptor("the call's id or a unique prefix of it") String id) {
    Call c = voip.refuse(id, reason);
    return "call " + c.id() + " from " + c.peer() + " refused";
  }

  @Descriptor("Lists this node's calls (the last few ended ones too) and the calls its relay carries, with their"
      + " counters: over the overlay this node's own, through a relay the relay's")
  public String calls(@Descriptor("a JSON array: id, role, state, peer, codec, path, media, sent and received"
      + " (packets, bytes, lost, jitterMillis, and reportedLost, reportedJitterMillis from the receiving endpoint's"
      + " RTCP reports; in sent rttMillis and rttSmoothedMillis, the round trip to the far endpoint from RTCP SR"
      + " and reports) and dropped (stranger, cap, late, unlatched); null where the table shows -") @Parameter(
          names = {"--json"}, presentValue = "true", absentValue = "false") boolean json) {
    List<Call> all = voip.calls();
    if (json) {
      List<Object> out = new ArrayList<>();
      for (Call c : all) {
        out.add(json(c));
      }
      return Json.write(out);
    }
    StringBuilder b = new StringBuilder(HEADER);
    for (Call c : all) {
      b.append('\n').append(row(c));
    }
    return b.toString();
  }

  /**
   * One row of 26 words: the call, what this side's endpoint sent, what reached it, what was dropped,
   * what the receiving endpoints reported in RTCP of each direction, the device at the far end, and
   * the round trip to the far endpoint (last and smoothed, from this side's endpoint's SRs).
   */
  static String row(Call c) {
    return counters(c) + "  " + c.device().map(String::valueOf).orElse("-") + "  "
        + c.sent().filter(s -> !Double.isNaN(s.rttMillis()))
            .map(s -> millis(s.rttMillis()) + " " + millis(s.rttSmoothedMillis())).orElse("- -");
  }

  private static String millis(double ms) {
    return String.format(Locale.ROOT, "%.2f", ms);
  }

  private static String counters(Call c) {
    String head = c.id() + "  " + c.role() + "  " + c.state() + "  " + c.peer() + "  " + c.codec() + "  " + c.path()
        + "  " + c.media() + "  ";
    if (c.sent().isPresent() || c.received().isPresent()) {
      return head + media(c.sent()) + "  " + media(c.received()) + "  "
          + c.sent().map(s -> s.droppedStranger() + " " + s.droppedCap() + " " + s.droppedLate() + " "
              + (s.droppedUnlatched() + c.received().map(MediaStats::droppedUnlatched).orElse(0L)))
              .orElse("- - - -")
          + "  " + reported(c.sent()) + "  " + reported(c.received());
    }
    return head
        + c.mine().map(s -> s.packets() + " " + s.bytes() + " " + s.lost() + " -").orElse("- - - -") + "  "
        + c.theirs().map(s -> s.forwarded() + " " + s.forwardedBytes() + " " + s.lost() + " -").orElse("- - - -")
        + "  " + dropped(c.mine()) + "  - -  - -";
  }

  private static String reported(Optional<MediaStats> s) {
    return s.filter(x -> x.reports() > 0)
        .map(x -> x.reportedLost() + " " + String.format(Locale.ROOT, "%.2f", x.reportedJitterMillis()))
        .orElse("- -");
  }

  /** The fields of {@link #row}, with numbers as numbers and null where the row shows {@code -}. */
  static Map<String, Object> json(Call c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("role", c.role());
    m.put("state", c.state());
    m.put("peer", String.valueOf(c.peer()));
    m.put("codec", dash(c.codec()));
    m.put("path", dash(c.path()));
    m.put("media", dash(c.media()));
    m.put("device", c.device().map(String::valueOf).orElse(null));
    if (c.sent().isPresent() || c.received().isPresent()) {
      m.put("sent", c.sent().map(VoipCommands::counters).orElse(null));
      m.put("received", c.received().map(VoipCommands::counters).orElse(null));
      m.put("dropped", c.sent().map(s -> dropped(s.droppedStranger(), s.droppedCap(), s.droppedLate(),
          s.droppedUnlatched() + c.received().map(MediaStats::droppedUnlatched).orElse(0L))).orElse(null));
    } else {
      m.put("sent", c.mine().map(s -> counters(s.packets(), s.bytes(), s.lost(), null)).orElse(null));
      m.put("received",
          c.theirs().map(s -> counters(s.forwarded(), s.forwardedBytes(), s.lost(), null)).orElse(null));
      m.put("dropped",
          c.mine().map(s -> dropped(s.droppedStranger(), s.droppedRate(), null, s.droppedUnlatched())).orElse(null));
    }
    return m;
  }

  private static String dash(String s) {
    return s == null || s.equals("-") ? null : s;
  }

  private static Map<String, Object> counters(MediaStats s) {
    Map<String, Object> m = counters(s.packets(), s.bytes(), s.lost(), s.jitterMillis());
    boolean reported = s.reports() > 0;
    m.put("reportedLost", reported ? s.reportedLost() : null);
    m.put("reportedJitterMillis", reported ? s.reportedJitterMillis() : null);
    m.put("rttMillis", Double.isNaN(s.rttMillis()) ? null : s.rttMillis());
    m.put("rttSmoothedMillis", Double.isNaN(s.rttSmoothedMillis()) ? null : s.rttSmoothedMillis());
    return m;
  }

  private static Map<String, Object> counters(long packets, long bytes, long lost, Double jitterMillis) {
    Map<String, Object> m = four("packets", packets, "bytes", bytes, "lost", lost, "jitterMillis", jitterMillis);
    m.put("reportedLost", null);
    m.put("reportedJitterMillis", null);
    m.put("rttMillis", null);
    m.put("rttSmoothedMillis", null);
    return m;
  }

  private static Map<String, Object> dropped(long stranger, long cap, Long late, long unlatched) {
    return four("stranger", stranger, "cap", cap, "late", late, "unlatched", unlatched);
  }

  /** Four named values in order (a null stays: JSON shows it as null, unlike Map.of). */
  private static Map<String, Object> four(String k1, Object v1, String k2, Object v2, String k3, Object v3, String k4,
      Object v4) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    m.put(k3, v3);
    m.put(k4, v4);
    return m;
  }

  private static String media(Optional<MediaStats> s) {
    return s.map(x -> x.packets() + " " + x.bytes() + " " + x.lost() + " "
        + String.format(Locale.ROOT, "%.2f", x.jitterMillis())).orElse("- - - -");
  }

  private static String dropped(Optional<RelayStats> s) {
    return s.map(x -> x.droppedStranger() + " " + x.droppedRate() + " - " + x.droppedUnlatched())
        .orElse("- - - -");
  }

  @Descriptor("Ends a call (or gives up a ringing one): the other side is told and the media ports close")
  public String hangup(@Descriptor("the call's id or a unique prefix of it") String id) {
    Call c = voip.hangup(id);
    return "call " + c.id() + " with " + c.peer() + " ended";
  }
}
