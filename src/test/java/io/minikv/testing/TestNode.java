package io.minikv.testing;

import io.minikv.Node;
import io.minikv.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real node in this JVM on free loopback ports, for integration tests. */
public final class TestNode implements AutoCloseable {
  private final Node node;
  private final Http http;

  private TestNode(Node node, Http http) {
    this.node = node;
    this.http = http;
  }

  /** Starts a node with auth disabled; {@code flags} are extra --section.key=value settings. */
  public static TestNode start(Path dataDir, String engine, String... flags) throws Exception {
    List<String> all = new ArrayList<>();
    all.add("--node.data_dir=" + dataDir);
    all.add("--node.host=127.0.0.1");
    all.add("--http.port=0");
    all.add("--raft.port=0");
    all.add("--s3.port=0");
    all.add("--storage.engine=" + engine);
    all.add("--auth.enabled=false");
    all.add("--ttl.reaper_interval=200ms");
    all.addAll(List.of(flags));
    Config config = Config.load(null, Map.of(), all);
    Node node = Node.start(config);
    TestNode t = new TestNode(node, new Http("http://127.0.0.1:" + node.httpPort()));
    t.awaitReady(Duration.ofSeconds(30));
    return t;
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!node.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node not ready within " + timeout);
      }
      Thread.sleep(20);
    }
  }

  public Http http() {
    return http;
  }

  public Node node() {
    return node;
  }

  @Override
  public void close() {
    node.close();
  }
}
