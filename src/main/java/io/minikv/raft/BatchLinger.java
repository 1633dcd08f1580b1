package io.minikv.raft;

/**
 * Decides how long a bridge's next entry waits after a commit (see {@link RatisBridge}): until
 * about as many commands are queued as there were writers in play — those queued while the entry
 * was in flight and those it just answered, less an eighth for stragglers — or until the linger is
 * over: at most {@code maxNanos}, and no longer than the entry took to commit, so that waiting
 * never costs more than the entry itself did. Under load, where Raft's cost per entry limits
 * throughput, entries twice as large are worth the wait (bench/RESULTS.md).
 *
 * <p>Writers that do not write again at once (clients that mostly read, or that pause) would make
 * every linger run out for nothing. A linger that ran out before half the writers it waited for
 * came back is therefore followed by commits that send at once — one, then two, four, up to 64
 * after each further such linger — until a linger pays again. Used under the bridge's lock.
 */
final class BatchLinger {
  private static final int MAX_SKIP = 64;

  private final long maxNanos;
  private final int maxCommands;
  // While lingering: the queue length that ends it, the queue length at the commit, the deadline.
  private int waitFor;
  private int queuedAtCommit;
  private long until;
  // Commits left that send at once, and how many the next linger that does not pay will skip.
  private int skip;
  private int backoff;

  /** A linger of at most {@code maxNanos} (0: never wait) for at most {@code maxCommands}. */
  BatchLinger(long maxNanos, int maxCommands) {
    this.maxNanos = maxNanos;
    this.maxCommands = maxCommands;
  }

  /** An entry of {@code answered} commands committed after {@code commitNanos}. */
  void committed(int queued, int answered, long commitNanos, long now) {
    waitFor = 0;
    if (maxNanos == 0) {
      return;
    }
    if (skip > 0) {
      skip--;
      return;
    }
    int writers = queued + answered;
    waitFor = Math.min(maxCommands, writers - writers / 8);
    queuedAtCommit = queued;
    until = now + Math.min(maxNanos, commitNanos);
  }

  /** How much longer the next entry should wait with {@code queued} commands; 0: send it now. */
  long waitNanos(int queued, long now) {
    if (waitFor == 0) {
      return 0;
    }
    if (queued >= waitFor) {
      backoff = 0;
      waitFor = 0;
      return 0;
    }
    if (now < until) {
      return until - now;
    }
    if (2 * (queued - queuedAtCommit) < waitFor - queuedAtCommit) {
      backoff = Math.min(MAX_SKIP, Math.max(1, 2 * backoff));
      skip = backoff;
    }
    waitFor = 0;
    return 0;
  }

  /** The next entry went: later commands go at once until the next commit. */
  void sent() {
    waitFor = 0;
  }
}
