package io.minikv.kv;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background work the leader does through replicated commands: a round every interval, only on the
 * leader, never two rounds at once.
 */
public abstract class PeriodicLeaderVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PeriodicLeaderVerticle.class);

  private final BooleanSupplier isLeader;
  private final long intervalMillis;
  private long timer;
  private boolean running;

  protected PeriodicLeaderVerticle(BooleanSupplier isLeader, long intervalMillis) {
    this.isLeader = isLeader;
    this.intervalMillis = intervalMillis;
  }

  /** One round of work; the next starts no earlier than an interval after this one ends. */
  protected abstract Future<?> round();

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(intervalMillis, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    if (running || !isLeader.getAsBoolean()) {
      return;
    }
    running = true;
    round()
        .onComplete(
            ar -> {
              running = false;
              if (ar.failed()) {
                LOG.debug("{} round failed: {}", getClass().getSimpleName(), ar.cause().toString());
              }
            });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
