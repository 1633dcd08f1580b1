package io.minikv.kv;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Maps a (tenant, namespace, routing key) to one of the 256 virtual shards. */
public final class VShards {
  public static final int COUNT = 256;

  private VShards() {}

  /** A stable hash: the same on every node and every JVM version. */
  public static int of(String tenant, byte namespace, byte[] routingKey) {
    CRC32C crc = new CRC32C();
    crc.update(tenant.getBytes(StandardCharsets.UTF_8));
    crc.update(0);
    crc.update(namespace);
    crc.update(routingKey);
    return (int) (crc.getValue() % COUNT);
  }

  /** The vshard of a KV key. */
  public static int ofKv(String tenant, byte[] key) {
    return of(tenant, Keyspace.NS_KV, key);
  }
}
