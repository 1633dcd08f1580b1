package io.minikv.raft;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.minikv.kv.CodecException;
import io.minikv.kv.CommandCodec;
import io.minikv.kv.CommandResult;
import io.minikv.kv.KvApplier;
import io.minikv.kv.ReadQuery;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine of a KV group. Entries are applied synchronously on Ratis' apply thread,
 * one engine batch each, so the applied index Ratis tracks always equals what the engine holds and
 * snapshots (taken on the same thread) are consistent. Entries the engine already holds — replayed
 * after a restart from the last snapshot — are skipped.
 */
final class KvStateMachine extends ReplicatedStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final StorageEngine engine;
  private final KvApplier applier;
  private final SnapshotStore snapshots = new SnapshotStore();
  private final Timer applyTimer;
  private final Timer snapshotTimer;
  private final Counter snapshotsInstalled;
  private final Counter snapshotBytesCopied;
  private final LongSupplier copyBytesPerSecond;

  KvStateMachine(
      StorageEngine engine,
      KvApplier applier,
      MeterRegistry registry,
      LongSupplier copyBytesPerSecond) {
    this.engine = engine;
    this.applier = applier;
    this.copyBytesPerSecond = copyBytesPerSecond;
    this.snapshotBytesCopied =
        Counter.builder("minikv_raft_snapshot_bytes_copied_total")
            .description("Bytes of leaders' snapshots this node copied to install them")
            .register(registry);
    this.applyTimer =
        Timer.builder("minikv_raft_apply_seconds")
            .description("Time to apply one Raft entry (a batch of commands) to the engine")
            .publishPercentileHistogram()
            .register(registry);
    this.snapshotTimer =
        Timer.builder("minikv_raft_snapshot_seconds")
            .description("Time to take a snapshot")
            .register(registry);
    this.snapshotsInstalled =
        Counter.builder("minikv_raft_snapshots_installed_total")
            .description("Snapshots received from a leader and restored into the engine")
            .register(registry);
  }

  @Override
  protected void open(RaftStorage storage) throws IOException {
    snapshots.init(storage);
    loadLatestSnapshot();
  }

  @Override
  protected void installed() {
    snapshotsInstalled.increment();
  }

  @Override
  protected TermIndex fetchSnapshot(SnapshotTransfer.Leader leader, TermIndex firstAvailable)
      throws Exception {
    SnapshotTransfer.Listing listing = SnapshotTransfer.list(leader);
    if (listing == null) {
      // The leader has no snapshot yet (a new replica of a young group): Ratis sends the log.
      return null;
    }
    TermIndex ti = listing.termIndex();
    if (ti.getIndex() < firstAvailable.getIndex() - 1) {
      throw new IOException(
          "the leader's latest snapshot "
              + ti
              + " is older than its log's start "
              + firstAvailable);
    }
    Path target = snapshots.pathOf(ti);
    if (!Files.isDirectory(target)) {
      long start = System.nanoTime();
      long bytes;
      try {
        bytes = SnapshotTransfer.fetch(leader, listing, target, copyBytesPerSecond.getAsLong());
      } finally {
        snapshots.changed();
      }
      snapshotBytesCopied.increment(bytes);
      LOG.info(
          "copied snapshot {} from the leader: {} bytes in {} ms",
          ti,
          bytes,
          (System.nanoTime() - start) / 1_000_000);
    }
    return ti;
  }

  /**
   * Restores the latest snapshot when it is ahead of the engine (always so for the memory engine
   * after a restart), and tells Ratis that everything up to it is applied. True if it restored.
   */
  @Override
  protected boolean loadLatestSnapshot() throws IOException {
    snapshots.changed(); // Ratis may have installed one without telling the store
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (latest == null) {
      return false;
    }
    TermIndex ti = latest.getTermIndex();
    boolean restored = false;
    if (ti.getIndex() > applier.appliedIndex()) {
      Path engineDir = snapshots.verifiedEngineDir(ti);
      LOG.info("restoring snapshot {} into the {} engine", ti, engine.name());
      engine.restore(engineDir);
      applier.reload();
      restored = true;
    }
    updateLastAppliedTermIndex(ti.getTerm(), ti.getIndex());
    return restored;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    long term = entry.getTerm();
    if (index <= applier.appliedIndex()) {
      updateLastAppliedTermIndex(term, index);
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    long start = System.nanoTime();
    List<CommandResult> results;
    try {
      byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
      results = applier.apply(term, index, data);
    } catch (StorageException | CodecException e) {
      // Skipping an entry would make this replica diverge; stop and replay it after a restart.
      LOG.error(
          "cannot apply entry {}:{}; halting so the entry is replayed on restart", term, index, e);
      Runtime.getRuntime().halt(70);
      throw e;
    }
    updateLastAppliedTermIndex(term, index);
    applyTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    ByteString reply = UnsafeByteOperations.unsafeWrap(CommandCodec.encodeResults(results));
    return CompletableFuture.completedFuture(Message.valueOf(reply));
  }

  /**
   * Ratis calls this once the ReadIndex is applied (or at once for a non-linearizable query). An
   * empty request is a local read barrier with nothing left to do; a {@link SnapshotTransfer}
   * request comes from a replica copying this node's snapshot; otherwise it is a {@link ReadQuery}
   * from a node that holds no replica of this group, answered from this engine.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] q = request.getContent().toByteArray();
    if (q.length == 0) {
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    if (SnapshotTransfer.isTransfer(q)) {
      try {
        SnapshotInfo latest = snapshots.getLatestSnapshot();
        byte[] answer =
            SnapshotTransfer.answer(
                latest == null ? null : latest.getTermIndex(), snapshots::pathOf, q);
        return CompletableFuture.completedFuture(
            Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    try {
      byte[] answer = ReadQuery.answer(engine, q, System.currentTimeMillis());
      return CompletableFuture.completedFuture(
          Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (latest != null && latest.getIndex() >= last.getIndex()) {
      return latest.getIndex();
    }
    long start = System.nanoTime();
    Path dir = snapshots.create(engine, last);
    snapshotTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    LOG.info("snapshot {} written to {}", last, dir);
    return last.getIndex();
  }
}
