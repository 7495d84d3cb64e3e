package io.warren.voip.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.warren.api.Json;
import io.warren.api.PeerRef;
import io.warren.voip.Call;
import io.warren.voip.MediaStats;
import io.warren.voip.RelayStats;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VoipCommandsTest {
  private static final PeerRef PEER = new PeerRef(PeerRef.NOSTR, "ab".repeat(32));

  @Test
  void aCallOverTheOverlayIsItsRowAsJson() {
    Call c = new Call("c1", "caller", PEER, "active", "PCMU", "direct", "127.0.0.1:4000",
        Optional.of(new MediaStats(10, 1720, 1, 2.5, 0, 3, 0, 4)), Optional.empty(), Optional.empty(),
        Optional.empty());
    assertEquals("{\"id\":\"c1\",\"role\":\"caller\",\"state\":\"active\",\"peer\":\"" + PEER + "\",\"codec\":\"PCMU\","
        + "\"path\":\"direct\",\"media\":\"127.0.0.1:4000\",\"device\":null,\"sent\":{\"packets\":10,\"bytes\":1720,\"lost\":1,"
        + "\"jitterMillis\":2.5,\"reportedLost\":null,\"reportedJitterMillis\":null,\"rttMillis\":null,\"rttSmoothedMillis\":null},\"received\":null,\"dropped\":{\"stranger\":0,\"cap\":3,\"late\":0,\"unlatched\":4}}",
        Json.write(VoipCommands.json(c)));
  }

  @Test
  void aRingingCallThroughARelayShowsNullWhereTheRowShowsADash() {
    Call c = new Call("c2", "callee", PEER, "ringing", "-", "-", "-", Optional.empty(), Optional.empty(),
        Optional.of(new RelayStats("", 5, 800, 4, 640, 0, 1, 2, 3)), Optional.empty());
    assertEquals("{\"id\":\"c2\",\"role\":\"callee\",\"state\":\"ringing\",\"peer\":\"" + PEER + "\",\"codec\":null,"
        + "\"path\":null,\"media\":null,\"device\":null,\"sent\":{\"packets\":5,\"bytes\":800,\"lost\":0,\"jitterMillis\":null,"
        + "\"reportedLost\":null,\"reportedJitterMillis\":null,\"rttMillis\":null,\"rttSmoothedMillis\":null},"
        + "\"received\":null,\"dropped\":{\"stranger\":1,\"cap\":2,\"late\":null,\"unlatched\":3}}",
        Json.write(VoipCommands.json(c)));
  }

  @Test
  void whatTheEndpointsReportedInRtcpStandsBesideTheNodesOwnFigures() {
    Call c = new Call("c3", "caller", PEER, "active", "pcmu", "direct", "127.0.0.1:4000",
        Optional.of(new MediaStats(10, 1720, 1, 2.5, 0, 0, 0, 0, 2, 3, 1.25)),
        Optional.of(new MediaStats(9, 1548, 0, 0.5, 0, 0, 0, 0)), Optional.empty(), Optional.empty());
    String[] row = VoipCommands.row(c).split("\\s+");
    assertEquals(26, row.length, VoipCommands.row(c));
    assertEquals("3 1.25 - - - - -", String.join(" ", java.util.Arrays.copyOfRange(row, 19, 26)));
    String json = Json.write(VoipCommands.json(c));
    assertEquals(true, json.contains("\"jitterMillis\":2.5,\"reportedLost\":3,\"reportedJitterMillis\":1.25,"
        + "\"rttMillis\":null,\"rttSmoothedMillis\":null}"), json);
  }

  @Test
  void theRoundTripIsTheLastColumnAndInSent() {
    Call c = new Call("c5", "caller", PEER, "active", "pcmu", "direct", "127.0.0.1:4000",
        Optional.of(new MediaStats(10, 1720, 0, 0.5, 0, 0, 0, 0, 2, 0, 0.25, 3.5, 4.125)), Optional.empty(),
        Optional.empty(), Optional.empty());
    String[] row = VoipCommands.row(c).split("\\s+");
    assertEquals(26, row.length, VoipCommands.row(c));
    assertEquals("- 3.50 4.13", String.join(" ", java.util.Arrays.copyOfRange(row, 23, 26)));
    String json = Json.write(VoipCommands.json(c));
    assertEquals(true, json.contains("\"rttMillis\":3.5,\"rttSmoothedMillis\":4.125}"), json);
  }

  @Test
  void aCallBridgedToADeviceNamesItInItsLastColumnAndInJson() {
    PeerRef node = new PeerRef(PeerRef.LIBP2P, "12D3KooWExample");
    Call c = new Call("c4", "callee", node, "active", "pcmu", "direct", "127.0.0.1:4000", Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty()).withDevice(PEER);
    String[] row = VoipCommands.row(c).split("\\s+");
    assertEquals(26, row.length, VoipCommands.row(c));
    assertEquals(PEER.toString(), row[23]);
    assertEquals(node.toString(), row[3]);
    assertEquals(true, Json.write(VoipCommands.json(c)).contains("\"device\":\"" + PEER + "\""));
    assertEquals(Optional.of(PEER), c.withState("hungup").device(), "an ended call keeps its device");
  }
}
