package io.minikv;

import io.minikv.config.Config;
import io.minikv.config.ConfigException;
import io.minikv.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** The command line: {@code minikv server [--config FILE] [--section.key=value ...]}. */
public final class Main {
  static {
    // With 2 cores the common pool has a parallelism of 1, and then every CompletableFuture *Async
    // step given no executor runs on a new thread: Ratis makes one per entry a follower appends
    // (measured: ~56 threads started per second per node under a 3-node PUT load). Set before
    // anything touches ForkJoinPool.
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null) {
      System.setProperty(
          key, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
  }

  private Main() {}

  private static final String USAGE =
      """
      Usage: minikv server [--config FILE] [--section.key=value ...]
             minikv config      list every configuration key with its default
             minikv --help

      Configuration comes from FILE (TOML), then MINIKV_SECTION_KEY environment variables,
      then --section.key=value flags. Run 'minikv config' to see every key.
      """;

  public static void main(String[] args) {
    List<String> rest = new ArrayList<>(List.of(args));
    if (rest.isEmpty() || rest.contains("--help") || rest.contains("-h")) {
      System.out.print(USAGE);
      System.exit(rest.isEmpty() ? 2 : 0);
    }
    String command = rest.remove(0);
    switch (command) {
      case "server" -> server(rest);
      case "config" -> printKeys();
      default -> {
        System.err.println("unknown command '" + command + "'\n" + USAGE);
        System.exit(2);
      }
    }
  }

  private static void printKeys() {
    for (ConfigKey<?> k : Config.keys()) {
      System.out.printf(
          "[%s] %s = %s%n    env %s; %s%n",
          k.section(),
          k.name(),
          k.secret() ? "(empty)" : k.defaultValue(),
          k.envName(),
          k.description());
    }
  }

  private static void server(List<String> args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Logger log = LoggerFactory.getLogger(Main.class);
    Path file = null;
    List<String> flags = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--config") && i + 1 < args.size()) {
        file = Path.of(args.get(++i));
      } else if (a.startsWith("--config=")) {
        file = Path.of(a.substring("--config=".length()));
      } else {
        flags.add(a);
      }
    }
    Config config;
    try {
      if (file != null && !Files.isRegularFile(file)) {
        throw new ConfigException("configuration file " + file + " does not exist");
      }
      config = Config.load(file, System.getenv(), flags);
    } catch (ConfigException e) {
      System.err.println("minikv: " + e.getMessage());
      System.exit(2);
      return;
    }
    log.info("effective configuration:\n{}", config.describe());
    Node node;
    try {
      node = Node.start(config);
    } catch (Exception | Error e) {
      log.error("minikv failed to start: {}", e.getMessage(), e);
      // Non-daemon threads (Ratis, Vert.x) would keep a half-started JVM alive.
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "minikv-shutdown"));
    if (!config.get(Config.AUTH_ENABLED)) {
      log.warn(
          "authentication is DISABLED ([auth] enabled = false): every request acts as root."
              + " Use this only for a local demo.");
    } else if (node.rootCredentials().generated()) {
      System.out.printf(
          "%n  Root credentials (shown once; stored in %s):%n"
              + "    access key: %s%n    secret key: %s%n%n",
          config.dataDir().resolve("root-credentials").toAbsolutePath(),
          node.rootCredentials().accessKey(),
          node.rootCredentials().secretKey());
    }
    log.info(
        "minikv node {} serving REST on http://{}:{}",
        node.raft().identity().nodeId(),
        config.get(Config.NODE_HOST),
        node.httpPort());
  }
}
