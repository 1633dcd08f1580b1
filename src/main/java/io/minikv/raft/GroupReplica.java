package io.minikv.raft;

import io.minikv.kv.KvApplier;
import io.minikv.storage.StorageEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

/**
 * One data group as hosted on this node: its Raft division, the engine holding this replica's data
 * and the applier.
 */
public final class GroupReplica {
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final StorageEngine engine;
  private final KvApplier applier;

  GroupReplica(RaftServer server, RaftGroupId groupId, StorageEngine engine, KvApplier applier) {
    this.server = server;
    this.groupId = groupId;
    this.engine = engine;
    this.applier = applier;
  }

  public String id() {
    return groupId.getUuid().toString();
  }

  public StorageEngine engine() {
    return engine;
  }

  public KvApplier applier() {
    return applier;
  }

  private DivisionInfo info() {
    try {
      return server.getDivision(groupId).getInfo();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True when this node leads the group and the leader has committed an entry of its term. */
  public boolean isLeaderReady() {
    try {
      DivisionInfo info = info();
      return info.isLeader() && info.isLeaderReady();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * True when the group has a leader this node knows: the leader once it is ready, a follower once
   * it has heard from one (reads on a follower still go through a ReadIndex barrier).
   */
  public boolean isReady() {
    try {
      DivisionInfo info = info();
      return info.isLeader() ? info.isLeaderReady() : info.getLeaderId() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  public long term() {
    return info().getCurrentTerm();
  }

  public long appliedIndex() {
    return info().getLastAppliedIndex();
  }

  long commitIndex() {
    try {
      return server.getDivision(groupId).getRaftLog().getLastCommittedIndex();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The group as this node sees it now. */
  public GroupStatus status() {
    try {
      RaftServer.Division division = server.getDivision(groupId);
      DivisionInfo info = division.getInfo();
      List<GroupStatus.Member> members = new ArrayList<>();
      for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
        members.add(new GroupStatus.Member(p.getId().toString(), p.getAddress()));
      }
      members.sort(java.util.Comparator.comparing(GroupStatus.Member::id));
      return new GroupStatus(
          id(),
          members,
          info.getLeaderId() == null ? null : info.getLeaderId().toString(),
          info.getCurrentTerm(),
          info.getCurrentRole().name().toLowerCase(Locale.ROOT),
          division.getRaftLog().getLastCommittedIndex(),
          info.getLastAppliedIndex());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
