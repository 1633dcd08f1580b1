package io.minikv.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A node in its own JVM, for tests that kill -9 it and restart it on the same data. */
public final class NodeProcess implements AutoCloseable {
  private final Path config;
  private final Path log;
  private final int httpPort;
  private final List<String> jvmOptions;
  private Process process;

  public NodeProcess(Path config, Path log, int httpPort) {
    this(config, log, httpPort, List.of("-Xmx384m"));
  }

  /** A node JVM started with these options (heap size, for instance) instead of the default. */
  public NodeProcess(Path config, Path log, int httpPort, List<String> jvmOptions) {
    this.config = config;
    this.log = log;
    this.httpPort = httpPort;
    this.jvmOptions = jvmOptions;
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /**
   * A port free now, below the ephemeral range (32768+), so that no outgoing connection can take it
   * before the node binds it.
   */
  public static int freePort() {
    return freePortsBelowEphemeral(1)[0];
  }

  /** {@code n} consecutive ports from a random base in 12000-31999, all free now. */
  public static int[] freePortsBelowEphemeral(int n) {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 12_000 + random.nextInt(20_000 - n);
      int[] out = new int[n];
      boolean free = true;
      for (int i = 0; i < n && free; i++) {
        out[i] = base + i;
        try (java.net.ServerSocket s =
            new java.net.ServerSocket(out[i], 1, java.net.InetAddress.getLoopbackAddress())) {
          free = s.getLocalPort() == out[i];
        } catch (java.io.IOException e) {
          free = false;
        }
      }
      if (free) {
        return out;
      }
    }
    throw new IllegalStateException("no free port range");
  }

  /** Starts the JVM and waits until /health/ready answers 200. */
  public void start(Duration timeout) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.minikv.Main");
    cmd.add("server");
    cmd.add("--config");
    cmd.add(config.toString());
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "node exited with " + process.exitValue() + "; log:\n" + tail());
      }
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(URI.create(base() + "/health/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("node not ready within " + timeout + "; log:\n" + tail());
  }

  public String base() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** SIGKILL: no shutdown hook, no flush, nothing. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, then waits for the JVM to exit. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("node did not stop within 30 s of SIGTERM");
    }
  }

  public String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
