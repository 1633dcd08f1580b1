package io.minikv.kv;

import java.util.concurrent.CompletableFuture;

/** Where {@link KvService} sends commands: the Raft group that owns the keys. */
public interface CommandSubmitter {

  /** Replicates and applies {@code command}; completes with its result once applied. */
  CompletableFuture<CommandResult> submit(Command command);

  /**
   * Completes once the local engine reflects every write committed before the call (a ReadIndex
   * barrier), so that a read that follows is linearizable.
   */
  CompletableFuture<Void> readBarrier();
}
