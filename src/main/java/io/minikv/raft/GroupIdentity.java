package io.minikv.raft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.UUID;

/**
 * The node id (its Raft peer id) and the id of the group it hosts, persisted in the data directory
 * so that a restart rejoins the same group as the same peer.
 */
public record GroupIdentity(String nodeId, UUID groupId) {
  public static final String FILE = "identity.properties";

  /**
   * Reads the identity from {@code dir}, or creates and persists one. A configured node id must
   * match the persisted one; when absent a new id is generated.
   */
  public static GroupIdentity loadOrCreate(Path dir, String configuredNodeId) throws IOException {
    return loadOrCreate(dir, configuredNodeId, UUID.randomUUID());
  }

  /** As above; a new identity belongs to {@code groupIdIfNew}. */
  public static GroupIdentity loadOrCreate(Path dir, String configuredNodeId, UUID groupIdIfNew)
      throws IOException {
    Path file = dir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      }
      GroupIdentity id =
          new GroupIdentity(p.getProperty("node_id"), UUID.fromString(p.getProperty("group_id")));
      if (configuredNodeId != null
          && !configuredNodeId.isEmpty()
          && !configuredNodeId.equals(id.nodeId())) {
        throw new IllegalStateException(
            "[node] id is '"
                + configuredNodeId
                + "' but the data directory "
                + dir
                + " belongs to node '"
                + id.nodeId()
                + "'");
      }
      return id;
    }
    String nodeId =
        configuredNodeId == null || configuredNodeId.isEmpty()
            ? "n" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
            : configuredNodeId;
    GroupIdentity id = new GroupIdentity(nodeId, groupIdIfNew);
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.setProperty("node_id", id.nodeId());
    p.setProperty("group_id", id.groupId().toString());
    Path tmp = dir.resolve(FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "minikv node identity; do not edit");
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return id;
  }
}
