package io.minikv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @TempDir Path tmp;

  private Path file(String toml) throws IOException {
    Path f = tmp.resolve("c.toml");
    Files.writeString(f, toml);
    return f;
  }

  @Test
  void defaultsFileEnvAndFlagsApplyInThatOrder() throws IOException {
    Path f =
        file("[http]\nport = 1111\n[raft]\nsync = false\n[limits]\nmax_value_bytes = \"2MiB\"\n");
    Config c =
        Config.load(
            f,
            Map.of("MINIKV_HTTP_PORT", "2222", "PATH", "/bin"),
            List.of("--http.port=3333", "--ttl.reaper_interval", "250ms"));
    assertEquals(3333, c.get(Config.HTTP_PORT));
    assertEquals(false, c.get(Config.RAFT_SYNC));
    assertEquals(2L << 20, c.get(Config.LIMITS_MAX_VALUE_BYTES));
    assertEquals(Duration.ofMillis(250), c.get(Config.TTL_REAPER_INTERVAL));
    assertEquals("rocksdb", c.get(Config.STORAGE_ENGINE));
    Config envOnly = Config.load(f, Map.of("MINIKV_HTTP_PORT", "2222"), List.of());
    assertEquals(2222, envOnly.get(Config.HTTP_PORT));
  }

  @Test
  void theExampleConfigLoads() {
    Config c = Config.load(Path.of("config.example.toml"), Map.of(), List.of());
    assertEquals(8080, c.get(Config.HTTP_PORT));
    assertEquals(true, c.get(Config.AUTH_ENABLED));
  }

  @Test
  void unknownKeysFailNamingTheKey() throws IOException {
    Path f = file("[http]\nprot = 1\n");
    ConfigException e =
        assertThrows(ConfigException.class, () -> Config.load(f, Map.of(), List.of()));
    assertTrue(e.getMessage().contains("[http] prot"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> Config.load(null, Map.of("MINIKV_HTTP_PROT", "1"), List.of()));
    assertTrue(e.getMessage().contains("MINIKV_HTTP_PROT"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class, () -> Config.load(null, Map.of(), List.of("--nope.x=1")));
    assertTrue(e.getMessage().contains("--nope.x"), e.getMessage());
  }

  @Test
  void badValuesFailNamingTheKeyAndTheRule() throws IOException {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> Config.load(null, Map.of(), List.of("--http.port=70000")));
    assertTrue(e.getMessage().contains("[http] port"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> Config.load(null, Map.of(), List.of("--storage.engine=leveldb")));
    assertTrue(e.getMessage().contains("rocksdb"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> Config.load(null, Map.of(), List.of("--node.transport=io_uring")));
    assertTrue(e.getMessage().contains("auto, epoll or nio"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> Config.load(file("[raft]\nsync = \"yes\"\n"), Map.of(), List.of()));
    assertTrue(e.getMessage().contains("[raft] sync"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> Config.load(null, Map.of("MINIKV_TTL_REAPER_INTERVAL", "soon"), List.of()));
    assertTrue(e.getMessage().contains("[ttl] reaper_interval"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> Config.load(null, Map.of(), List.of("--auth.root_access_key=AK")));
    assertTrue(e.getMessage().contains("root_secret_key"), e.getMessage());
  }

  @Test
  void describeMasksSecrets() {
    Config c =
        Config.load(
            null,
            Map.of(),
            List.of("--auth.root_access_key=AK", "--auth.root_secret_key=topsecret"));
    String d = c.describe();
    assertTrue(!d.contains("topsecret") && !d.contains("= AK"), d);
    assertTrue(d.contains("http.port"), d);
  }
}
