package io.minikv.raft;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The groups of a cluster: the meta group (null on a single node) and the data groups in vshard
 * order, with each group's voters as last known, the nodes being decommissioned and a version that
 * grows with every change. The meta group holds the authoritative copy (see MetaState); every node
 * caches it. At bootstrap group i's voters are the replication-factor nodes that follow node i
 * (nodes ordered by id), and node i has the highest priority in it, so that with as many groups as
 * nodes each node leads one group (Ratis hands leadership back to the highest-priority voter once
 * it has caught up); the shard manager changes voters later (see ShardManager). Persisted on every
 * node so that a restart recreates a group it lost before its log was written and finds the meta
 * group. Each group's Raft configuration stays the authority on its voters; this records them as
 * last read.
 */
public record GroupLayout(
    long version, RaftGroup meta, List<RaftGroup> groups, Set<String> decommissioned) {
  public GroupLayout {
    groups = List.copyOf(groups);
    decommissioned = Collections.unmodifiableSet(new TreeSet<>(decommissioned));
  }

  /** A layout without a meta group: a single node's. */
  public GroupLayout(List<RaftGroup> groups) {
    this(1, null, groups, Set.of());
  }

  /** This layout with group {@code index} replaced, one version later. */
  public GroupLayout withGroup(int index, RaftGroup group) {
    List<RaftGroup> next = new ArrayList<>(groups);
    next.set(index, group);
    return new GroupLayout(version + 1, meta, next, decommissioned);
  }

  /** This layout with {@code group} (the meta group or a data group, by id) replaced. */
  public GroupLayout withGroup(RaftGroup group) {
    if (meta != null && meta.getGroupId().equals(group.getGroupId())) {
      return new GroupLayout(version + 1, group, groups, decommissioned);
    }
    int index = indexOf(group.getGroupId());
    if (index < 0) {
      throw new IllegalArgumentException("no group " + group.getGroupId() + " in the layout");
    }
    return withGroup(index, group);
  }

  /** This layout with {@code nodeId} marked for decommissioning, one version later. */
  public GroupLayout withDecommissioned(String nodeId) {
    Set<String> next = new TreeSet<>(decommissioned);
    next.add(nodeId);
    return new GroupLayout(version + 1, meta, groups, next);
  }

  /** The group {@code id} as recorded (the meta group or a data group), or null. */
  public RaftGroup group(RaftGroupId id) {
    if (meta != null && meta.getGroupId().equals(id)) {
      return meta;
    }
    int index = indexOf(id);
    return index < 0 ? null : groups.get(index);
  }

  /** The index of group {@code id} in vshard order, or -1. */
  public int indexOf(RaftGroupId id) {
    for (int i = 0; i < groups.size(); i++) {
      if (groups.get(i).getGroupId().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  /** How many groups list {@code nodeId} as a voter. */
  public int replicasOf(String nodeId) {
    RaftPeerId id = RaftPeerId.valueOf(nodeId);
    return (int) groups.stream().filter(g -> g.getPeer(id) != null).count();
  }

  /** True when {@code nodeId} is a voter of the meta group. */
  public boolean holdsMeta(String nodeId) {
    return meta != null && meta.getPeer(RaftPeerId.valueOf(nodeId)) != null;
  }

  public static final String FILE = "layout.properties";

  /** The id of data group {@code index} of cluster {@code cluster}: the same on every node. */
  public static UUID groupId(String cluster, int index) {
    return UUID.nameUUIDFromBytes(
        ("minikv/" + cluster + "/data/" + index).getBytes(StandardCharsets.UTF_8));
  }

  /** The id of the meta group of cluster {@code cluster}. */
  public static UUID metaGroupId(String cluster) {
    return UUID.nameUUIDFromBytes(("minikv/" + cluster + "/meta").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * How many voters the meta group should have with {@code nodes} eligible nodes: an odd number up
   * to 5 (a fourth voter would add work without surviving more failures).
   */
  public static int metaVoters(int nodes) {
    return nodes >= 5 ? 5 : nodes >= 3 ? 3 : Math.max(nodes, 1);
  }

  /**
   * {@code groupCount} data groups over {@code nodes} (node id to Raft address, in id order), each
   * with {@code min(replicationFactor, nodes)} voters, and the meta group on the first {@link
   * #metaVoters} nodes.
   */
  public static GroupLayout plan(
      String cluster, Map<String, String> nodes, int groupCount, int replicationFactor) {
    List<Map.Entry<String, String>> ordered = new ArrayList<>(nodes.entrySet());
    int rf = Math.min(replicationFactor, ordered.size());
    List<RaftGroup> groups = new ArrayList<>();
    for (int g = 0; g < groupCount; g++) {
      List<RaftPeer> peers = new ArrayList<>();
      for (int j = 0; j < rf; j++) {
        Map.Entry<String, String> n = ordered.get((g + j) % ordered.size());
        peers.add(peer(n.getKey(), n.getValue(), j == 0 ? 1 : 0));
      }
      groups.add(RaftGroup.valueOf(RaftGroupId.valueOf(groupId(cluster, g)), peers));
    }
    List<RaftPeer> metaPeers = new ArrayList<>();
    for (Map.Entry<String, String> n : ordered.subList(0, metaVoters(ordered.size()))) {
      metaPeers.add(peer(n.getKey(), n.getValue(), 0));
    }
    RaftGroup meta = RaftGroup.valueOf(RaftGroupId.valueOf(metaGroupId(cluster)), metaPeers);
    return new GroupLayout(1, meta, groups, Set.of());
  }

  public static RaftPeer peer(String id, String address, int priority) {
    return RaftPeer.newBuilder()
        .setId(RaftPeerId.valueOf(id))
        .setAddress(address)
        .setPriority(priority)
        .build();
  }

  /** The layout persisted in {@code dir}, or null when there is none. */
  public static GroupLayout load(Path dir) throws IOException {
    Properties p = PropertiesFile.load(dir.resolve(FILE));
    return p == null ? null : fromProperties(p);
  }

  /** Writes the layout to {@code dir} atomically and durably. */
  public void store(Path dir) throws IOException {
    PropertiesFile.store(
        dir,
        FILE,
        toProperties(),
        "minikv data groups and their voters as last known; do not edit");
  }

  /** The layout as text, as the meta group holds it. */
  public String encode() {
    StringWriter out = new StringWriter();
    try {
      toProperties().store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static GroupLayout decode(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return fromProperties(p);
  }

  private static GroupLayout fromProperties(Properties p) {
    int count = Integer.parseInt(p.getProperty("groups"));
    List<RaftGroup> groups = new ArrayList<>();
    for (int g = 0; g < count; g++) {
      groups.add(group(p, "group." + g));
    }
    String off = p.getProperty("decommissioned", "");
    return new GroupLayout(
        Long.parseLong(p.getProperty("version", "1")),
        p.getProperty("meta.id") == null ? null : group(p, "meta"),
        groups,
        off.isEmpty() ? Set.of() : Set.of(off.split(",")));
  }

  private static RaftGroup group(Properties p, String prefix) {
    List<RaftPeer> peers = new ArrayList<>();
    for (String spec : p.getProperty(prefix + ".peers").split(",")) {
      String[] f = spec.split("\\|");
      peers.add(peer(f[0], f[1], Integer.parseInt(f[2])));
    }
    UUID id = UUID.fromString(p.getProperty(prefix + ".id"));
    return RaftGroup.valueOf(RaftGroupId.valueOf(id), peers);
  }

  private static void put(Properties p, String prefix, RaftGroup group) {
    p.setProperty(prefix + ".id", group.getGroupId().getUuid().toString());
    List<String> specs = new ArrayList<>();
    for (RaftPeer peer : group.getPeers()) {
      specs.add(peer.getId() + "|" + peer.getAddress() + "|" + peer.getPriority());
    }
    p.setProperty(prefix + ".peers", String.join(",", specs));
  }

  private Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("version", Long.toString(version));
    p.setProperty("decommissioned", String.join(",", decommissioned));
    p.setProperty("groups", Integer.toString(groups.size()));
    if (meta != null) {
      put(p, "meta", meta);
    }
    for (int g = 0; g < groups.size(); g++) {
      put(p, "group." + g, groups.get(g));
    }
    return p;
  }
}
