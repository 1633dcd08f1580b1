package io.minikv.kv;

/** How fresh a read must be. */
public enum Consistency {
  /** Sees every write acknowledged before the read started (Raft ReadIndex). */
  LINEARIZABLE,
  /** Reads the local replica as it is; may miss the latest writes on a follower. */
  SERIALIZABLE
}
