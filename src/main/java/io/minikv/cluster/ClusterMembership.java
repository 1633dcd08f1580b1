package io.minikv.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery through the Vert.x Hazelcast cluster manager: TCP-IP members from {@code [cluster]
 * members}, no multicast, no auto-detection, bound to the node's host. Every node publishes its
 * {@link NodeInfo} in one cluster-wide map, which a starting node uses to find the others (and the
 * meta group); Hazelcast carries only this and the event bus. The node registry, the layout and
 * decommission marks are in the meta group, and which nodes replicate a group is decided by its
 * Raft configuration.
 */
public final class ClusterMembership {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
  static final String NODES_MAP = "minikv.nodes";

  private ClusterMembership() {}

  /** Hazelcast settings for {@code host}:{@code port} joining {@code members}. */
  public static HazelcastClusterManager clusterManager(
      String clusterName, String host, int port, List<String> members) {
    System.setProperty("hazelcast.logging.type", "slf4j");
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Hazelcast only discovers nodes and carries the event bus here: its own metrics collection
    // and the health monitor (which logs a line every 20 s while the CPU is busy) are not used.
    hz.getMetricsConfig().setEnabled(false);
    hz.setProperty("hazelcast.health.monitoring.level", "OFF");
    // The members are listed explicitly, so the default 5 s (up to 20 s) of waiting for more
    // join requests before forming the cluster only delays every start and restart.
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.max.wait.seconds.before.join", "3");
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(port).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(new ArrayList<>(members));
    return new HazelcastClusterManager(hz);
  }

  /** A clustered Vert.x from {@code builder} (already carrying options and metrics). */
  public static Vertx start(VertxBuilder builder, HazelcastClusterManager manager)
      throws Exception {
    return builder.withClusterManager(manager).buildClustered().await(2, TimeUnit.MINUTES);
  }

  /**
   * Publishes this node and waits until at least {@code expect} nodes are published; returns them
   * ordered by node id. Blocking.
   */
  public static List<NodeInfo> publishAndAwait(
      Vertx vertx, NodeInfo self, int expect, Duration timeout) throws Exception {
    vertx
        .sharedData()
        .<String, String>getAsyncMap(NODES_MAP)
        .compose(map -> map.put(self.nodeId(), self.toJson()))
        .await(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<NodeInfo> nodes = nodesAsync(vertx).await(30, TimeUnit.SECONDS);
      if (nodes.size() >= expect) {
        LOG.info(
            "cluster has {} nodes: {}",
            nodes.size(),
            nodes.stream().map(NodeInfo::nodeId).toList());
        return nodes;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + nodes.size() + " of " + expect + " cluster members joined within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  /** Every published node, ordered by id. */
  public static io.vertx.core.Future<List<NodeInfo>> nodesAsync(Vertx vertx) {
    return vertx
        .sharedData()
        .<String, String>getAsyncMap(NODES_MAP)
        .compose(AsyncMap::entries)
        .map(
            all -> {
              List<NodeInfo> out = new ArrayList<>();
              for (String json : all.values()) {
                out.add(NodeInfo.fromJson(json));
              }
              out.sort(Comparator.comparing(NodeInfo::nodeId));
              return out;
            });
  }
}
