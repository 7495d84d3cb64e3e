package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.deploy.internal.DeployStore.Artifact;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the store keeps: a bundle's current and previous artifacts only, and the history. */
class DeployStoreTest {
  @TempDir Path dir;

  @Test
  void keepingAVersionDropsEveryArtifactButItAndTheOneBefore() {
    H2Store h2 = H2Store.open(dir);
    try {
      DeployStore store = new DeployStore(h2);
      for (String d : List.of("a", "b", "c")) {
        store.putArtifact(new Artifact(d.repeat(64), "x", "1.0." + d, new byte[] {1, 2, 3}));
      }
      store.putArtifact(new Artifact("f".repeat(64), "other", "1.0.0", new byte[] {4}));
      store.keep("x", "c".repeat(64), "b".repeat(64));
      assertTrue(store.artifact("a".repeat(64)).isEmpty());
      assertArrayEquals(new byte[] {1, 2, 3}, store.artifact("b".repeat(64)).orElseThrow().content());
      assertEquals(new DeployStore.Kept("c".repeat(64), Optional.of("b".repeat(64))), store.kept("x").orElseThrow());
      assertTrue(store.artifact("f".repeat(64)).isPresent(), "another bundle's artifacts stay");

      store.keep("x", "c".repeat(64), null);
      assertTrue(store.artifact("b".repeat(64)).isEmpty());
      store.forget("x");
      assertTrue(store.kept("x").isEmpty());
      assertTrue(store.artifact("c".repeat(64)).isEmpty());

      store.record("x", "1.0.0", "c".repeat(64), "peer", "installed");
      store.record("x", "1.1.0", "d".repeat(64), "peer", "r".repeat(5000));
      List<io.warren.deploy.Deployer.Change> h = store.history(10);
      assertEquals(2, h.size());
      assertEquals("1.1.0", h.get(0).version(), "newest first");
      assertEquals(4096, h.get(0).result().length(), "a long result is cut to fit");
    } finally {
      h2.close();
    }
  }
}
