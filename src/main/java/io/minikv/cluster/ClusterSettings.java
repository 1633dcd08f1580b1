package io.minikv.cluster;

import io.minikv.config.Config;
import io.minikv.config.ConfigException;
import io.minikv.config.ConfigKey;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code [cluster]} settings that can change while the cluster runs. A value set through the
 * admin API is kept in the meta group and overrides every node's configuration; without one, each
 * node uses its own configuration.
 */
public final class ClusterSettings {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterSettings.class);

  /** The settings that can be set at run time, by their {@code [cluster]} name. */
  public static final List<ConfigKey<?>> RUNTIME =
      List.of(Config.CLUSTER_REBALANCE, Config.CLUSTER_DEAD_NODE_TIMEOUT, Config.CLUSTER_MOVE_RATE);

  private final Config config;

  public ClusterSettings(Config config) {
    this.config = config;
  }

  /** The runtime setting called {@code name}, or null. */
  public static ConfigKey<?> key(String name) {
    return RUNTIME.stream().filter(k -> k.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * Checks {@code text} as a value of setting {@code name}; throws {@link ConfigException} naming
   * the problem. Returns the text to store.
   */
  public static String validate(String name, String text) {
    ConfigKey<?> key = key(name);
    if (key == null) {
      throw new IllegalArgumentException("unknown setting " + name);
    }
    Config.parse(key, text, "the admin API");
    return text.trim();
  }

  /** The value in effect: the meta group's, else this node's configured one. */
  public <T> T get(ConfigKey<T> key, Map<String, String> overrides) {
    String set = overrides.get(key.name());
    if (set != null) {
      try {
        return Config.parse(key, set, "the meta group");
      } catch (ConfigException e) {
        LOG.warn("ignoring the cluster setting: {}", e.getMessage());
      }
    }
    return config.get(key);
  }

  /** The values in effect and the ones set in the meta group, as the admin API shows them. */
  public JsonObject describe(Map<String, String> overrides) {
    JsonObject effective = new JsonObject();
    for (ConfigKey<?> k : RUNTIME) {
      Object v = get(k, overrides);
      effective.put(k.name(), v instanceof Duration d ? format(d) : v);
    }
    JsonObject set = new JsonObject();
    overrides.forEach(set::put);
    return new JsonObject().put("settings", effective).put("set", set);
  }

  private static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
