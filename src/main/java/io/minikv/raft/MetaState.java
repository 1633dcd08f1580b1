package io.minikv.raft;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the meta group holds: the cluster's layout (null until the first node publishes the
 * bootstrap plan) and the node registry (node id to the node's advertised record, JSON). Immutable;
 * the meta state machine applies commands to get the next state, deterministically on every voter.
 */
public record MetaState(GroupLayout layout, SortedMap<String, String> nodes) {
  public static final MetaState EMPTY = new MetaState(null, new TreeMap<>());

  private static final char LAYOUT = 'L';
  private static final char NODE = 'N';

  public MetaState {
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
  }

  /** The state after {@code command}, and whether the command changed it. */
  public record Applied(MetaState state, boolean accepted) {}

  /** A command that takes {@code layout} unless the held one is as new or newer (by version). */
  public static byte[] layoutCommand(GroupLayout layout) {
    return (LAYOUT + layout.encode()).getBytes(StandardCharsets.UTF_8);
  }

  /** A command that records (or replaces) node {@code nodeId}'s advertised record. */
  public static byte[] nodeCommand(String nodeId, String record) {
    if (nodeId.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a node id cannot contain a line break");
    }
    return (NODE + nodeId + "\n" + record).getBytes(StandardCharsets.UTF_8);
  }

  public Applied apply(byte[] command) {
    String text = new String(command, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      throw new IllegalArgumentException("empty meta command");
    }
    String body = text.substring(1);
    switch (text.charAt(0)) {
      case LAYOUT:
        GroupLayout next = GroupLayout.decode(body);
        if (layout != null && layout.version() >= next.version()) {
          return new Applied(this, false);
        }
        return new Applied(new MetaState(next, nodes), true);
      case NODE:
        int nl = body.indexOf('\n');
        String id = body.substring(0, nl);
        String record = body.substring(nl + 1);
        if (record.equals(nodes.get(id))) {
          return new Applied(this, false);
        }
        SortedMap<String, String> more = new TreeMap<>(nodes);
        more.put(id, record);
        return new Applied(new MetaState(layout, more), true);
      default:
        throw new IllegalArgumentException("unknown meta command " + text.charAt(0));
    }
  }

  public String encode() {
    Properties p = new Properties();
    if (layout != null) {
      p.setProperty("layout", layout.encode());
    }
    for (Map.Entry<String, String> n : nodes.entrySet()) {
      p.setProperty("node." + n.getKey(), n.getValue());
    }
    StringWriter out = new StringWriter();
    try {
      p.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static MetaState decode(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SortedMap<String, String> nodes = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith("node.")) {
        nodes.put(key.substring("node.".length()), p.getProperty(key));
      }
    }
    String layout = p.getProperty("layout");
    return new MetaState(layout == null ? null : GroupLayout.decode(layout), nodes);
  }
}
