package io.minikv.raft;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meta group's state machine: the {@link MetaState} in memory, rebuilt on restart from the
 * latest snapshot (one file with an MD5) plus the log after it. The state is small (the layout and
 * one record per node), so a snapshot writes all of it.
 */
final class MetaStateMachine extends ReplicatedStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private volatile MetaState state = MetaState.EMPTY;

  @Override
  protected void open(RaftStorage raftStorage) throws IOException {
    storage.init(raftStorage);
    load(storage.getLatestSnapshot());
  }

  @Override
  protected boolean loadLatestSnapshot() throws IOException {
    return load(storage.loadLatestSnapshot());
  }

  private boolean load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return false;
    }
    File file = snapshot.getFile().getPath().toFile();
    MD5Hash expected = snapshot.getFile().getFileDigest();
    if (expected != null && !expected.equals(MD5FileUtil.computeMd5ForFile(file))) {
      throw new IOException("meta snapshot " + file + " does not match its MD5");
    }
    state = MetaState.decode(Files.readString(file.toPath(), StandardCharsets.UTF_8));
    TermIndex ti = snapshot.getTermIndex();
    updateLastAppliedTermIndex(ti.getTerm(), ti.getIndex());
    return true;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return storage.getLatestSnapshot();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    MetaState.Applied applied;
    try {
      applied = state.apply(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (RuntimeException e) {
      // Deterministic on every voter, so refusing it leaves the replicas identical.
      LOG.warn("meta entry {}:{} refused: {}", entry.getTerm(), entry.getIndex(), e.toString());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.valueOf("error: " + e.getMessage()));
    }
    state = applied.state();
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(Message.valueOf(applied.accepted() ? "ok" : "stale"));
  }

  /** Every query reads the whole state (after the ReadIndex for a linearizable one). */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.valueOf(state.encode()));
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    SnapshotInfo latest = storage.getLatestSnapshot();
    if (latest != null && latest.getIndex() >= last.getIndex()) {
      return latest.getIndex();
    }
    // The state and the applied index are read on the apply thread, which calls this method.
    String text = state.encode();
    File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = target.toPath().resolveSibling("writing-" + target.getName());
    Files.writeString(
        tmp,
        text,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE,
        StandardOpenOption.DSYNC);
    Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
    return last.getIndex();
  }
}
