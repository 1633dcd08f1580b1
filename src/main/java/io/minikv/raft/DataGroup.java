package io.minikv.raft;

import java.util.List;

/**
 * One data group in vshard-map order as this node sees it: its replica when the node is a member
 * (null otherwise), the bridge that submits to and reads from it, and its planned voters.
 */
public record DataGroup(String id, GroupReplica replica, RatisBridge bridge, List<String> voters) {
  public boolean hosted() {
    return replica != null;
  }
}
