package io.minikv.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The typed, validated configuration of a node. Values come from the defaults, then the TOML file,
 * then {@code MINIKV_*} environment variables, then {@code --section.key=value} flags. Unknown keys
 * and bad values fail with a message naming the key.
 */
public final class Config {
  private static final List<ConfigKey<?>> KEYS = new ArrayList<>();

  private static <T> ConfigKey<T> key(
      String section,
      String name,
      ValueType type,
      T def,
      Predicate<T> check,
      String rule,
      String description) {
    ConfigKey<T> k = new ConfigKey<>(section, name, type, def, false, check, rule, description);
    KEYS.add(k);
    return k;
  }

  private static ConfigKey<String> secret(String section, String name, String description) {
    ConfigKey<String> k =
        new ConfigKey<>(section, name, ValueType.STRING, "", true, v -> true, "", description);
    KEYS.add(k);
    return k;
  }

  private static ConfigKey<Integer> port(String section, int def, String description) {
    return key(
        section,
        "port",
        ValueType.INT,
        def,
        p -> p >= 0 && p <= 65535,
        "a TCP port, 1-65535 (0 picks a free port)",
        description);
  }

  private static boolean positive(Number n) {
    return n.longValue() > 0;
  }

  private static boolean positive(Duration d) {
    return !d.isNegative() && !d.isZero();
  }

  public static final ConfigKey<String> NODE_ID =
      key(
          "node",
          "id",
          ValueType.STRING,
          "",
          v -> v.isEmpty() || v.matches("[A-Za-z0-9_-]{1,64}"),
          "letters, digits, '-' and '_', at most 64",
          "Node id; generated at first start and persisted in the data directory when empty");
  public static final ConfigKey<String> NODE_DATA_DIR =
      key(
          "node",
          "data_dir",
          ValueType.STRING,
          "./data",
          v -> !v.isBlank(),
          "a directory path",
          "Where the engine, Raft log, snapshots and identity live");
  public static final ConfigKey<String> NODE_HOST =
      key(
          "node",
          "host",
          ValueType.STRING,
          "127.0.0.1",
          v -> !v.isBlank(),
          "an IP address or host name",
          "Address every listener binds to (HTTP, Raft); 0.0.0.0 for all interfaces");
  public static final ConfigKey<String> NODE_TRANSPORT =
      key(
          "node",
          "transport",
          ValueType.STRING,
          "auto",
          v -> List.of("auto", "epoll", "nio").contains(v),
          "auto, epoll or nio",
          "Network transport of the REST and S3 listeners and the clustered event bus: auto takes"
              + " Linux's native epoll when it can load, else Java NIO");
  public static final ConfigKey<Integer> HTTP_PORT = port("http", 8080, "REST API port");
  public static final ConfigKey<Duration> HTTP_SHUTDOWN_TIMEOUT =
      key(
          "http",
          "shutdown_timeout",
          ValueType.DURATION,
          Duration.ofSeconds(10),
          Config::positive,
          "a positive duration",
          "How long a graceful shutdown waits for in-flight requests");
  public static final ConfigKey<Integer> S3_PORT = port("s3", 9000, "S3 API port");
  public static final ConfigKey<String> S3_REGION =
      key(
          "s3",
          "region",
          ValueType.STRING,
          "us-east-1",
          v -> v.matches("[a-z0-9-]{1,32}"),
          "a region name such as us-east-1",
          "Region the S3 API reports and expects in SigV4 credential scopes");
  public static final ConfigKey<String> S3_DOMAIN =
      key(
          "s3",
          "domain",
          ValueType.STRING,
          "localhost",
          v -> v.isEmpty() || v.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?"),
          "a DNS name such as s3.example.com, or empty for path style only",
          "Host name under which <bucket>.<domain> addresses a bucket (virtual-host style)");
  public static final ConfigKey<Duration> S3_UPLOAD_EXPIRY =
      key(
          "s3",
          "upload_expiry",
          ValueType.DURATION,
          Duration.ofHours(24),
          Config::positive,
          "a positive duration",
          "Multipart uploads neither completed nor aborted this long after they began are aborted"
              + " and their parts' space reclaimed");
  public static final ConfigKey<Duration> S3_UPLOAD_REAPER_INTERVAL =
      key(
          "s3",
          "upload_reaper_interval",
          ValueType.DURATION,
          Duration.ofMinutes(5),
          Config::positive,
          "a positive duration",
          "How often the leader looks for expired multipart uploads");
  public static final ConfigKey<String> CLUSTER_MEMBERS =
      key(
          "cluster",
          "members",
          ValueType.STRING,
          "",
          v -> v.isEmpty() || v.matches("[A-Za-z0-9.\\-]+:\\d{1,5}(,[A-Za-z0-9.\\-]+:\\d{1,5})*"),
          "host:port of each member's Hazelcast port, comma-separated, or empty",
          "Members to discover (Hazelcast TCP-IP); empty runs a single node");
  public static final ConfigKey<Integer> CLUSTER_PORT =
      port("cluster", 5701, "Hazelcast port for discovery and the clustered event bus");
  public static final ConfigKey<Integer> CLUSTER_BOOTSTRAP_EXPECT =
      key(
          "cluster",
          "bootstrap_expect",
          ValueType.INT,
          0,
          v -> v >= 0 && v <= 5,
          "0 (the number of members) to 5",
          "Nodes that must have joined before a new cluster forms its data group; all of them"
              + " become its voters");
  public static final ConfigKey<Integer> CLUSTER_DATA_GROUPS =
      key(
          "cluster",
          "data_groups",
          ValueType.INT,
          0,
          v -> v >= 0 && v <= 256,
          "0 (the number of bootstrap nodes) to 256",
          "Raft data groups a new cluster spreads the 256 vshards over (contiguous ranges); each"
              + " bootstrap node leads one when there are as many groups as nodes");
  public static final ConfigKey<Integer> CLUSTER_REPLICATION_FACTOR =
      key(
          "cluster",
          "replication_factor",
          ValueType.INT,
          3,
          v -> v >= 1 && v <= 7,
          "1 to 7",
          "Voters of each data group (capped at the number of bootstrap nodes)");
  public static final ConfigKey<String> CLUSTER_REGION =
      key(
          "cluster",
          "region",
          ValueType.STRING,
          "",
          v -> v.matches("[A-Za-z0-9_-]{0,64}"),
          "a label of letters, digits, '-' and '_'",
          "Region label this node advertises");
  public static final ConfigKey<String> CLUSTER_ZONE =
      key(
          "cluster",
          "zone",
          ValueType.STRING,
          "",
          v -> v.matches("[A-Za-z0-9_-]{0,64}"),
          "a label of letters, digits, '-' and '_'",
          "Zone label this node advertises");
  public static final ConfigKey<Duration> CLUSTER_JOIN_TIMEOUT =
      key(
          "cluster",
          "join_timeout",
          ValueType.DURATION,
          Duration.ofMinutes(2),
          Config::positive,
          "a positive duration",
          "How long a new node waits for bootstrap_expect members before giving up");
  public static final ConfigKey<Boolean> CLUSTER_REBALANCE =
      key(
          "cluster",
          "rebalance",
          ValueType.BOOLEAN,
          true,
          v -> true,
          "true or false",
          "Move replicas so that every node holds about as many (replicas of decommissioned and"
              + " dead nodes are always moved)");
  public static final ConfigKey<Duration> CLUSTER_REBALANCE_INTERVAL =
      key(
          "cluster",
          "rebalance_interval",
          ValueType.DURATION,
          Duration.ofSeconds(2),
          Config::positive,
          "a positive duration",
          "How often the shard manager checks placement and starts the next replica move");
  public static final ConfigKey<Duration> CLUSTER_DEAD_NODE_TIMEOUT =
      key(
          "cluster",
          "dead_node_timeout",
          ValueType.DURATION,
          Duration.ofMinutes(5),
          Config::positive,
          "a positive duration",
          "How long a node may be unreachable before its replicas are rebuilt on other nodes");
  public static final ConfigKey<Duration> CLUSTER_MOVE_TIMEOUT =
      key(
          "cluster",
          "move_timeout",
          ValueType.DURATION,
          Duration.ofMinutes(30),
          Config::positive,
          "a positive duration",
          "How long a new replica may take to catch up before its move is abandoned");
  public static final ConfigKey<Long> CLUSTER_MOVE_RATE =
      key(
          "cluster",
          "move_rate",
          ValueType.SIZE,
          64L << 20,
          v -> v >= 0,
          "a size (bytes per second), 0 for no limit",
          "Bytes per second a replica may copy of a snapshot when it is added or fell behind the"
              + " leader's log (replica moves, restarted nodes); 0 for no limit");
  public static final ConfigKey<Integer> GRPC_PORT =
      port("grpc", 2379, "Reserved for the etcd gRPC endpoint, which is not built yet");
  public static final ConfigKey<Integer> RAFT_PORT = port("raft", 9870, "Raft (gRPC) port");
  public static final ConfigKey<Boolean> RAFT_SYNC =
      key(
          "raft",
          "sync",
          ValueType.BOOLEAN,
          true,
          v -> true,
          "",
          "fsync the Raft log before acknowledging a write; false acknowledges before the flush");
  public static final ConfigKey<Boolean> RAFT_LEASE_READS =
      key(
          "raft",
          "lease_reads",
          ValueType.BOOLEAN,
          true,
          v -> true,
          "",
          "Linearizable reads: the leader confirms it still leads from its lease (a majority"
              + " acknowledged it within 0.9 x the election timeout, clocks running at the same"
              + " rate) instead of a heartbeat round per read barrier");
  public static final ConfigKey<Long> RAFT_SNAPSHOT_INTERVAL =
      key(
          "raft",
          "snapshot_interval",
          ValueType.LONG,
          100_000L,
          Config::positive,
          "a positive number of entries",
          "Take a snapshot (and purge the log behind it) every this many Raft entries");
  public static final ConfigKey<Long> RAFT_CATCH_UP_ENTRIES =
      key(
          "raft",
          "catch_up_entries",
          ValueType.LONG,
          5_000L,
          v -> v >= 0,
          "zero or more entries",
          "Entries kept behind each snapshot so that a follower that fell briefly behind catches up"
              + " from the log; one further behind is sent the snapshot");
  public static final ConfigKey<Long> RAFT_SEGMENT_SIZE =
      key(
          "raft",
          "segment_size",
          ValueType.SIZE,
          1L << 20,
          v -> v >= (64 << 10),
          "at least 64KiB",
          "Size of a Raft log segment file; purging after a snapshot removes whole closed segments."
              + " Ratis holds the open segment's entries on the heap, so larger segments mean"
              + " longer-lived garbage");
  public static final ConfigKey<Duration> RAFT_ELECTION_TIMEOUT =
      key(
          "raft",
          "election_timeout",
          ValueType.DURATION,
          Duration.ofSeconds(1),
          d -> d.toMillis() >= 100,
          "at least 100ms",
          "Minimum election timeout (the maximum is twice this)");
  public static final ConfigKey<Integer> RAFT_BATCH_MAX_COMMANDS =
      key(
          "raft",
          "batch_max_commands",
          ValueType.INT,
          512,
          Config::positive,
          "a positive count",
          "Most commands coalesced into one Raft entry");
  public static final ConfigKey<Long> RAFT_BATCH_MAX_BYTES =
      key(
          "raft",
          "batch_max_bytes",
          ValueType.SIZE,
          4L << 20,
          Config::positive,
          "a positive size",
          "Most bytes of commands coalesced into one Raft entry (a larger single command still goes alone)");
  public static final ConfigKey<Integer> RAFT_MAX_INFLIGHT =
      key(
          "raft",
          "max_inflight",
          ValueType.INT,
          1,
          Config::positive,
          "a positive count",
          "Raft entries in flight at once per group; more commands wait and are batched");
  public static final ConfigKey<Duration> RAFT_BATCH_LINGER =
      key(
          "raft",
          "batch_linger",
          ValueType.DURATION,
          Duration.ofMillis(8),
          d -> !d.isNegative() && d.toMillis() <= 100,
          "0 to 100ms",
          "After an entry commits, how long the next may wait (never longer than the entry took) for"
              + " the writers just answered to send again, so they share one entry; 0: never");
  public static final ConfigKey<Duration> RAFT_LEADER_WAIT =
      key(
          "raft",
          "leader_wait",
          ValueType.DURATION,
          Duration.ofSeconds(5),
          d -> d.toMillis() >= 100 && d.toMinutes() <= 5,
          "100ms to 5m",
          "How long a read waits for its group to have a leader (an election, a leadership"
              + " handover, a replica installing a snapshot), and a write for a leader that is"
              + " handing over, before it is answered 503 no_leader");
  public static final ConfigKey<String> STORAGE_ENGINE =
      key(
          "storage",
          "engine",
          ValueType.STRING,
          "rocksdb",
          v -> io.minikv.storage.StorageEngines.available().contains(v),
          "one of " + String.join(", ", io.minikv.storage.StorageEngines.available()),
          "Storage engine: rocksdb (default), xodus or memory");
  public static final ConfigKey<Long> STORAGE_RECENT_RECORDS =
      key(
          "storage",
          "recent_records",
          ValueType.SIZE,
          16L << 20,
          v -> v >= 0 && v <= (1L << 30),
          "0 to 1GiB",
          "Bytes of recently read or written records each data group keeps in memory, so that a write"
              + " to a recently used key need not read its previous record from the engine (0: off)");
  public static final ConfigKey<Boolean> AUTH_ENABLED =
      key(
          "auth",
          "enabled",
          ValueType.BOOLEAN,
          true,
          v -> true,
          "",
          "Require credentials on every route but /health/*; false makes every request root");
  public static final ConfigKey<String> AUTH_ROOT_ACCESS_KEY =
      secret(
          "auth",
          "root_access_key",
          "Root access key id; generated at first start and stored in the data directory when empty");
  public static final ConfigKey<String> AUTH_ROOT_SECRET_KEY =
      secret(
          "auth",
          "root_secret_key",
          "Root secret key; generated with the access key when both are empty");
  public static final ConfigKey<Boolean> METRICS_ANONYMOUS =
      key(
          "metrics",
          "anonymous",
          ValueType.BOOLEAN,
          false,
          v -> true,
          "",
          "Serve /metrics without credentials (for a Prometheus scraper)");
  public static final ConfigKey<Long> LIMITS_MAX_KEY_BYTES =
      key(
          "limits",
          "max_key_bytes",
          ValueType.SIZE,
          4096L,
          v -> v > 0 && v <= (1 << 20),
          "1 byte to 1MiB",
          "Largest key");
  public static final ConfigKey<Long> LIMITS_MAX_VALUE_BYTES =
      key(
          "limits",
          "max_value_bytes",
          ValueType.SIZE,
          1L << 20,
          v -> v > 0 && v <= (64L << 20),
          "1 byte to 64MiB",
          "Largest value");
  public static final ConfigKey<Long> LIMITS_MAX_REQUEST_BYTES =
      key(
          "limits",
          "max_request_bytes",
          ValueType.SIZE,
          4L << 20,
          v -> v > 0 && v <= (256L << 20),
          "1 byte to 256MiB",
          "Largest request body of /kv/_batch and /kv/_txn");
  public static final ConfigKey<Integer> LIMITS_MAX_SCAN_LIMIT =
      key(
          "limits",
          "max_scan_limit",
          ValueType.INT,
          10_000,
          Config::positive,
          "a positive count",
          "Largest page a range scan returns");
  public static final ConfigKey<Integer> LIMITS_DEFAULT_SCAN_LIMIT =
      key(
          "limits",
          "default_scan_limit",
          ValueType.INT,
          1000,
          Config::positive,
          "a positive count",
          "Page size of a range scan without ?limit");
  public static final ConfigKey<Integer> LIMITS_MAX_TXN_OPS =
      key(
          "limits",
          "max_txn_ops",
          ValueType.INT,
          128,
          Config::positive,
          "a positive count",
          "Most compares, and most operations per branch, in one transaction or batch");
  public static final ConfigKey<Duration> TTL_REAPER_INTERVAL =
      key(
          "ttl",
          "reaper_interval",
          ValueType.DURATION,
          Duration.ofSeconds(1),
          Config::positive,
          "a positive duration",
          "How often the leader deletes expired keys (they are invisible from expiry on)");

  private final Map<ConfigKey<?>, Object> values;
  private final Map<ConfigKey<?>, String> sources;

  private Config(Map<ConfigKey<?>, Object> values, Map<ConfigKey<?>, String> sources) {
    this.values = values;
    this.sources = sources;
  }

  /** Every declared key, in declaration order. */
  public static List<ConfigKey<?>> keys() {
    return Collections.unmodifiableList(KEYS);
  }

  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) values.get(key);
  }

  public Path dataDir() {
    return Path.of(get(NODE_DATA_DIR));
  }

  /** A copy with {@code key} set, for tests and tools. */
  public <T> Config with(ConfigKey<T> key, T value) {
    Map<ConfigKey<?>, Object> copy = new LinkedHashMap<>(values);
    Map<ConfigKey<?>, String> src = new LinkedHashMap<>(sources);
    copy.put(key, value);
    src.put(key, "code");
    Config c = new Config(copy, src);
    c.check(key, value);
    return c;
  }

  /** Loads the defaults, then {@code file} (may be null), then {@code env}, then {@code flags}. */
  public static Config load(Path file, Map<String, String> env, List<String> flags) {
    Map<ConfigKey<?>, Object> values = new LinkedHashMap<>();
    Map<ConfigKey<?>, String> sources = new LinkedHashMap<>();
    for (ConfigKey<?> k : KEYS) {
      values.put(k, k.defaultValue());
      sources.put(k, "default");
    }
    if (file != null) {
      readToml(file, values, sources);
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith("MINIKV_")) {
        continue;
      }
      ConfigKey<?> k =
          KEYS.stream()
              .filter(c -> c.envName().equals(e.getKey()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "unknown environment variable "
                              + e.getKey()
                              + ": no configuration key has that name"));
      values.put(k, parseText(k, e.getValue(), "environment variable " + e.getKey()));
      sources.put(k, "env");
    }
    for (int i = 0; i < flags.size(); i++) {
      String flag = flags.get(i);
      if (!flag.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + flag + "'");
      }
      String body = flag.substring(2);
      String name;
      String text;
      int eq = body.indexOf('=');
      if (eq >= 0) {
        name = body.substring(0, eq);
        text = body.substring(eq + 1);
      } else if (i + 1 < flags.size()) {
        name = body;
        text = flags.get(++i);
      } else {
        throw new ConfigException("flag --" + body + " needs a value");
      }
      ConfigKey<?> k =
          KEYS.stream()
              .filter(c -> c.path().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "unknown flag --" + name + ": no such configuration key"));
      values.put(k, parseText(k, text, "flag --" + name));
      sources.put(k, "flag");
    }
    Config c = new Config(values, sources);
    for (ConfigKey<?> k : KEYS) {
      c.checkUnchecked(k);
    }
    if (c.get(LIMITS_DEFAULT_SCAN_LIMIT) > c.get(LIMITS_MAX_SCAN_LIMIT)) {
      throw new ConfigException(
          "[limits] default_scan_limit must not exceed [limits] max_scan_limit");
    }
    boolean hasAccess = !c.get(AUTH_ROOT_ACCESS_KEY).isEmpty();
    boolean hasSecret = !c.get(AUTH_ROOT_SECRET_KEY).isEmpty();
    if (hasAccess != hasSecret) {
      throw new ConfigException(
          "[auth] root_access_key and root_secret_key must be set together (or both left empty)");
    }
    return c;
  }

  @SuppressWarnings("unchecked")
  private <T> void checkUnchecked(ConfigKey<T> k) {
    check(k, (T) values.get(k));
  }

  private <T> void check(ConfigKey<T> k, T value) {
    if (!k.check().test(value)) {
      throw new ConfigException(
          k
              + " has an invalid value '"
              + value
              + "' (from "
              + sources.get(k)
              + "): expected "
              + k.rule());
    }
  }

  /**
   * Parses and checks {@code text} as a value of {@code key} (as a flag would be); the exception's
   * message names the key, the value and what was expected.
   */
  @SuppressWarnings("unchecked")
  public static <T> T parse(ConfigKey<T> key, String text, String where) {
    T value = (T) parseText(key, text, where);
    if (!key.check().test(value)) {
      throw new ConfigException(
          key + " from " + where + " has an invalid value '" + text + "': expected " + key.rule());
    }
    return value;
  }

  private static Object parseText(ConfigKey<?> k, String text, String where) {
    try {
      return k.type().parse(text);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ConfigException(
          k + " from " + where + " has an invalid value '" + text + "': " + e.getMessage());
    }
  }

  private static void readToml(
      Path file, Map<ConfigKey<?>, Object> values, Map<ConfigKey<?>, String> sources) {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
    }
    for (Iterator<Map.Entry<String, JsonNode>> sections = root.fields(); sections.hasNext(); ) {
      Map.Entry<String, JsonNode> section = sections.next();
      if (!section.getValue().isObject()) {
        throw new ConfigException(
            file + ": '" + section.getKey() + "' must be a [section], not a top-level value");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = section.getValue().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ConfigKey<?> k =
            KEYS.stream()
                .filter(c -> c.section().equals(section.getKey()) && c.name().equals(e.getKey()))
                .findFirst()
                .orElseThrow(
                    () ->
                        new ConfigException(
                            file + ": unknown key [" + section.getKey() + "] " + e.getKey()));
        values.put(k, fromToml(k, e.getValue(), file));
        sources.put(k, "file");
      }
    }
  }

  private static Object fromToml(ConfigKey<?> k, JsonNode node, Path file) {
    String where = "file " + file;
    switch (k.type()) {
      case BOOLEAN:
        if (!node.isBoolean()) {
          throw new ConfigException(k + " in " + file + " must be true or false");
        }
        return node.booleanValue();
      case INT:
      case LONG:
        if (!node.isIntegralNumber()) {
          throw new ConfigException(k + " in " + file + " must be an integer");
        }
        return k.type() == ValueType.INT ? (Object) node.intValue() : (Object) node.longValue();
      case SIZE:
        if (node.isIntegralNumber()) {
          return node.longValue();
        }
        return parseText(k, node.asText(), where);
      default:
        if (!node.isTextual()) {
          throw new ConfigException(k + " in " + file + " must be a string");
        }
        return parseText(k, node.textValue(), where);
    }
  }

  /** The effective configuration, one line per key with its source; secrets masked. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (ConfigKey<?> k : KEYS) {
      Object v = values.get(k);
      String shown = k.secret() && !String.valueOf(v).isEmpty() ? "****" : String.valueOf(v);
      sb.append(String.format("  %-28s = %s (%s)%n", k.path(), shown, sources.get(k)));
    }
    return sb.toString();
  }
}
