package io.minikv.kv;

import java.util.List;

/** What applying one command produced; returned to the caller that submitted it. */
public sealed interface CommandResult
    permits CommandResult.Put,
        CommandResult.Delete,
        CommandResult.Txn,
        CommandResult.PreconditionFailed,
        CommandResult.Range,
        CommandResult.Bucket,
        CommandResult.ObjectWrite,
        CommandResult.UploadWrite {

  /** A key was written at {@code revision}. */
  record Put(long revision, long createRevision, long version) implements CommandResult {}

  /** {@code deleted} keys were removed; {@code revision} is 0 when nothing was deleted. */
  record Delete(long revision, long deleted) implements CommandResult {}

  /** The rows a transaction's range read returned. */
  record Range(List<KeyEntry> entries) implements CommandResult {}

  /** A transaction ran one branch; {@code revision} is 0 when it wrote nothing. */
  record Txn(boolean succeeded, long revision, List<CommandResult> responses)
      implements CommandResult {}

  /** A precondition did not hold; nothing was written. */
  record PreconditionFailed(long currentModRevision) implements CommandResult {}

  /** The outcome of a bucket command. */
  record Bucket(BucketOutcome outcome) implements CommandResult {}

  /** What a bucket command did. */
  enum BucketOutcome {
    CREATED,
    ALREADY_EXISTS,
    DELETED,
    NOT_FOUND,
    NOT_EMPTY
  }

  /**
   * An object put or delete: {@code bucketExists} false means nothing was done; {@code previous} is
   * the record replaced or removed (null when there was none).
   */
  record ObjectWrite(boolean bucketExists, byte[] previous) implements CommandResult {}

  /**
   * A multipart step: {@code exists} false when the upload (or, for create, the bucket) does not
   * exist; {@code previous} the object or part record replaced; {@code released} part records no
   * longer referenced (their bodies can be deleted).
   */
  record UploadWrite(boolean exists, byte[] previous, List<byte[]> released)
      implements CommandResult {}
}
