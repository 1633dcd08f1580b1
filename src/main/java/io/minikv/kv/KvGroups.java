package io.minikv.kv;

import io.minikv.storage.StorageEngine;
import java.util.List;
import java.util.function.Supplier;

/**
 * The data groups the 256 vshards are spread over, in map order: group {@code i} of {@code n} holds
 * the contiguous vshards {@code [i*256/n, (i+1)*256/n)}. For each group, this node's replica engine
 * (read locally after a ReadIndex barrier) or, when it holds none, a reader that asks the group's
 * leader; and the submitter that routes commands to the leader.
 */
public final class KvGroups {
  /**
   * One data group as the KV layer uses it: {@code replica} gives this node's replica engine, or
   * null while the node holds none (replicas move), and then {@code remote} reads on the group's
   * leader.
   */
  public record Group(
      String id, Supplier<StorageEngine> replica, CommandSubmitter submitter, RemoteReader remote) {
    /** This node's replica engine now, or null. */
    public StorageEngine engine() {
      return replica.get();
    }
  }

  private final List<Group> groups;

  public KvGroups(List<Group> groups) {
    if (groups.isEmpty() || groups.size() > VShards.COUNT) {
      throw new IllegalArgumentException(
          "between 1 and " + VShards.COUNT + " groups, got " + groups.size());
    }
    this.groups = List.copyOf(groups);
  }

  public int size() {
    return groups.size();
  }

  public List<Group> all() {
    return groups;
  }

  public Group get(int index) {
    return groups.get(index);
  }

  /** The index of the group holding {@code vshard} when there are {@code groups} groups. */
  public static int indexOf(int vshard, int groups) {
    return vshard * groups / VShards.COUNT;
  }

  /** The first vshard of group {@code index} of {@code groups}. */
  public static int firstVShard(int index, int groups) {
    return (index * VShards.COUNT + groups - 1) / groups;
  }

  /** The index of the group owning KV key {@code key} of {@code tenant}. */
  public int indexOfKey(String tenant, byte[] key) {
    return indexOf(VShards.ofKv(tenant, key), groups.size());
  }

  public Group ofKey(String tenant, byte[] key) {
    return groups.get(indexOfKey(tenant, key));
  }
}
