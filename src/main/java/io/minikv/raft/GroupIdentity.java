package io.minikv.raft;

import java.io.IOException;
import java.nio.file.Path;
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
    Properties p = PropertiesFile.load(dir.resolve(FILE));
    if (p != null) {
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
    Properties out = new Properties();
    out.setProperty("node_id", id.nodeId());
    out.setProperty("group_id", id.groupId().toString());
    PropertiesFile.store(dir, FILE, out, "minikv node identity; do not edit");
    return id;
  }
}
