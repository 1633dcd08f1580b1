package io.minikv.raft;

import java.util.List;

/**
 * One Raft group as this node sees it: its voters, the leader it knows, the term, and how far this
 * node has committed and applied the log ({@code lag} = committed − applied).
 */
public record GroupStatus(
    String groupId,
    List<Member> members,
    String leaderId,
    long term,
    String role,
    long commitIndex,
    long appliedIndex) {

  /** A voter of the group and its Raft address. */
  public record Member(String id, String address) {}

  public long lag() {
    return Math.max(0, commitIndex - appliedIndex);
  }
}
