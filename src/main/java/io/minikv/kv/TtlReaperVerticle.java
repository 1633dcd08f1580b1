package io.minikv.kv;

import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, periodically finds keys whose TTL has passed (the TTL index is ordered by expiry)
 * and deletes them with replicated {@link Command.Expire} commands. Reads already hide expired
 * keys; this reclaims their space and makes the delete visible to every replica at one revision.
 */
public final class TtlReaperVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TtlReaperVerticle.class);
  private static final int MAX_PER_ROUND = 1000;

  private final StorageEngine engine;
  private final CommandSubmitter submitter;
  private final BooleanSupplier isLeader;
  private final long intervalMillis;
  private long timer;
  private boolean running;

  public TtlReaperVerticle(
      StorageEngine engine,
      CommandSubmitter submitter,
      BooleanSupplier isLeader,
      long intervalMillis) {
    this.engine = engine;
    this.submitter = submitter;
    this.isLeader = isLeader;
    this.intervalMillis = intervalMillis;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(intervalMillis, id -> round());
    return Future.succeededFuture();
  }

  private void round() {
    if (running || !isLeader.getAsBoolean()) {
      return;
    }
    running = true;
    vertx
        .executeBlocking(this::expiredEntries, false)
        .compose(
            expired -> {
              List<CompletableFuture<CommandResult>> all = new ArrayList<>(expired.size());
              for (Keyspace.TtlEntry e : expired) {
                all.add(submitter.submit(new Command.Expire(e.tenant(), e.key(), e.expiresAt())));
              }
              return Future.fromCompletionStage(
                  CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
            })
        .onComplete(
            ar -> {
              running = false;
              if (ar.failed()) {
                LOG.debug("TTL reaper round failed: {}", ar.cause().toString());
              }
            });
  }

  private List<Keyspace.TtlEntry> expiredEntries() {
    List<Keyspace.TtlEntry> out = new ArrayList<>();
    byte[] from = Keyspace.ttlBound(0);
    byte[] to = Keyspace.ttlBound(System.currentTimeMillis() + 1);
    try (KeyValueIterator it = engine.scan(from, to, false)) {
      while (it.hasNext() && out.size() < MAX_PER_ROUND) {
        KeyValue kv = it.next();
        out.add(Keyspace.parseTtlKey(kv.key()));
      }
    }
    return out;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
