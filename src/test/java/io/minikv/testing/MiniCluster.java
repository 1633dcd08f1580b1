package io.minikv.testing;

import io.minikv.Node;
import io.minikv.config.Config;
import io.minikv.raft.DataGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * N nodes in this JVM forming a cluster on loopback (Hazelcast discovery, one Raft data group per
 * node): start them together, wait until every node is ready, stop and restart one.
 */
public final class MiniCluster implements AutoCloseable {
  private final Path dir;
  private final int[] hazelcastPorts;
  private final int[] raftPorts;
  private final int[] httpPorts;
  private final int[] s3Ports;
  private final Node[] nodes;
  private final List<String> extraFlags;

  private MiniCluster(Path dir, int size, List<String> extraFlags) throws Exception {
    this.dir = dir;
    this.extraFlags = extraFlags;
    this.nodes = new Node[size];
    // Fixed ports below the ephemeral range (32768+), so that no outgoing connection or other
    // "pick a free port" can take one between choosing it and binding it, and so that a restarted
    // node comes back at the Raft address its group knows.
    int[] ports = NodeProcess.freePortsBelowEphemeral(4 * size);
    this.hazelcastPorts = java.util.Arrays.copyOfRange(ports, 0, size);
    this.raftPorts = java.util.Arrays.copyOfRange(ports, size, 2 * size);
    this.httpPorts = java.util.Arrays.copyOfRange(ports, 2 * size, 3 * size);
    this.s3Ports = java.util.Arrays.copyOfRange(ports, 3 * size, 4 * size);
  }

  /**
   * Starts {@code size} nodes and waits until each has a leader; {@code flags} (e.g. {@code
   * --raft.snapshot_interval=20}) are given to every node.
   */
  public static MiniCluster start(Path dir, int size, String... flags) throws Exception {
    return startFirst(dir, size, size, flags);
  }

  /**
   * Plans {@code size} nodes (every one listed as a Hazelcast member) but starts only the first
   * {@code first}; {@link #restart} starts another later, e.g. to join a formed cluster.
   */
  public static MiniCluster startFirst(Path dir, int size, int first, String... flags)
      throws Exception {
    MiniCluster c = new MiniCluster(dir, size, List.of(flags));
    ExecutorService pool = Executors.newFixedThreadPool(first);
    try {
      List<Future<Node>> started = new ArrayList<>();
      for (int i = 0; i < first; i++) {
        int n = i;
        started.add(pool.submit(() -> c.startNode(n)));
      }
      for (int i = 0; i < first; i++) {
        c.nodes[i] = started.get(i).get();
      }
    } finally {
      pool.shutdown();
    }
    for (int i = 0; i < first; i++) {
      c.awaitReady(i, Duration.ofSeconds(60));
    }
    return c;
  }

  private Node startNode(int i) throws Exception {
    String members =
        java.util.Arrays.stream(hazelcastPorts)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--node.data_dir=" + dir.resolve("node-" + (i + 1)),
                "--node.id=" + nodeId(i),
                "--node.host=127.0.0.1",
                "--http.port=" + httpPorts[i],
                "--raft.port=" + raftPorts[i],
                "--s3.port=" + s3Ports[i],
                "--storage.engine=rocksdb",
                "--auth.enabled=false",
                "--raft.election_timeout=1s",
                "--cluster.members=" + members,
                "--cluster.port=" + hazelcastPorts[i]));
    flags.addAll(extraFlags);
    return Node.start(Config.load(null, Map.of(), flags));
  }

  /** The id node {@code i} runs with. */
  public static String nodeId(int i) {
    return "node-" + (i + 1);
  }

  /** The index of the node that runs with {@code nodeId}. */
  public static int index(String nodeId) {
    return Integer.parseInt(nodeId.substring("node-".length())) - 1;
  }

  public void awaitReady(int i, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!nodes[i].isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(nodeId(i) + " not ready within " + timeout);
      }
      Thread.sleep(50);
    }
  }

  /**
   * Polls {@code GET /admin/cluster} on {@code http} until {@code done} holds (up to 150 s), and
   * returns that view; fails naming {@code what} and the last view seen.
   */
  public static io.vertx.core.json.JsonObject awaitView(
      Http http, java.util.function.Predicate<io.vertx.core.json.JsonObject> done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
    io.vertx.core.json.JsonObject view = null;
    while (System.nanoTime() < deadline) {
      try {
        view = Http.json(http.get("/admin/cluster"));
        if (done.test(view)) {
          return view;
        }
      } catch (RuntimeException notYet) {
        // a node may be restarting
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + " within 150 s; last view: " + view);
  }

  public int size() {
    return nodes.length;
  }

  public Node node(int i) {
    return nodes[i];
  }

  public Http http(int i) {
    return new Http("http://127.0.0.1:" + nodes[i].httpPort());
  }

  /** The index of the node that leads the first data group, or -1. */
  public int leader() {
    return leader(0);
  }

  /** The index of the node that leads data group {@code group} (in map order), or -1. */
  public int leader(int group) {
    for (int i = 0; i < nodes.length; i++) {
      DataGroup g = nodes[i] == null ? null : nodes[i].raft().dataGroups().get(group);
      if (g != null && g.hosted() && g.replica().isLeaderReady()) {
        return i;
      }
    }
    return -1;
  }

  public void stop(int i) {
    nodes[i].close();
    nodes[i] = null;
  }

  public void restart(int i) throws Exception {
    nodes[i] = startNode(i);
    awaitReady(i, Duration.ofSeconds(60));
  }

  @Override
  public void close() {
    List<Thread> closing = new ArrayList<>();
    for (Node n : nodes) {
      if (n != null) {
        Thread t = new Thread(n::close);
        t.start();
        closing.add(t);
      }
    }
    for (Thread t : closing) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
