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

  /** The state and the entry it was applied up to, replaced together. */
  private record Held(MetaState state, TermIndex applied) {}

  private volatile Held held = new Held(MetaState.EMPTY, null);

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
    TermIndex ti = snapshot.getTermIndex();
    held = new Held(MetaState.decode(Files.readString(file.toPath(), StandardCharsets.UTF_8)), ti);
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
    TermIndex ti = TermIndex.valueOf(entry.getTerm(), entry.getIndex());
    MetaState.Applied applied;
    try {
      applied = held.state().apply(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (RuntimeException e) {
      // Deterministic on every voter, so refusing it leaves the replicas identical.
      LOG.warn("meta entry {} refused: {}", ti, e.toString());
      held = new Held(held.state(), ti);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.valueOf("error: " + e.getMessage()));
    }
    held = new Held(applied.state(), ti);
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(Message.valueOf(applied.accepted() ? "ok" : "stale"));
  }

  /**
   * Every query reads the whole state (after the ReadIndex for a linearizable one); a {@link
   * SnapshotTransfer} query from a replica that needs a snapshot gets it with its term and index.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    Held now = held;
    if (!SnapshotTransfer.isTransfer(request.getContent().toByteArray())) {
      return CompletableFuture.completedFuture(Message.valueOf(now.state().encode()));
    }
    if (now.applied() == null) {
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    TermIndex ti = now.applied();
    return CompletableFuture.completedFuture(
        Message.valueOf(ti.getTerm() + " " + ti.getIndex() + "\n" + now.state().encode()));
  }

  /** Takes the leader's state with the entry it was applied up to as this replica's snapshot. */
  @Override
  protected TermIndex fetchSnapshot(SnapshotTransfer.Leader leader, TermIndex firstAvailable)
      throws IOException {
    String answer =
        new String(leader.query(new byte[] {SnapshotTransfer.TAG}), StandardCharsets.UTF_8);
    if (answer.isEmpty()) {
      return null; // nothing applied on the leader yet: Ratis sends the log
    }
    int nl = answer.indexOf('\n');
    String[] ti = answer.substring(0, nl).split(" ");
    TermIndex at = TermIndex.valueOf(Long.parseLong(ti[0]), Long.parseLong(ti[1]));
    writeSnapshot(MetaState.decode(answer.substring(nl + 1)), at);
    return at;
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
    // Read on the apply thread, which calls this method: the state is the one at that index.
    writeSnapshot(held.state(), last);
    return last.getIndex();
  }

  private void writeSnapshot(MetaState state, TermIndex last) throws IOException {
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
  }
}
