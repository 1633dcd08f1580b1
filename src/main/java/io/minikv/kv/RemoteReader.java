package io.minikv.kv;

import java.util.concurrent.CompletableFuture;

/** Reads a data group this node holds no replica of, on the group's leader. */
public interface RemoteReader {
  /**
   * Sends an encoded {@link ReadQuery}; a linearizable one is answered after a ReadIndex barrier, a
   * serializable one from the leader's engine as it stands.
   */
  CompletableFuture<byte[]> query(byte[] query, boolean linearizable);
}
