package org.apache.ratis.server.impl;

import java.util.List;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;

/**
 * Real Ratis configurations for tests: Ratis builds them only inside this package, and the state
 * worth testing (a change in progress) lasts a round trip in a running group.
 */
public final class Configurations {
  private Configurations() {}

  /** A configuration change in progress, from (voters, listeners) to (voters, listeners). */
  public static RaftConfiguration changing(
      List<RaftPeer> oldVoters,
      List<RaftPeer> oldListeners,
      List<RaftPeer> newVoters,
      List<RaftPeer> newListeners) {
    return RaftConfigurationImpl.newBuilder()
        .setConf(newVoters, newListeners)
        .setOldConf(oldVoters, oldListeners)
        .setLogEntryIndex(1)
        .build();
  }
}
