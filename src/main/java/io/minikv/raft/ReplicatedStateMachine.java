package io.minikv.raft;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.ProtoUtils;

/**
 * What minikv's state machines share: the life cycle Ratis expects around a snapshot install
 * (running after start, paused during the install, running again once the installed snapshot is
 * loaded), and knowing whether Ratis closed it (server stop or the group removed from this node).
 */
abstract class ReplicatedStateMachine extends BaseStateMachine {
  private volatile boolean closed;

  /** Opens the state machine's storage and loads its latest snapshot. */
  protected abstract void open(RaftStorage storage) throws IOException;

  /** Loads the latest snapshot (one Ratis just installed); true if it changed the state. */
  protected abstract boolean loadLatestSnapshot() throws IOException;

  /** Called after a snapshot sent by the leader was installed and loaded. */
  protected void installed() {}

  /**
   * Copies the leader's latest snapshot (at least at {@code firstAvailable} - 1, where the leader's
   * log starts) into this state machine's storage and returns its term and index; Ratis then pauses
   * this state machine and {@link #reinitialize}s it from that snapshot. Null when the leader has
   * no snapshot (its log still starts at the beginning): Ratis then sends the log instead.
   */
  protected abstract TermIndex fetchSnapshot(
      SnapshotTransfer.Leader leader, TermIndex firstAvailable) throws Exception;

  private static final ExecutorService FETCHES =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "minikv-snapshot-fetch");
            t.setDaemon(true);
            return t;
          });

  /**
   * Ratis runs with leader-sent snapshots off, and calls this instead when the leader's log no
   * longer holds what this replica needs: the state machine pulls the snapshot itself (see
   * SnapshotTransfer), off Ratis' threads.
   */
  @Override
  public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(
      RoleInfoProto roleInfo, TermIndex firstAvailable) {
    RaftPeer leader =
        ProtoUtils.toRaftPeers(List.of(roleInfo.getFollowerInfo().getLeaderInfo().getId())).get(0);
    return CompletableFuture.supplyAsync(
        () -> {
          try (RaftClient client =
              RaftClient.newBuilder()
                  .setProperties(getServer().join().getProperties())
                  .setRaftGroup(RaftGroup.valueOf(getGroupId(), leader))
                  .setClientId(ClientId.randomId())
                  .setRetryPolicy(RetryPolicies.noRetry())
                  .build()) {
            SnapshotTransfer.Leader query =
                request -> {
                  RaftClientReply reply =
                      client
                          .io()
                          .sendStaleRead(
                              Message.valueOf(UnsafeByteOperations.unsafeWrap(request)),
                              0,
                              leader.getId());
                  if (!reply.isSuccess()) {
                    throw reply.getException();
                  }
                  return reply.getMessage().getContent().toByteArray();
                };
            return fetchSnapshot(query, firstAvailable);
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        FETCHES);
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    // RUNNING, so that a snapshot install can pause it (Ratis checks the life cycle).
    getLifeCycle().startAndTransition(() -> open(storage), IOException.class);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    super.close();
  }

  boolean isClosed() {
    return closed;
  }

  /** Called by Ratis before it installs a snapshot sent by the leader. */
  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** Called by Ratis after it installed a snapshot sent by the leader: load it, resume. */
  @Override
  public void reinitialize() throws IOException {
    if (loadLatestSnapshot()) {
      installed();
    }
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }
}
