package io.minikv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The meta group's commands: newest layout wins, node records replace, the text form is whole. */
class MetaStateTest {
  private static GroupLayout threeNodes() {
    Map<String, String> nodes = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      nodes.put("node-" + i, "127.0.0.1:" + (9870 + i));
    }
    return GroupLayout.plan("test", nodes, 3, 3);
  }

  @Test
  void aLayoutIsTakenOnlyWhenNewer() {
    GroupLayout v1 = threeNodes();
    MetaState.Applied first = MetaState.EMPTY.apply(MetaState.layoutCommand(v1));
    assertTrue(first.accepted());
    assertEquals(1, first.state().layout().version());

    GroupLayout v2 = v1.withDecommissioned("node-3");
    MetaState.Applied second = first.state().apply(MetaState.layoutCommand(v2));
    assertTrue(second.accepted());
    assertEquals(v2.decommissioned(), second.state().layout().decommissioned());

    MetaState.Applied stale = second.state().apply(MetaState.layoutCommand(v1));
    assertFalse(stale.accepted(), "an older layout never replaces a newer one");
    MetaState.Applied same = second.state().apply(MetaState.layoutCommand(v2));
    assertFalse(same.accepted(), "a racing writer with the same version loses");
    assertEquals(2, same.state().layout().version());
  }

  @Test
  void nodeRecordsAreAddedAndReplaced() {
    MetaState s = MetaState.EMPTY.apply(MetaState.nodeCommand("node-2", "{\"a\":1}")).state();
    s = s.apply(MetaState.nodeCommand("node-1", "{\"a\":2}")).state();
    assertEquals(java.util.List.of("node-1", "node-2"), java.util.List.copyOf(s.nodes().keySet()));
    assertFalse(s.apply(MetaState.nodeCommand("node-1", "{\"a\":2}")).accepted());
    MetaState.Applied changed = s.apply(MetaState.nodeCommand("node-1", "{\"a\":3}"));
    assertTrue(changed.accepted());
    assertEquals("{\"a\":3}", changed.state().nodes().get("node-1"));
    assertNull(changed.state().layout());
  }

  @Test
  void theTextFormKeepsEverything() {
    MetaState s =
        MetaState.EMPTY
            .apply(MetaState.layoutCommand(threeNodes().withDecommissioned("node-1")))
            .state()
            .apply(MetaState.nodeCommand("node-1", "{\"http\":\"127.0.0.1:8081\"}\nline two"))
            .state();
    MetaState back = MetaState.decode(s.encode());
    assertEquals(s.nodes(), back.nodes());
    assertEquals(s.layout().encode(), back.layout().encode());
    assertEquals(MetaState.EMPTY.nodes(), MetaState.decode(MetaState.EMPTY.encode()).nodes());
  }

  @Test
  void malformedCommandsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> MetaState.EMPTY.apply(new byte[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> MetaState.EMPTY.apply("X".getBytes(StandardCharsets.UTF_8)));
    assertThrows(IllegalArgumentException.class, () -> MetaState.nodeCommand("a\nb", "{}"));
  }
}
