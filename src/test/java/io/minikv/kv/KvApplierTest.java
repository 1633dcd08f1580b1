package io.minikv.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.WriteBatch;
import io.minikv.storage.memory.MemoryEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The state machine's semantics, applied to a real (memory) engine without Raft, with the recent
 * records on (every test's rewrites of a key are answered from them).
 */
class KvApplierTest {
  private static final String T = "default";
  private MemoryEngine engine;
  private KvApplier applier;
  private long index;
  private long now = 1_000_000;

  @BeforeEach
  void setUp() {
    engine = new MemoryEngine();
    applier = new KvApplier(engine, 1 << 20);
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private List<CommandResult> apply(Command... commands) {
    List<byte[]> encoded = Arrays.stream(commands).map(CommandCodec::encode).toList();
    return applier.apply(1, ++index, CommandCodec.encodeBatch(now, encoded));
  }

  private CommandResult one(Command c) {
    return apply(c).get(0);
  }

  private KeyRecord stored(String key) {
    byte[] raw = engine.get(Keyspace.kvKey(T, b(key)));
    return raw == null ? null : KeyRecord.decode(raw);
  }

  private static Command.Put put(String k, String v) {
    return new Command.Put(T, b(k), b(v), null, 0, Precondition.NONE);
  }

  @Test
  void putTracksCreateRevisionModRevisionAndVersion() {
    CommandResult.Put first = (CommandResult.Put) one(put("k", "1"));
    CommandResult.Put second = (CommandResult.Put) one(put("k", "2"));
    assertEquals(1, first.version());
    assertEquals(2, second.version());
    assertEquals(first.revision(), second.createRevision());
    assertTrue(second.revision() > first.revision());
    KeyRecord r = stored("k");
    assertArrayEquals(b("2"), r.value());
    assertEquals(second.revision(), r.modRevision());
    assertEquals(index, applier.appliedIndex());
    assertEquals(second.revision(), applier.lastRevision());
  }

  @Test
  void anEntryOfNoCommandsOnlyAdvancesTheAppliedIndex() {
    CommandResult.Put put = (CommandResult.Put) one(put("k", "1"));
    assertTrue(apply().isEmpty());
    assertEquals(index, applier.appliedIndex());
    assertEquals(put.revision(), applier.lastRevision());
    assertArrayEquals(b("1"), stored("k").value());
  }

  @Test
  void commandsInOneEntrySeeEachOtherAndGetDistinctRevisions() {
    List<CommandResult> results =
        apply(
            put("k", "1"),
            new Command.Put(T, b("k"), b("2"), null, 0, Precondition.EXISTS),
            new Command.Put(T, b("k"), b("3"), null, 0, Precondition.ABSENT));
    CommandResult.Put p1 = (CommandResult.Put) results.get(0);
    CommandResult.Put p2 = (CommandResult.Put) results.get(1);
    assertEquals(2, p2.version());
    assertEquals(p1.revision() + 1, p2.revision());
    assertEquals(
        p2.revision(),
        assertInstanceOf(CommandResult.PreconditionFailed.class, results.get(2))
            .currentModRevision());
    assertArrayEquals(b("2"), stored("k").value());
  }

  @Test
  void casOnModRevisionWritesOnlyWhenItMatches() {
    CommandResult.Put p = (CommandResult.Put) one(put("k", "1"));
    CommandResult stale =
        one(
            new Command.Put(
                T, b("k"), b("x"), null, 0, Precondition.modRevision(p.revision() + 5)));
    assertEquals(p.revision(), ((CommandResult.PreconditionFailed) stale).currentModRevision());
    CommandResult ok =
        one(new Command.Put(T, b("k"), b("y"), null, 0, Precondition.modRevision(p.revision())));
    assertInstanceOf(CommandResult.Put.class, ok);
    CommandResult del = one(new Command.Delete(T, b("k"), Precondition.modRevision(p.revision())));
    assertInstanceOf(CommandResult.PreconditionFailed.class, del);
    assertArrayEquals(b("y"), stored("k").value());
  }

  @Test
  void deleteOfAbsentKeyDeletesNothingAndUsesNoRevision() {
    long before = applier.lastRevision();
    CommandResult.Delete d =
        (CommandResult.Delete) one(new Command.Delete(T, b("none"), Precondition.NONE));
    assertEquals(0, d.deleted());
    assertEquals(before, applier.lastRevision());
  }

  @Test
  void deleteRangeRemovesLiveKeysOfTheTenantOnly() {
    apply(put("a/1", "x"), put("a/2", "x"), put("b/1", "x"));
    apply(new Command.Put("other", b("a/1"), b("x"), null, 0, Precondition.NONE));
    CommandResult.Delete d =
        (CommandResult.Delete) one(new Command.DeleteRange(T, b("a/"), b("a0")));
    assertEquals(2, d.deleted());
    assertNull(stored("a/1"));
    assertTrue(stored("b/1") != null);
    assertTrue(engine.get(Keyspace.kvKey("other", b("a/1"))) != null);
  }

  @Test
  void txnRunsSuccessBranchAtomicallyAtOneRevision() {
    one(put("balance", "10"));
    Command.Txn txn =
        new Command.Txn(
            T,
            List.of(Compare.ofValue(b("balance"), Compare.Op.EQUAL, b("10"))),
            List.of(
                new TxnOp.Put(b("balance"), b("5"), null, 0),
                new TxnOp.Put(b("spent"), b("5"), null, 0)),
            List.of(new TxnOp.Range(b("balance"), null, 0, false)));
    CommandResult.Txn r = (CommandResult.Txn) one(txn);
    assertTrue(r.succeeded());
    assertEquals(stored("balance").modRevision(), stored("spent").modRevision());
    assertEquals(r.revision(), stored("spent").modRevision());
    CommandResult.Txn again = (CommandResult.Txn) one(txn);
    assertFalse(again.succeeded());
    assertEquals(0, again.revision());
    CommandResult.Range read = (CommandResult.Range) again.responses().get(0);
    assertArrayEquals(b("5"), read.entries().get(0).record().value());
  }

  @Test
  void compareOnAbsentKeyUsesZeroRevisionsAndFailsValueCompares() {
    CommandResult.Txn r =
        (CommandResult.Txn)
            one(
                new Command.Txn(
                    T,
                    List.of(
                        Compare.ofNumber(b("new"), Compare.Target.VERSION, Compare.Op.EQUAL, 0)),
                    List.of(new TxnOp.Put(b("new"), b("v"), null, 0)),
                    List.of()));
    assertTrue(r.succeeded());
    CommandResult.Txn v =
        (CommandResult.Txn)
            one(
                new Command.Txn(
                    T,
                    List.of(Compare.ofValue(b("missing"), Compare.Op.NOT_EQUAL, b("x"))),
                    List.of(),
                    List.of()));
    assertFalse(v.succeeded());
  }

  @Test
  void expiredKeysAreInvisibleToCommandsAndRemovedByExpire() {
    CommandResult.Put p =
        (CommandResult.Put)
            one(new Command.Put(T, b("tmp"), b("v"), null, 1000, Precondition.NONE));
    long expiresAt = stored("tmp").expiresAt();
    assertEquals(now + 1000, expiresAt);
    try (KeyValueIterator it =
        engine.scan(Keyspace.ttlBound(0), Keyspace.ttlBound(Long.MAX_VALUE), false)) {
      Keyspace.TtlEntry e = Keyspace.parseTtlKey(it.next().key());
      assertEquals(expiresAt, e.expiresAt());
      assertArrayEquals(b("tmp"), e.key());
      assertEquals(T, e.tenant());
    }
    // Before expiry Expire does nothing.
    assertEquals(
        0, ((CommandResult.Delete) one(new Command.Expire(T, b("tmp"), expiresAt))).deleted());
    now += 2000;
    // Once expired the key counts as absent: a create-only put succeeds and starts at version 1.
    CommandResult.Put again =
        (CommandResult.Put) one(new Command.Put(T, b("tmp"), b("w"), null, 0, Precondition.ABSENT));
    assertEquals(1, again.version());
    assertTrue(again.createRevision() > p.createRevision());
    // An Expire for the old deadline must not delete the new value.
    assertEquals(
        0, ((CommandResult.Delete) one(new Command.Expire(T, b("tmp"), expiresAt))).deleted());
    assertArrayEquals(b("w"), stored("tmp").value());
  }

  @Test
  void expireDeletesAKeyWhoseDeadlinePassed() {
    one(new Command.Put(T, b("gone"), b("v"), null, 500, Precondition.NONE));
    long expiresAt = stored("gone").expiresAt();
    now += 600;
    assertEquals(
        1, ((CommandResult.Delete) one(new Command.Expire(T, b("gone"), expiresAt))).deleted());
    assertNull(stored("gone"));
    try (KeyValueIterator it =
        engine.scan(Keyspace.ttlBound(0), Keyspace.ttlBound(Long.MAX_VALUE), false)) {
      assertFalse(it.hasNext(), "the TTL index entry is removed too");
    }
  }

  @Test
  void appliedPositionSurvivesReload() {
    one(put("k", "v"));
    long rev = applier.lastRevision();
    KvApplier reloaded = new KvApplier(engine);
    assertEquals(index, reloaded.appliedIndex());
    assertEquals(rev, reloaded.lastRevision());
  }

  @Test
  void recentRecordsGiveTheSameResultsAndEngineContentAsReadingTheEngine() {
    MemoryEngine plainEngine = new MemoryEngine();
    KvApplier plain = new KvApplier(plainEngine, 0);
    // Room for some twenty of the ~40 keys (records and TTL entries): keys are evicted and read
    // back from the engine again.
    KvApplier cached = new KvApplier(engine, 4096);
    Random random = new Random(42);
    for (int i = 1; i <= 3000; i++) {
      List<byte[]> entry = new ArrayList<>();
      for (int c = random.nextInt(6); c >= 0; c--) {
        entry.add(CommandCodec.encode(randomCommand(random)));
      }
      now += random.nextInt(300);
      byte[] batch = CommandCodec.encodeBatch(now, entry);
      byte[] expected = CommandCodec.encodeResults(plain.apply(1, i, batch));
      assertArrayEquals(
          expected, CommandCodec.encodeResults(cached.apply(1, i, batch)), "entry " + i);
    }
    assertEquals(contentOf(plainEngine), contentOf(engine));
    assertTrue(
        cached.recentRecordCount() > 10, "records remembered: " + cached.recentRecordCount());
  }

  private static Command randomCommand(Random random) {
    byte[] key = b("k" + random.nextInt(20));
    byte[] value = b("v" + random.nextInt(1000));
    long ttl = random.nextInt(4) == 0 ? 1 + random.nextInt(2000) : 0;
    Precondition pre =
        switch (random.nextInt(4)) {
          case 0 -> Precondition.ABSENT;
          case 1 -> Precondition.EXISTS;
          default -> Precondition.NONE;
        };
    switch (random.nextInt(6)) {
      case 0:
        return new Command.Delete(T, key, pre);
      case 1:
        return new Command.DeleteRange(T, b("k1"), b("k3"));
      case 2:
        return new Command.Txn(
            T,
            List.of(Compare.ofNumber(key, Compare.Target.VERSION, Compare.Op.EQUAL, 1)),
            List.of(new TxnOp.Put(key, value, null, ttl), new TxnOp.Delete(b("k7"), null)),
            List.of(new TxnOp.Range(key, null, 0, false)));
      case 3:
        return new Command.Expire(T, key, random.nextInt(2_000_000));
      default:
        return new Command.Put(T, key, value, null, ttl, pre);
    }
  }

  private static List<String> contentOf(MemoryEngine e) {
    List<String> out = new ArrayList<>();
    try (KeyValueIterator it = e.scan(new byte[0], null, false)) {
      while (it.hasNext()) {
        KeyValue kv = it.next();
        out.add(Arrays.toString(kv.key()) + "=" + Arrays.toString(kv.value()));
      }
    }
    return out;
  }

  @Test
  void reloadForgetsRecentRecordsWhenTheEngineContentWasReplaced() {
    one(put("k", "v"));
    assertEquals(1, stored("k").version());
    // As a snapshot restore does: the engine's content changes behind the applier, then reload.
    KeyRecord restored = new KeyRecord(5, 9, 41, 0, null, b("old"));
    engine.write(new WriteBatch().put(Keyspace.kvKey(T, b("k")), restored.encode()));
    applier.reload();
    CommandResult.Put after = (CommandResult.Put) one(put("k", "w"));
    assertEquals(42, after.version());
    assertEquals(5, after.createRevision());
  }
}
