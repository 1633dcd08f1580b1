package io.minikv.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An ordered list of mutations applied atomically by {@link StorageEngine#write(WriteBatch)}. */
public final class WriteBatch {

  /** One mutation. */
  public sealed interface Op permits Put, Delete, DeleteRange {}

  /** Sets {@code key} to {@code value}. */
  public record Put(byte[] key, byte[] value) implements Op {}

  /** Removes {@code key}. */
  public record Delete(byte[] key) implements Op {}

  /** Removes every key in {@code [start, end)}. */
  public record DeleteRange(byte[] start, byte[] end) implements Op {}

  private final List<Op> ops = new ArrayList<>();
  private long bytes;

  public WriteBatch put(byte[] key, byte[] value) {
    ops.add(new Put(key, value));
    bytes += key.length + value.length;
    return this;
  }

  public WriteBatch delete(byte[] key) {
    ops.add(new Delete(key));
    bytes += key.length;
    return this;
  }

  public WriteBatch deleteRange(byte[] start, byte[] end) {
    ops.add(new DeleteRange(start, end));
    bytes += start.length + end.length;
    return this;
  }

  public List<Op> ops() {
    return Collections.unmodifiableList(ops);
  }

  public boolean isEmpty() {
    return ops.isEmpty();
  }

  public int size() {
    return ops.size();
  }

  /** Sum of key and value lengths, for metrics. */
  public long bytes() {
    return bytes;
  }
}
