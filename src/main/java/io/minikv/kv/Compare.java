package io.minikv.kv;

import io.minikv.storage.Bytes;

/**
 * One compare of a transaction, as in etcd: a key's value, version, create or mod revision against
 * an operand. An absent key has version and revisions 0 and no value; a value compare on an absent
 * key is false.
 */
public record Compare(byte[] key, Target target, Op op, long number, byte[] bytes) {

  /** What is compared. */
  public enum Target {
    VALUE,
    VERSION,
    CREATE_REVISION,
    MOD_REVISION
  }

  /** How it is compared. */
  public enum Op {
    EQUAL,
    NOT_EQUAL,
    GREATER,
    LESS
  }

  public static Compare ofNumber(byte[] key, Target target, Op op, long number) {
    if (target == Target.VALUE) {
      throw new IllegalArgumentException("a value compare needs bytes");
    }
    return new Compare(key, target, op, number, null);
  }

  public static Compare ofValue(byte[] key, Op op, byte[] value) {
    return new Compare(key, Target.VALUE, op, 0, value);
  }

  boolean holds(KeyRecord record) {
    int c;
    if (target == Target.VALUE) {
      if (record == null) {
        return false;
      }
      c = Bytes.compare(record.value(), bytes);
    } else {
      long actual =
          record == null
              ? 0
              : switch (target) {
                case VERSION -> record.version();
                case CREATE_REVISION -> record.createRevision();
                case MOD_REVISION -> record.modRevision();
                case VALUE -> throw new IllegalStateException();
              };
      c = Long.compare(actual, number);
    }
    return switch (op) {
      case EQUAL -> c == 0;
      case NOT_EQUAL -> c != 0;
      case GREATER -> c > 0;
      case LESS -> c < 0;
    };
  }
}
