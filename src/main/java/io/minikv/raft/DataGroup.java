package io.minikv.raft;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * One data group in vshard-map order as this node sees it now: its replica while the node is one of
 * its voters (null otherwise: replicas come and go as the shard manager moves them), the bridge
 * that submits to and reads from it, and its voters as the layout last recorded them.
 */
public final class DataGroup {
  private final RaftGroupId groupId;
  private final RatisBridge bridge;
  private final Function<RaftGroupId, GroupReplica> replicas;
  private final Supplier<GroupLayout> layout;

  DataGroup(
      RaftGroupId groupId,
      RatisBridge bridge,
      Function<RaftGroupId, GroupReplica> replicas,
      Supplier<GroupLayout> layout) {
    this.groupId = groupId;
    this.bridge = bridge;
    this.replicas = replicas;
    this.layout = layout;
  }

  public String id() {
    return groupId.getUuid().toString();
  }

  public RaftGroupId groupId() {
    return groupId;
  }

  /** This node's replica while it is a voter of the group, else null. */
  public GroupReplica replica() {
    return replicas.apply(groupId);
  }

  public boolean hosted() {
    return replica() != null;
  }

  public RatisBridge bridge() {
    return bridge;
  }

  /** The group with its voters as the layout last recorded them. */
  public RaftGroup planned() {
    GroupLayout l = layout.get();
    return l.groups().get(l.indexOf(groupId));
  }

  /** The voters' ids as the layout last recorded them, sorted. */
  public List<String> voters() {
    return planned().getPeers().stream().map(p -> p.getId().toString()).sorted().toList();
  }
}
