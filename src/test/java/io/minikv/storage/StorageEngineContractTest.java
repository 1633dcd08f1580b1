package io.minikv.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract every {@link StorageEngine} keeps; one subclass per engine runs it. */
public abstract class StorageEngineContractTest {
  @TempDir protected Path tmp;
  protected StorageEngine engine;

  /** Opens the engine under test in {@code dir}. */
  protected abstract StorageEngine open(Path dir);

  /** Whether data written before {@code close()} is there after reopening the same directory. */
  protected boolean persistsAcrossReopen() {
    return true;
  }

  @BeforeEach
  void openEngine() {
    engine = open(tmp.resolve("engine"));
  }

  @AfterEach
  void closeEngine() {
    engine.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static byte[] b(int... bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = (byte) bytes[i];
    }
    return out;
  }

  private List<byte[]> keys(byte[] start, byte[] end, boolean reverse) {
    List<byte[]> out = new ArrayList<>();
    try (KeyValueIterator it = engine.scan(start, end, reverse)) {
      it.forEachRemaining(kv -> out.add(kv.key()));
    }
    return out;
  }

  private static void assertKeys(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size(), "number of keys");
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "key at " + i);
    }
  }

  @Test
  void putThenGetReturnsValueAndMissingKeyIsNull() {
    engine.write(new WriteBatch().put(b("a"), b("1")));
    assertArrayEquals(b("1"), engine.get(b("a")));
    assertNull(engine.get(b("b")));
  }

  @Test
  void keysAreOrderedAsUnsignedBytes() {
    byte[][] keys = {
      b(0x01), b(0x7F), b(0x80), b(0xFF), b(0x01, 0x00), b(0x80, 0xFF), b(0xFF, 0xFF)
    };
    WriteBatch batch = new WriteBatch();
    for (byte[] k : keys) {
      batch.put(k, k);
    }
    engine.write(batch);
    assertKeys(
        List.of(b(0x01), b(0x01, 0x00), b(0x7F), b(0x80), b(0x80, 0xFF), b(0xFF), b(0xFF, 0xFF)),
        keys(null, null, false));
  }

  @Test
  void randomKeysScanInTheSameOrderAsASortedMap() {
    Random random = new Random(42);
    TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
    WriteBatch batch = new WriteBatch();
    for (int i = 0; i < 500; i++) {
      byte[] k = new byte[1 + random.nextInt(6)];
      random.nextBytes(k);
      model.put(k, k);
      batch.put(k, k);
    }
    engine.write(batch);
    assertKeys(new ArrayList<>(model.keySet()), keys(null, null, false));
    assertKeys(new ArrayList<>(model.descendingKeySet()), keys(null, null, true));
    byte[] lo = model.keySet().stream().skip(100).findFirst().orElseThrow();
    byte[] hi = model.keySet().stream().skip(300).findFirst().orElseThrow();
    assertKeys(new ArrayList<>(model.subMap(lo, true, hi, false).keySet()), keys(lo, hi, false));
    assertKeys(
        new ArrayList<>(model.subMap(lo, true, hi, false).descendingKeySet()), keys(lo, hi, true));
  }

  @Test
  void boundsAreInclusiveStartExclusiveEnd() {
    engine.write(new WriteBatch().put(b("a"), b("")).put(b("b"), b("")).put(b("c"), b("")));
    assertKeys(List.of(b("b")), keys(b("b"), b("c"), false));
    assertKeys(List.of(b("b")), keys(b("b"), b("c"), true));
    assertKeys(List.of(b("b"), b("c")), keys(b("b"), null, false));
    assertKeys(List.of(b("b"), b("a")), keys(null, b("c"), true));
    assertKeys(List.of(), keys(b("c"), b("b"), false));
    assertKeys(List.of(), keys(b("x"), null, false));
    assertKeys(List.of(b("c"), b("b"), b("a")), keys(null, b("z"), true));
    assertKeys(List.of(), keys(b("b"), b("b"), true));
  }

  @Test
  void reverseScanFromBetweenKeysStartsAtTheGreatestSmallerKey() {
    engine.write(new WriteBatch().put(b("a"), b("")).put(b("c"), b("")).put(b("e"), b("")));
    assertKeys(List.of(b("c"), b("a")), keys(null, b("d"), true));
    assertKeys(List.of(b("c")), keys(b("b"), b("d"), true));
  }

  @Test
  void emptyValuesAndLargeValuesRoundTrip() {
    byte[] big = new byte[1 << 20];
    new Random(1).nextBytes(big);
    engine.write(new WriteBatch().put(b("empty"), new byte[0]).put(b("big"), big));
    assertArrayEquals(new byte[0], engine.get(b("empty")));
    assertArrayEquals(big, engine.get(b("big")));
  }

  @Test
  void batchAppliesPutsAndDeletesInOrder() {
    engine.write(new WriteBatch().put(b("k"), b("1")).put(b("gone"), b("x")));
    engine.write(new WriteBatch().put(b("k"), b("2")).delete(b("gone")).put(b("k"), b("3")));
    assertArrayEquals(b("3"), engine.get(b("k")));
    assertNull(engine.get(b("gone")));
  }

  @Test
  void multiGetReturnsValuesInOrderWithNullForMissing() {
    engine.write(new WriteBatch().put(b("a"), b("1")).put(b("c"), b("3")));
    List<byte[]> values = engine.multiGet(List.of(b("a"), b("b"), b("c")));
    assertArrayEquals(b("1"), values.get(0));
    assertNull(values.get(1));
    assertArrayEquals(b("3"), values.get(2));
  }

  @Test
  void deleteRangeRemovesExactlyTheHalfOpenRange() {
    WriteBatch batch = new WriteBatch();
    for (String k : List.of("a", "b", "ba", "bz", "c", "d")) {
      batch.put(b(k), b(k));
    }
    engine.write(batch);
    engine.write(new WriteBatch().deleteRange(b("b"), b("c")));
    assertKeys(List.of(b("a"), b("c"), b("d")), keys(null, null, false));
  }

  @Test
  void checkpointRestoresAnEarlierStateIntoAChangedEngine() throws IOException {
    engine.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")));
    Path cp = tmp.resolve("checkpoint");
    engine.checkpoint(cp);
    engine.write(new WriteBatch().put(b("a"), b("changed")).delete(b("b")).put(b("c"), b("3")));
    engine.restore(cp);
    assertArrayEquals(b("1"), engine.get(b("a")));
    assertArrayEquals(b("2"), engine.get(b("b")));
    assertNull(engine.get(b("c")));
    assertTrue(Files.exists(cp), "restore must not consume the checkpoint");
  }

  @Test
  void checkpointIntoAnotherEngineInstanceCarriesEverything() {
    WriteBatch batch = new WriteBatch();
    for (int i = 0; i < 1000; i++) {
      batch.put(b("key-" + i), b("value-" + i));
    }
    engine.write(batch);
    Path cp = tmp.resolve("cp2");
    engine.checkpoint(cp);
    StorageEngine other = open(tmp.resolve("other"));
    try {
      other.restore(cp);
      for (int i = 0; i < 1000; i++) {
        assertArrayEquals(b("value-" + i), other.get(b("key-" + i)));
      }
    } finally {
      other.close();
    }
  }

  @Test
  void reopenAfterCloseKeepsData() {
    engine.write(new WriteBatch().put(b("persist"), b("yes")));
    engine.close();
    engine = open(tmp.resolve("engine"));
    if (persistsAcrossReopen()) {
      assertArrayEquals(b("yes"), engine.get(b("persist")));
    } else {
      assertNull(engine.get(b("persist")));
    }
  }

  @Test
  void sizeGrowsWithData() {
    long before = engine.approximateSizeBytes();
    byte[] value = new byte[100_000];
    engine.write(new WriteBatch().put(b("x"), value));
    assertTrue(engine.approximateSizeBytes() > before, "size grows after a 100 kB write");
  }

  @Test
  void engineIsFoundByName() {
    assertTrue(StorageEngines.available().contains(engine.name()));
    StorageException e =
        assertThrows(StorageException.class, () -> StorageEngines.open("nope", tmp.resolve("n")));
    assertTrue(e.getMessage().contains("nope"));
  }
}
