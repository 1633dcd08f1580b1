package io.minikv.testing;

import io.minikv.Node;
import io.minikv.config.Config;
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
 * N nodes in this JVM forming a cluster on loopback (Hazelcast discovery, one Raft data group):
 * start them together, wait until every node is ready, stop and restart one.
 */
public final class MiniCluster implements AutoCloseable {
  private final Path dir;
  private final int[] hazelcastPorts;
  private final int[] raftPorts;
  private final Node[] nodes;

  private MiniCluster(Path dir, int size) throws Exception {
    this.dir = dir;
    this.hazelcastPorts = new int[size];
    this.raftPorts = new int[size];
    this.nodes = new Node[size];
    for (int i = 0; i < size; i++) {
      hazelcastPorts[i] = NodeProcess.freePort();
      // A restarted node must come back at the Raft address its group knows.
      raftPorts[i] = NodeProcess.freePort();
    }
  }

  /** Starts {@code size} nodes and waits until each has a leader. */
  public static MiniCluster start(Path dir, int size) throws Exception {
    MiniCluster c = new MiniCluster(dir, size);
    ExecutorService pool = Executors.newFixedThreadPool(size);
    try {
      List<Future<Node>> started = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int n = i;
        started.add(pool.submit(() -> c.startNode(n)));
      }
      for (int i = 0; i < size; i++) {
        c.nodes[i] = started.get(i).get();
      }
    } finally {
      pool.shutdown();
    }
    for (int i = 0; i < size; i++) {
      c.awaitReady(i, Duration.ofSeconds(60));
    }
    return c;
  }

  private Node startNode(int i) throws Exception {
    String members =
        java.util.Arrays.stream(hazelcastPorts)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    return Node.start(
        Config.load(
            null,
            Map.of(),
            List.of(
                "--node.data_dir=" + dir.resolve("node-" + (i + 1)),
                "--node.id=node-" + (i + 1),
                "--node.host=127.0.0.1",
                "--http.port=0",
                "--raft.port=" + raftPorts[i],
                "--s3.port=0",
                "--storage.engine=rocksdb",
                "--auth.enabled=false",
                "--raft.election_timeout=1s",
                "--cluster.members=" + members,
                "--cluster.port=" + hazelcastPorts[i])));
  }

  public void awaitReady(int i, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!nodes[i].isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node-" + (i + 1) + " not ready within " + timeout);
      }
      Thread.sleep(50);
    }
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

  /** The index of the node that leads the data group, or -1. */
  public int leader() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null && nodes[i].raft().isLeaderReady()) {
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
