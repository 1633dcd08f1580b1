package io.minikv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layout's plan, its versioned changes, and its text and file forms. */
class GroupLayoutTest {
  @TempDir Path dir;

  private static GroupLayout fourNodesThreeGroups() {
    Map<String, String> nodes = new LinkedHashMap<>();
    for (int i = 1; i <= 4; i++) {
      nodes.put("node-" + i, "127.0.0.1:" + (9870 + i));
    }
    return GroupLayout.plan("test", nodes, 3, 3);
  }

  @Test
  void planSpreadsReplicasAndPreferredLeaders() {
    GroupLayout layout = fourNodesThreeGroups();
    assertEquals(1, layout.version());
    assertEquals(3, layout.groups().size());
    assertEquals(
        List.of(2, 2, 3, 2),
        List.of(
            layout.replicasOf("node-1"),
            layout.replicasOf("node-2"),
            layout.replicasOf("node-3"),
            layout.replicasOf("node-4")));
    for (int g = 0; g < 3; g++) {
      RaftGroup group = layout.groups().get(g);
      List<String> preferred =
          group.getPeers().stream()
              .filter(p -> p.getPriority() > 0)
              .map(p -> p.getId().toString())
              .toList();
      assertEquals(List.of("node-" + (g + 1)), preferred, "group i prefers node i as its leader");
      assertEquals(3, group.getPeers().size());
      assertEquals(GroupLayout.groupId("test", g), group.getGroupId().getUuid());
    }
    assertEquals(GroupLayout.metaGroupId("test"), layout.meta().getGroupId().getUuid());
    assertEquals(3, layout.meta().getPeers().size(), "an odd number of meta voters");
    assertTrue(layout.holdsMeta("node-1"));
    assertTrue(!layout.holdsMeta("node-4"));
    assertEquals(
        List.of(1, 2, 3, 3, 5, 5),
        List.of(
            GroupLayout.metaVoters(1),
            GroupLayout.metaVoters(2),
            GroupLayout.metaVoters(3),
            GroupLayout.metaVoters(4),
            GroupLayout.metaVoters(5),
            GroupLayout.metaVoters(9)));
  }

  @Test
  void theMetaGroupIsReplacedByIdLikeADataGroup() {
    GroupLayout layout = fourNodesThreeGroups();
    RaftGroup meta =
        RaftGroup.valueOf(
            layout.meta().getGroupId(),
            GroupLayout.peer("node-2", "127.0.0.1:9872", 0),
            GroupLayout.peer("node-3", "127.0.0.1:9873", 0),
            GroupLayout.peer("node-4", "127.0.0.1:9874", 0));
    GroupLayout next = layout.withGroup(meta);
    assertEquals(2, next.version());
    assertTrue(next.holdsMeta("node-4") && !next.holdsMeta("node-1"));
    assertEquals(layout.groups(), next.groups());
    assertSame(next, GroupLayout.decode(next.encode()));
  }

  @Test
  void everyChangeIsOneVersionLater() {
    GroupLayout layout = fourNodesThreeGroups();
    RaftGroup moved =
        RaftGroup.valueOf(
            layout.groups().get(0).getGroupId(),
            GroupLayout.peer("node-4", "127.0.0.1:9874", 1),
            GroupLayout.peer("node-2", "127.0.0.1:9872", 0),
            GroupLayout.peer("node-3", "127.0.0.1:9873", 0));
    GroupLayout next = layout.withGroup(0, moved).withDecommissioned("node-1");
    assertEquals(3, next.version());
    assertEquals(Set.of("node-1"), next.decommissioned());
    assertEquals(1, next.replicasOf("node-1"));
    assertEquals(3, next.replicasOf("node-4"));
    assertEquals(0, next.indexOf(moved.getGroupId()));
    assertEquals(1, layout.version(), "the original is unchanged");
  }

  @Test
  void textAndFileFormsKeepEverything() throws Exception {
    GroupLayout layout = fourNodesThreeGroups().withDecommissioned("node-2");
    GroupLayout decoded = GroupLayout.decode(layout.encode());
    assertSame(layout, decoded);
    assertNull(GroupLayout.load(dir));
    layout.store(dir);
    assertSame(layout, GroupLayout.load(dir));
  }

  private static void assertSame(GroupLayout expected, GroupLayout actual) {
    assertEquals(expected.version(), actual.version());
    assertEquals(expected.meta().getGroupId(), actual.meta().getGroupId());
    assertEquals(
        expected.meta().getPeers().stream().map(GroupLayoutTest::describe).toList(),
        actual.meta().getPeers().stream().map(GroupLayoutTest::describe).toList());
    assertEquals(expected.decommissioned(), actual.decommissioned());
    assertEquals(expected.groups().size(), actual.groups().size());
    for (int g = 0; g < expected.groups().size(); g++) {
      RaftGroup a = expected.groups().get(g);
      RaftGroup b = actual.groups().get(g);
      assertEquals(a.getGroupId(), b.getGroupId());
      List<String> pa = a.getPeers().stream().map(GroupLayoutTest::describe).toList();
      List<String> pb = b.getPeers().stream().map(GroupLayoutTest::describe).toList();
      assertEquals(pa, pb);
      assertTrue(!pa.isEmpty());
    }
  }

  private static String describe(RaftPeer p) {
    return p.getId() + "|" + p.getAddress() + "|" + p.getPriority();
  }
}
