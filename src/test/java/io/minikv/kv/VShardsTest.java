package io.minikv.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VShardsTest {
  @Test
  void theMappingIsStableAndSpreadsKeysOverAll256Shards() {
    // Placement depends on these values never changing between versions or JVMs.
    assertEquals(114, VShards.ofKv("default", "a".getBytes(StandardCharsets.UTF_8)));
    assertEquals(37, VShards.ofKv("default", "user/42".getBytes(StandardCharsets.UTF_8)));
    assertEquals(54, VShards.ofKv("default", "ключ".getBytes(StandardCharsets.UTF_8)));
    assertEquals(222, VShards.ofKv("t2", "a".getBytes(StandardCharsets.UTF_8)), "tenant matters");
    int[] counts = new int[VShards.COUNT];
    for (int i = 0; i < 256_000; i++) {
      int v = VShards.ofKv("default", ("key-" + i).getBytes(StandardCharsets.UTF_8));
      assertTrue(v >= 0 && v < VShards.COUNT);
      counts[v]++;
    }
    for (int c : counts) {
      assertTrue(c > 800 && c < 1200, "uneven vshard: " + c);
    }
  }
}
