package io.minikv.raft;

import java.io.IOException;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;

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
