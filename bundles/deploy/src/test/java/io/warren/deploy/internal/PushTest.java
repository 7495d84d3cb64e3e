package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.warren.api.PeerRef;
import io.warren.api.TransportException;
import io.warren.testing.FakeDirectory;
import io.warren.testing.StreamProbes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The pushing side: the current protocol first, the older one towards a node not yet updated. */
class PushTest {
  private static final PeerRef TARGET = new PeerRef(PeerRef.LIBP2P, "12D3KooWTarget");
  private static final byte[] JAR = "pretend this is a jar".getBytes(StandardCharsets.UTF_8);

  @Test
  void aTargetWithoutResumableUploadsGetsTheWholeArtifactOnTheOlderProtocol() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel();
    List<String> asked = new ArrayList<>();
    FakeDirectory directory = new FakeDirectory().opening((peer, protocol) -> {
      asked.add(protocol);
      return DeployService.PROTOCOL.equals(protocol)
          ? CompletableFuture.failedFuture(new TransportException("multistream: peer supports none of [" + protocol
              + "]"))
          : CompletableFuture.completedFuture(StreamProbes.over(ch, peer, protocol));
    });
    List<Long> offsets = new ArrayList<>();
    CompletionStage<String> report = Push.send(directory, TARGET, "t0ken", JAR, offsets::add);
    assertEquals(List.of(DeployService.PROTOCOL, DeployService.PROTOCOL_V1), asked);
    assertEquals("t0ken\n" + new String(JAR, StandardCharsets.UTF_8), UploadReaderTest.answer(ch),
        "no offset awaited: all of it");
    assertEquals(List.of(0L), offsets);
    // an EmbeddedChannel closes on closeWrite, so no answer comes: 1.0.0 has no way to resume
    assertFalse(cause(report) instanceof Push.Dropped, "final once every byte left: " + cause(report));
  }

  private static Throwable cause(CompletionStage<String> report) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> report.toCompletableFuture().get());
    return e.getCause();
  }

  @Test
  void theCurrentProtocolWaitsForTheOffsetAndSendsOnlyTheRest() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel();
    FakeDirectory directory = new FakeDirectory().opening((peer, protocol) -> CompletableFuture.completedFuture(
        StreamProbes.over(ch, peer, protocol)));
    CompletionStage<String> report = Push.send(directory, TARGET, "t0ken", JAR, o -> {});
    assertEquals("t0ken\n", UploadReaderTest.answer(ch), "nothing but the token before the target says where to start");
    ch.writeInbound(Unpooled.copiedBuffer("offset 5\n", StandardCharsets.UTF_8));
    assertEquals(new String(JAR, 5, JAR.length - 5, StandardCharsets.UTF_8), UploadReaderTest.answer(ch));
    // the stream ended before the target said "received": the bytes may not all be there, so it resumes
    assertTrue(cause(report) instanceof Push.Dropped, "resumable: " + cause(report));
  }
}
