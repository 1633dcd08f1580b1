package io.minikv.cluster;

import io.minikv.raft.GroupLayout;
import io.minikv.raft.MetaState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.ProtoUtils;
import org.apache.ratis.util.TimeDuration;

/**
 * Reads and writes the meta group from any node. The client is made for the meta voters this node
 * last recorded; when a request fails it is dropped, and the next one asks every known node which
 * of them hold the meta group (their configuration names the current voters). Blocking: call it
 * from a thread of one's own, never from Vert.x or Ratis threads.
 */
public final class MetaClient implements AutoCloseable {
  private final RaftProperties properties;
  private final RaftGroupId metaId;
  private final Supplier<RaftGroup> recorded;
  private final Supplier<List<RaftPeer>> candidates;
  private RaftClient client;

  /**
   * @param recorded the meta group as this node last recorded it (may be null)
   * @param candidates every node known to exist, asked when the recorded voters do not answer
   */
  public MetaClient(
      RaftProperties serverProperties,
      RaftGroupId metaId,
      Supplier<RaftGroup> recorded,
      Supplier<List<RaftPeer>> candidates) {
    this.properties = new RaftProperties(serverProperties);
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    this.metaId = metaId;
    this.recorded = recorded;
    this.candidates = candidates;
  }

  /** The meta state, read linearizably. */
  public MetaState read() throws IOException {
    RaftClientReply reply = call(c -> c.io().sendReadOnly(Message.EMPTY));
    return MetaState.decode(reply.getMessage().getContent().toString(StandardCharsets.UTF_8));
  }

  /** Writes {@code layout} unless the meta group holds one as new or newer; true if written. */
  public boolean publish(GroupLayout layout) throws IOException {
    return "ok".equals(write(MetaState.layoutCommand(layout)));
  }

  /** Records what {@code node} advertises in the node registry. */
  public void register(NodeInfo node) throws IOException {
    write(MetaState.nodeCommand(node.nodeId(), node.toJson()));
  }

  /** Sets cluster setting {@code name} to {@code value}, or removes it when value is null. */
  public void setting(String name, String value) throws IOException {
    write(MetaState.settingCommand(name, value));
  }

  private String write(byte[] command) throws IOException {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(command));
    RaftClientReply reply = call(c -> c.io().send(message));
    String answer = reply.getMessage().getContent().toString(StandardCharsets.UTF_8);
    if (answer.startsWith("error: ")) {
      throw new IOException("the meta group refused the command: " + answer.substring(7));
    }
    return answer;
  }

  private interface Call {
    RaftClientReply send(RaftClient client) throws IOException;
  }

  private synchronized RaftClientReply call(Call call) throws IOException {
    IOException failure = null;
    for (int attempt = 0; attempt < 2; attempt++) {
      RaftGroup group = attempt == 0 ? recorded.get() : discover();
      if (group == null || group.getPeers().isEmpty()) {
        continue;
      }
      if (client == null || attempt > 0) {
        closeClient();
        client = newClient(group);
      }
      try {
        RaftClientReply reply = call.send(client);
        if (reply.isSuccess()) {
          return reply;
        }
        failure = reply.getException();
      } catch (IOException | RuntimeException e) {
        failure = e instanceof IOException io ? io : new IOException(e);
      }
      closeClient();
    }
    throw failure != null ? failure : new IOException("no node is known to hold the meta group");
  }

  private RaftClient newClient(RaftGroup group) {
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setClientId(ClientId.randomId())
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                10, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS)))
        .build();
  }

  /**
   * The meta group as the first known node that holds a replica reports it (its current voters), or
   * null when none answers.
   */
  public RaftGroup discover() {
    List<RaftPeer> candidates = this.candidates.get();
    if (candidates.isEmpty()) {
      return null;
    }
    try (RaftClient probe =
        RaftClient.newBuilder()
            .setProperties(properties)
            .setRaftGroup(RaftGroup.valueOf(metaId, candidates))
            .setClientId(ClientId.randomId())
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
      for (RaftPeer p : candidates) {
        try {
          GroupInfoReply info = probe.getGroupManagementApi(p.getId()).info(metaId);
          if (info.isSuccess() && info.getConf().isPresent()) {
            Map<String, RaftPeer> voters = new LinkedHashMap<>();
            for (RaftPeer v : ProtoUtils.toRaftPeers(info.getConf().get().getPeersList())) {
              voters.put(v.getId().toString(), v);
            }
            return RaftGroup.valueOf(metaId, new ArrayList<>(voters.values()));
          }
        } catch (IOException | RuntimeException notThere) {
          // next candidate
        }
      }
    } catch (IOException e) {
      // closing the probe client
    }
    return null;
  }

  private void closeClient() {
    if (client != null) {
      try {
        client.close();
      } catch (IOException e) {
        // nothing of it is needed any more
      }
      client = null;
    }
  }

  @Override
  public synchronized void close() {
    closeClient();
  }
}
