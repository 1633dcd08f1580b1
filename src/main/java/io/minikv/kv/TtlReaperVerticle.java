package io.minikv.kv;

import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * On the leader, periodically finds keys whose TTL has passed (the TTL index is ordered by expiry)
 * and deletes them with replicated {@link Command.Expire} commands. Reads already hide expired
 * keys; this reclaims their space and makes the delete visible to every replica at one revision.
 */
public final class TtlReaperVerticle extends PeriodicLeaderVerticle {
  private static final int MAX_PER_ROUND = 1000;

  private final Supplier<StorageEngine> engine;
  private final CommandSubmitter submitter;

  /** {@code engine} gives this node's replica of the group, or null while it holds none. */
  public TtlReaperVerticle(
      Supplier<StorageEngine> engine,
      CommandSubmitter submitter,
      BooleanSupplier isLeader,
      long intervalMillis) {
    super(isLeader, intervalMillis);
    this.engine = engine;
    this.submitter = submitter;
  }

  @Override
  protected Future<?> round() {
    return vertx
        .executeBlocking(this::expiredEntries, false)
        .compose(
            expired -> {
              List<CompletableFuture<CommandResult>> all = new ArrayList<>(expired.size());
              for (Keyspace.TtlEntry e : expired) {
                all.add(submitter.submit(new Command.Expire(e.tenant(), e.key(), e.expiresAt())));
              }
              return Future.fromCompletionStage(
                  CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
            });
  }

  private List<Keyspace.TtlEntry> expiredEntries() {
    List<Keyspace.TtlEntry> out = new ArrayList<>();
    StorageEngine local = engine.get();
    if (local == null) {
      return out;
    }
    byte[] from = Keyspace.ttlBound(0);
    byte[] to = Keyspace.ttlBound(System.currentTimeMillis() + 1);
    try (KeyValueIterator it = local.scan(from, to, false)) {
      while (it.hasNext() && out.size() < MAX_PER_ROUND) {
        KeyValue kv = it.next();
        out.add(Keyspace.parseTtlKey(kv.key()));
      }
    }
    return out;
  }
}
