package io.minikv.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandCodecTest {
  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void everyCommandSurvivesAnEntryRoundTrip() {
    List<Command> commands =
        List.of(
            new Command.Put(
                "default",
                b("k"),
                new byte[] {0, -1, 7},
                "text/plain",
                30_000,
                Precondition.ABSENT),
            new Command.Put("t2", b("k2"), new byte[0], null, 0, Precondition.modRevision(42)),
            new Command.Delete("default", b("d"), Precondition.EXISTS),
            new Command.DeleteRange("default", b("a"), null),
            new Command.DeleteRange("default", b("a"), b("b")),
            new Command.Txn(
                "default",
                List.of(
                    Compare.ofValue(b("x"), Compare.Op.EQUAL, b("v")),
                    Compare.ofNumber(b("y"), Compare.Target.MOD_REVISION, Compare.Op.LESS, 9)),
                List.of(
                    new TxnOp.Put(b("x"), b("1"), "a/b", 5),
                    new TxnOp.Delete(b("z"), null),
                    new TxnOp.Range(b("a"), b("b"), 10, true)),
                List.of(new TxnOp.Delete(b("p"), new byte[0]))),
            new Command.Expire("default", b("e"), 123456789L));
    List<byte[]> encoded = commands.stream().map(CommandCodec::encode).toList();
    CommandCodec.Batch batch = CommandCodec.decodeBatch(CommandCodec.encodeBatch(77, encoded));
    assertEquals(77, batch.leaderMillis());
    assertEquals(commands.size(), batch.commands().size());
    for (int i = 0; i < commands.size(); i++) {
      // Records compare arrays by identity, so compare the canonical encodings instead.
      assertArrayEquals(
          encoded.get(i), CommandCodec.encode(batch.commands().get(i)), "command " + i);
    }
    Command.Put put = (Command.Put) batch.commands().get(0);
    assertArrayEquals(new byte[] {0, -1, 7}, put.value());
    assertEquals("text/plain", put.contentType());
    assertNull(((Command.Put) batch.commands().get(1)).contentType());
  }

  @Test
  void resultsRoundTrip() {
    KeyRecord record = new KeyRecord(1, 2, 3, 0, "c/t", b("val"));
    List<CommandResult> results =
        List.of(
            new CommandResult.Put(5, 4, 2),
            new CommandResult.Delete(6, 1),
            new CommandResult.PreconditionFailed(9),
            new CommandResult.Txn(
                true,
                10,
                List.of(
                    new CommandResult.Put(10, 10, 1),
                    new CommandResult.Range(List.of(new KeyEntry(b("k"), record))))));
    List<CommandResult> decoded = CommandCodec.decodeResults(CommandCodec.encodeResults(results));
    assertEquals(results.subList(0, 3), decoded.subList(0, 3));
    CommandResult.Txn txn = assertInstanceOf(CommandResult.Txn.class, decoded.get(3));
    CommandResult.Range range = assertInstanceOf(CommandResult.Range.class, txn.responses().get(1));
    assertArrayEquals(b("val"), range.entries().get(0).record().value());
    assertEquals("c/t", range.entries().get(0).record().contentType());
  }

  @Test
  void unknownVersionOrTruncatedEntryIsRejected() {
    byte[] entry =
        CommandCodec.encodeBatch(
            1, List.of(CommandCodec.encode(new Command.Expire("t", b("k"), 1))));
    byte[] wrongVersion = entry.clone();
    wrongVersion[0] = 99;
    assertThrows(CodecException.class, () -> CommandCodec.decodeBatch(wrongVersion));
    byte[] truncated = java.util.Arrays.copyOf(entry, entry.length - 3);
    assertThrows(CodecException.class, () -> CommandCodec.decodeBatch(truncated));
  }

  @Test
  void revisionsStrictlyIncreaseEvenWhenTheClockGoesBack() {
    long r1 = Revisions.next(0, 1000);
    long r2 = Revisions.next(r1, 1000);
    long r3 = Revisions.next(r2, 900);
    long r4 = Revisions.next(r3, 2000);
    assertEquals(1000L << 16, r1);
    assertEquals(r1 + 1, r2);
    assertEquals(r2 + 1, r3);
    assertEquals(2000L << 16, r4);
    assertEquals(2000, Revisions.millis(r4));
  }
}
