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
 * bootstrap plan), the node registry (node id to the node's advertised record, JSON) and cluster
 * settings set at run time (name to value as text; they override every node's configuration).
 * Immutable; the meta state machine applies commands to get the next state, deterministically on
 * every voter.
 */
public record MetaState(
    GroupLayout layout, SortedMap<String, String> nodes, SortedMap<String, String> settings) {
  public static final MetaState EMPTY = new MetaState(null, new TreeMap<>(), new TreeMap<>());

  private static final char LAYOUT = 'L';
  private static final char NODE = 'N';
  private static final char SETTING = 'C';

  public MetaState {
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
    settings = Collections.unmodifiableSortedMap(new TreeMap<>(settings));
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

  /** A command that sets cluster setting {@code name} to {@code value}, or removes it (null). */
  public static byte[] settingCommand(String name, String value) {
    if (name.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a setting name cannot contain a line break");
    }
    return (SETTING + name + "\n" + (value == null ? "" : "=" + value))
        .getBytes(StandardCharsets.UTF_8);
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
        return new Applied(new MetaState(next, nodes, settings), true);
      case NODE:
        int nl = body.indexOf('\n');
        String id = body.substring(0, nl);
        String record = body.substring(nl + 1);
        if (record.equals(nodes.get(id))) {
          return new Applied(this, false);
        }
        SortedMap<String, String> more = new TreeMap<>(nodes);
        more.put(id, record);
        return new Applied(new MetaState(layout, more, settings), true);
      case SETTING:
        int end = body.indexOf('\n');
        String name = body.substring(0, end);
        String rest = body.substring(end + 1);
        String value = rest.isEmpty() ? null : rest.substring(1);
        if (java.util.Objects.equals(value, settings.get(name))) {
          return new Applied(this, false);
        }
        SortedMap<String, String> changed = new TreeMap<>(settings);
        if (value == null) {
          changed.remove(name);
        } else {
          changed.put(name, value);
        }
        return new Applied(new MetaState(layout, nodes, changed), true);
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
    for (Map.Entry<String, String> c : settings.entrySet()) {
      p.setProperty("setting." + c.getKey(), c.getValue());
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
    SortedMap<String, String> settings = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith("node.")) {
        nodes.put(key.substring("node.".length()), p.getProperty(key));
      } else if (key.startsWith("setting.")) {
        settings.put(key.substring("setting.".length()), p.getProperty(key));
      }
    }
    String layout = p.getProperty("layout");
    return new MetaState(layout == null ? null : GroupLayout.decode(layout), nodes, settings);
  }
}
