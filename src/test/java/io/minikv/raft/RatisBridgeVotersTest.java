package io.minikv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.impl.Configurations;
import org.apache.ratis.thirdparty.com.google.common.collect.Iterables;
import org.junit.jupiter.api.Test;

class RatisBridgeVotersTest {
  private static RaftPeer peer(int i) {
    return RaftPeer.newBuilder().setId("node-" + i).setAddress("127.0.0.1:" + (9870 + i)).build();
  }

  /** A listener being made a voter: in the old configuration a listener, in the new a voter. */
  private static final RaftConfiguration PROMOTING =
      Configurations.changing(
          List.of(peer(1), peer(2), peer(3)),
          List.of(peer(4)),
          List.of(peer(1), peer(2), peer(3), peer(4)),
          List.of());

  @Test
  void aListenerBeingPromotedIsOneVoter() {
    assertEquals(
        List.of("node-1", "node-2", "node-3", "node-4"),
        RatisBridge.voters(PROMOTING).stream().map(p -> p.getId().toString()).sorted().toList());
  }

  @Test
  void ratisOwnGroupOfSuchAConfigurationThrows() {
    // What Division.getGroup() does, and what forwarded writes used before: voters and listeners
    // of both configurations in one group, the promoted peer twice.
    Iterable<RaftPeer> all =
        Iterables.concat(
            PROMOTING.getAllPeers(RaftPeerRole.FOLLOWER),
            PROMOTING.getAllPeers(RaftPeerRole.LISTENER));
    assertThrows(IllegalStateException.class, () -> RaftGroup.valueOf(RaftGroupId.randomId(), all));
  }

  @Test
  void aListenerThatStaysOneIsNoVoter() {
    RaftConfiguration adding =
        Configurations.changing(
            List.of(peer(1), peer(2), peer(3)),
            List.of(),
            List.of(peer(1), peer(2), peer(3)),
            List.of(peer(4)));
    assertEquals(
        List.of("node-1", "node-2", "node-3"),
        RatisBridge.voters(adding).stream().map(p -> p.getId().toString()).sorted().toList());
  }
}
