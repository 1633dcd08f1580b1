package io.minikv.testing;

import io.minikv.Node;
import io.minikv.config.Config;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** A node with a known root credential and an AWS SDK v2 client for it (path-style). */
public final class S3TestNode implements AutoCloseable {
  private final Node node;
  private final S3Client client;

  private S3TestNode(Node node, S3Client client) {
    this.node = node;
    this.client = client;
  }

  public static S3TestNode start(Path dir, String engine, String accessKey, String secretKey)
      throws Exception {
    return start(dir, engine, accessKey, secretKey, List.of());
  }

  /** As above, with more {@code --section.key=value} settings. */
  public static S3TestNode start(
      Path dir, String engine, String accessKey, String secretKey, List<String> settings)
      throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--node.data_dir=" + dir,
                "--http.port=0",
                "--raft.port=0",
                "--s3.port=0",
                "--storage.engine=" + engine,
                "--auth.root_access_key=" + accessKey,
                "--auth.root_secret_key=" + secretKey));
    args.addAll(settings);
    Node node = Node.start(Config.load(null, Map.of(), args));
    while (!node.isReady()) {
      Thread.sleep(20);
    }
    return new S3TestNode(node, client(node, accessKey, secretKey));
  }

  /** A client for {@code node} signing with the given credential. */
  public static S3Client client(Node node, String accessKey, String secretKey) {
    return S3Client.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + node.s3Port()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .httpClient(Apache5HttpClient.create())
        .build();
  }

  public Node node() {
    return node;
  }

  public S3Client s3() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    node.close();
  }
}
