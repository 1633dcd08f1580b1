package io.minikv.raft;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.minikv.kv.Command;
import io.minikv.kv.CommandCodec;
import io.minikv.kv.CommandResult;
import io.minikv.kv.CommandSubmitter;
import io.minikv.kv.RemoteReader;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * Turns commands into Raft entries for one group whose leader is local. Concurrent commands are
 * coalesced: while {@code maxInflight} entries are being replicated, new commands queue, and the
 * next entry takes as many as fit in {@code maxBatchCommands} and {@code maxBatchBytes}. An idle
 * bridge sends a lone command at once. Ratis' cost is per entry, so this is what turns ~2k
 * entries/s into tens of thousands of commands/s.
 *
 * <p>Writers that wait for their answer before sending again (most clients) would otherwise split
 * into two cohorts that alternate — one in flight while the other queues — so each entry carried
 * half of them. So when an entry commits, the next one may wait a little for the writers just
 * answered to send again ({@link BatchLinger}). A lone writer is never kept waiting: its next
 * command is all there is.
 *
 * <p>Every call into Ratis and every completion runs on the bridge's own thread: Ratis may block
 * inside {@code submitClientRequestAsync}, and re-entering it from one of its own threads (which
 * complete the futures) deadlocks.
 *
 * <p>Linearizable reads are coalesced the same way: every read waiting when a ReadIndex barrier is
 * sent shares it, and a read that arrives while one is in flight waits for the next. When this node
 * is the ready leader of a group whose only voter it is, no barrier is needed: a write is
 * acknowledged only after it is applied here, no other leader can exist, and "ready" means every
 * entry of earlier terms (a restart's replay) is applied too.
 */
public final class RatisBridge implements CommandSubmitter, RemoteReader, AutoCloseable {
  /**
   * A follower's ReadIndex barrier completes once the follower learns that the leader's commit
   * index reached the read index. Ratis' log appender sometimes misses the wake-up that should send
   * the new commit index (it is signalled while not yet waiting), and then waits for the next
   * heartbeat: every read of the group stalled ~500 ms (half the election timeout) about once per
   * 20 s of a 90/10 GET/PUT load, with the followers one commit behind the leader throughout
   * (bench/RESULTS.md). A barrier still pending after this long appends an empty entry, whose
   * appendEntries carries the commit index.
   */
  private static final long NUDGE_AFTER_MILLIS = 50;

  private final RaftServer server;
  private final Supplier<RaftGroup> planned;
  private final RaftGroupId groupId;
  private final RaftPeerId peerId;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final int maxBatchCommands;
  private final long maxBatchBytes;
  private final int maxInflight;
  private final BatchLinger linger;
  private final long leaderWaitNanos;

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inflight;
  private boolean lingerTimerSet;

  private List<CompletableFuture<Void>> waitingReads = new ArrayList<>();
  private boolean barrierInFlight;

  private final ScheduledExecutorService executor;
  private RaftClient client;
  private Set<RaftPeerId> clientPeers = Set.of();
  private final Timer commitTimer;
  private final DistributionSummary batchSize;
  private final Counter nudges;
  private final MeterRegistry registry;

  private record Pending(byte[] encoded, CompletableFuture<CommandResult> future) {}

  RatisBridge(
      RaftServer server,
      RaftGroupId groupId,
      Supplier<RaftGroup> planned,
      int maxBatchCommands,
      long maxBatchBytes,
      int maxInflight,
      long maxLingerNanos,
      long leaderWaitNanos,
      MeterRegistry registry) {
    this.server = server;
    this.planned = planned;
    this.groupId = groupId;
    this.peerId = server.getId();
    this.maxBatchCommands = maxBatchCommands;
    this.maxBatchBytes = maxBatchBytes;
    this.maxInflight = maxInflight;
    this.linger = new BatchLinger(maxLingerNanos, maxBatchCommands);
    this.leaderWaitNanos = leaderWaitNanos;
    this.registry = registry;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "minikv-raft-bridge-" + groupId.getUuid());
              t.setDaemon(true);
              return t;
            });
    this.commitTimer =
        Timer.builder("minikv_raft_commit_seconds")
            .description("Time from submitting an entry to Raft until it is committed and applied")
            .publishPercentileHistogram()
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("minikv_raft_batch_commands")
            .description("Commands coalesced into one Raft entry")
            .register(registry);
    this.nudges =
        Counter.builder("minikv_raft_read_nudges")
            .description(
                "Empty entries appended because a follower's read barrier waited for the commit"
                    + " index")
            .register(registry);
  }

  @Override
  public CompletableFuture<CommandResult> submit(Command command) {
    Pending p = new Pending(CommandCodec.encode(command), new CompletableFuture<>());
    List<Pending> batch;
    synchronized (this) {
      queue.add(p);
      batch = takeBatchIfIdle();
    }
    if (batch != null) {
      executor.execute(() -> send(batch));
    }
    return p.future();
  }

  /** Removes the next batch when an in-flight slot is free; call with the lock held. */
  private List<Pending> takeBatchIfIdle() {
    if (inflight >= maxInflight || queue.isEmpty()) {
      return null;
    }
    long wait = linger.waitNanos(queue.size(), System.nanoTime());
    if (wait > 0) {
      if (!lingerTimerSet) {
        lingerTimerSet = true;
        executor.schedule(this::lingerOver, wait, TimeUnit.NANOSECONDS);
      }
      return null;
    }
    linger.sent();
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatchCommands));
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < maxBatchCommands) {
      Pending next = queue.peek();
      if (!batch.isEmpty() && bytes + next.encoded().length > maxBatchBytes) {
        break;
      }
      bytes += next.encoded().length;
      batch.add(queue.poll());
    }
    inflight++;
    return batch;
  }

  private void send(List<Pending> batch) {
    List<byte[]> encoded = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      encoded.add(p.encoded());
    }
    byte[] entry = CommandCodec.encodeBatch(System.currentTimeMillis(), encoded);
    batchSize.record(batch.size());
    long start = System.nanoTime();
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry));
    write(message)
        .whenCompleteAsync(
            (reply, error) -> {
              long now = System.nanoTime();
              commitTimer.record(now - start, TimeUnit.NANOSECONDS);
              complete(batch, reply, error);
              List<Pending> next;
              synchronized (this) {
                inflight--;
                if (error == null) {
                  linger.committed(queue.size(), batch.size(), now - start, now);
                }
                next = takeBatchIfIdle();
              }
              if (next != null) {
                send(next);
              }
            },
            executor);
  }

  /**
   * Appends an entry, sending it again (every 100 ms, for up to the leader wait) while the leader
   * refuses it because it is handing its leadership over: such a refusal comes before anything is
   * appended, so the resend cannot apply the batch twice.
   */
  private CompletableFuture<RaftClientReply> write(Message message) {
    return write(message, System.nanoTime());
  }

  private CompletableFuture<RaftClientReply> write(Message message, long startedNanos) {
    return writeOnce(message)
        .handle(
            (reply, error) -> {
              Throwable refusal = refusal(reply, error);
              boolean handingOver =
                  refusal instanceof LeaderSteppingDownException
                      || refusal instanceof TransferLeadershipException;
              if (handingOver && withinLeaderWait(startedNanos)) {
                return inAWhile(() -> write(message, startedNanos));
              }
              return error != null
                  ? CompletableFuture.<RaftClientReply>failedFuture(error)
                  : CompletableFuture.completedFuture(reply);
            })
        .thenCompose(f -> f);
  }

  private boolean withinLeaderWait(long startedNanos) {
    return System.nanoTime() - startedNanos < leaderWaitNanos;
  }

  /** Sends a refused request again after 100 ms, on the bridge's thread. */
  private <T> CompletableFuture<T> inAWhile(Supplier<CompletableFuture<T>> resend) {
    return CompletableFuture.runAsync(
            () -> {}, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS, executor))
        .thenCompose(ignored -> resend.get());
  }

  /**
   * Appends an entry: in-process when this node leads the group, else through a Raft client that
   * finds the leader (a refused local attempt appended nothing, so resending it is safe; the client
   * retries with one call id, which the leader's retry cache deduplicates).
   */
  private CompletableFuture<RaftClientReply> writeOnce(Message message) {
    if (!isLocalLeader()) {
      return forward(message);
    }
    return submitAsync(request(message, RaftClientRequest.writeRequestType()))
        .thenComposeAsync(
            reply ->
                reply.getNotLeaderException() != null
                        || reply.getException() instanceof LeaderNotReadyException
                    ? forward(message)
                    : CompletableFuture.completedFuture(reply),
            executor);
  }

  private boolean hostsGroup() {
    try {
      for (RaftGroupId id : server.getGroupIds()) {
        if (id.equals(groupId)) {
          return true;
        }
      }
    } catch (RuntimeException closing) {
      // a closing server hosts nothing
    }
    return false;
  }

  private boolean isLocalLeader() {
    if (!hostsGroup()) {
      return false; // asked for every batch: no exception per batch on a node without a replica
    }
    try {
      return server.getDivision(groupId).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Forwards a write. It is not resent with a new client when it fails: an earlier attempt may have
   * been applied (a leader that stepped down before replying), and applying a batch twice would
   * answer its conditional writes wrongly; the caller gets "no leader" instead.
   */
  private CompletableFuture<RaftClientReply> forward(Message message) {
    return viaClient(c -> c.async().send(message), false);
  }

  /**
   * Sends through the group's Raft client, which is dropped when the request fails. With {@code
   * resend} (reads only), a request that found a peer no longer holding the group goes once more
   * through a fresh client.
   */
  private CompletableFuture<RaftClientReply> viaClient(
      Function<RaftClient, CompletableFuture<RaftClientReply>> send, boolean resend) {
    RaftClient c;
    try {
      c = client();
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return send.apply(c)
        .handle(
            (reply, error) -> {
              Throwable refusal = refusal(reply, error);
              // A peer the client knew no longer holds the group (its replica moved away).
              boolean moved = refusal instanceof GroupMismatchException;
              // A read refused by a peer without a leader is an answer: the client still works.
              if ((error != null && !cannotServeReadYet(refusal)) || moved) {
                discard(c);
              }
              if (moved && resend) {
                return viaClient(send, false);
              }
              return error != null
                  ? CompletableFuture.<RaftClientReply>failedFuture(error)
                  : CompletableFuture.completedFuture(reply);
            })
        .thenCompose(f -> f);
  }

  /**
   * What failed a request: the async client fails the future with the refusal a reply carries, the
   * in-process server answers with it in the reply.
   */
  private static Throwable refusal(RaftClientReply reply, Throwable error) {
    return error != null ? unwrap(error) : reply.getException();
  }

  /** A follower that does not know the leader, or is installing a snapshot, refused a read. */
  private static boolean cannotServeReadYet(Throwable refusal) {
    return refusal instanceof ReadIndexException || refusal instanceof ReadException;
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Drops a client whose request failed: Ratis' ordered async client closes its sliding window on
   * the first failure, after which every request it is given fails at once, so the next forward
   * needs a new client.
   */
  private void discard(RaftClient failed) {
    synchronized (this) {
      if (client != failed) {
        return;
      }
      client = null;
    }
    // Not on the calling thread: it may be one of the client's own, which close() waits for.
    CompletableFuture.runAsync(() -> closeQuietly(failed));
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException e) {
      // a client that cannot close cleanly holds nothing we still need
    }
  }

  /**
   * The voters of a replica's configuration, old and new while it changes: the peers a leader can
   * be among. Not Ratis' {@code Division.getGroup()}, which adds the listeners and throws while a
   * listener is being made a voter (the peer is then a listener in the old configuration and a
   * voter in the new one: "Found duplicated element"), which failed writes forwarded during replica
   * moves with 500.
   */
  static Collection<RaftPeer> voters(RaftConfiguration conf) {
    Map<RaftPeerId, RaftPeer> voters = new LinkedHashMap<>();
    for (RaftPeer p : conf.getAllPeers(RaftPeerRole.FOLLOWER)) {
      voters.putIfAbsent(p.getId(), p);
    }
    return voters.values();
  }

  /**
   * A client for the group's peers as this node knows them now (its replica's configuration, and
   * the voters the layout last recorded), made again whenever they change — so that after a replica
   * move the client's retries (same call id, deduplicated by the leader's retry cache) go to nodes
   * that hold the group, never to one it moved away from, which would fail the write for good.
   */
  private synchronized RaftClient client() throws IOException {
    Map<RaftPeerId, RaftPeer> known = new LinkedHashMap<>();
    // Without a replica here (checked first: this runs for every forwarded batch), the recorded
    // voters, less this node (a layout not yet updated after its replica moved may still list it).
    if (hostsGroup()) {
      try {
        for (RaftPeer p : voters(server.getDivision(groupId).getRaftConf())) {
          known.put(p.getId(), p);
        }
      } catch (IOException removedMeanwhile) {
        // as if not hosted
      }
    }
    boolean hosted = !known.isEmpty();
    for (RaftPeer p : planned.get().getPeers()) {
      if (hosted || !p.getId().equals(peerId)) {
        known.putIfAbsent(p.getId(), p);
      }
    }
    if (client != null && !known.keySet().equals(clientPeers)) {
      RaftClient stale = client;
      client = null;
      // Later and elsewhere: requests still in flight on it finish first, and closing waits for
      // the client's own threads.
      CompletableFuture.runAsync(
          () -> closeQuietly(stale), CompletableFuture.delayedExecutor(30, TimeUnit.SECONDS));
    }
    if (client == null) {
      clientPeers = Set.copyOf(known.keySet());
      client =
          RaftClient.newBuilder()
              .setProperties(server.getProperties())
              .setRaftGroup(RaftGroup.valueOf(groupId, known.values()))
              .setClientId(ClientId.randomId())
              .setRetryPolicy(
                  RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                      100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
              .build();
    }
    return client;
  }

  private CompletableFuture<RaftClientReply> submitAsync(RaftClientRequest request) {
    try {
      return server.submitClientRequestAsync(request);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static void complete(List<Pending> batch, RaftClientReply reply, Throwable error) {
    Throwable failure = error != null ? error : reply.isSuccess() ? null : reply.getException();
    if (failure != null) {
      RuntimeException mapped = map(failure);
      for (Pending p : batch) {
        p.future().completeExceptionally(mapped);
      }
      return;
    }
    List<CommandResult> results;
    try {
      results = CommandCodec.decodeResults(reply.getMessage().getContent().toByteArray());
    } catch (RuntimeException e) {
      for (Pending p : batch) {
        p.future().completeExceptionally(e);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).future().complete(results.get(i));
    }
  }

  private static RuntimeException map(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof NotLeaderException || cause instanceof LeaderNotReadyException) {
      return new NoLeaderException("the Raft group has no ready leader on this node", cause);
    }
    if (cannotServeReadYet(cause)) {
      return new NoLeaderException(
          "the Raft group found no leader to serve the read within raft.leader_wait: "
              + cause.getMessage(),
          cause);
    }
    if (cause instanceof RaftException re) {
      return new NoLeaderException("Raft request failed: " + re.getMessage(), re);
    }
    return cause instanceof RuntimeException re ? re : new CompletionException(cause);
  }

  /** Reads on the leader of a group this node holds no replica of (see ReadQuery). */
  @Override
  public CompletableFuture<byte[]> query(byte[] query, boolean linearizable) {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(query));
    return query(message, linearizable, System.nanoTime())
        .handle(
            (reply, error) -> {
              Throwable failure =
                  error != null ? error : reply.isSuccess() ? null : reply.getException();
              if (failure != null) {
                throw map(failure);
              }
              return reply.getMessage().getContent().toByteArray();
            });
  }

  /**
   * Sends a read, again every 100 ms for up to the leader wait while the peer that took it cannot
   * serve it yet: a follower that does not know the leader (an election or a leadership transfer
   * under way) or is installing a snapshot refuses the ReadIndex, and the Raft client hands such
   * refusals back instead of retrying them. A read changes nothing, so sending it again is always
   * safe.
   */
  private CompletableFuture<RaftClientReply> query(
      Message message, boolean linearizable, long startedNanos) {
    return viaClient(
            c ->
                linearizable
                    ? c.async().sendReadOnlyUnordered(message)
                    : c.async().sendReadOnlyNonLinearizable(message),
            true)
        .handle(
            (reply, error) -> {
              if (cannotServeReadYet(refusal(reply, error)) && withinLeaderWait(startedNanos)) {
                return inAWhile(() -> query(message, linearizable, startedNanos));
              }
              return error != null
                  ? CompletableFuture.<RaftClientReply>failedFuture(error)
                  : CompletableFuture.completedFuture(reply);
            })
        .thenCompose(f -> f);
  }

  private void lingerOver() {
    List<Pending> next;
    synchronized (this) {
      lingerTimerSet = false;
      next = takeBatchIfIdle();
    }
    if (next != null) {
      send(next);
    }
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    if (soleVoterReadyLeader()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    boolean sendNow;
    synchronized (this) {
      waitingReads.add(f);
      sendNow = !barrierInFlight;
      if (sendNow) {
        barrierInFlight = true;
      }
    }
    if (sendNow) {
      executor.execute(this::sendBarrier);
    }
    return f;
  }

  private void sendBarrier() {
    List<CompletableFuture<Void>> readers;
    synchronized (this) {
      readers = waitingReads;
      waitingReads = new ArrayList<>();
    }
    attemptBarrier(readers, System.nanoTime());
  }

  /**
   * Sends one ReadIndex barrier for {@code readers}. A failure — typically a leader change under
   * way — is retried for up to the leader wait before the readers see it.
   */
  private void attemptBarrier(List<CompletableFuture<Void>> readers, long startedNanos) {
    CompletableFuture<RaftClientReply> barrier =
        submitAsync(request(Message.EMPTY, RaftClientRequest.readRequestType()));
    if (!isLocalLeader()) {
      executor.schedule(
          () -> {
            if (!barrier.isDone()) {
              nudge();
            }
          },
          NUDGE_AFTER_MILLIS,
          TimeUnit.MILLISECONDS);
    }
    barrier.whenCompleteAsync(
        (reply, error) -> {
          Throwable failure =
              error != null ? error : reply.isSuccess() ? null : reply.getException();
          if (failure != null && withinLeaderWait(startedNanos)) {
            Counter.builder("minikv_raft_read_barrier_retries")
                .description("ReadIndex barriers sent again after a failure, by failure")
                .tag("reason", unwrap(failure).getClass().getSimpleName())
                .register(registry)
                .increment();
            executor.schedule(
                () -> attemptBarrier(readers, startedNanos), 100, TimeUnit.MILLISECONDS);
            return;
          }
          for (CompletableFuture<Void> r : readers) {
            if (failure == null) {
              r.complete(null);
            } else {
              r.completeExceptionally(map(failure));
            }
          }
          boolean again;
          synchronized (this) {
            again = !waitingReads.isEmpty();
            barrierInFlight = again;
          }
          if (again) {
            sendBarrier();
          }
        },
        executor);
  }

  /** Appends an entry of no commands (see {@link #NUDGE_AFTER_MILLIS}); its outcome is moot. */
  private void nudge() {
    nudges.increment();
    byte[] empty = CommandCodec.encodeBatch(System.currentTimeMillis(), List.of());
    write(Message.valueOf(UnsafeByteOperations.unsafeWrap(empty)));
  }

  private boolean soleVoterReadyLeader() {
    try {
      RaftServer.Division division = server.getDivision(groupId);
      DivisionInfo info = division.getInfo();
      return info.isLeader()
          && info.isLeaderReady()
          && division.getRaftConf().getCurrentPeers().size() == 1
          && division.getRaftConf().getPreviousPeers().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    synchronized (this) {
      if (client != null) {
        closeQuietly(client);
      }
    }
  }

  private RaftClientRequest request(Message message, RaftClientRequest.Type type) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(peerId)
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(message)
        .setType(type)
        .build();
  }
}
