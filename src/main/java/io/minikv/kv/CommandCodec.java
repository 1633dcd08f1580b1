package io.minikv.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * The one binary codec of commands, batches and results. A batch (one Raft entry) starts with a
 * version byte, then the leader's timestamp and the encoded commands. Wire values never change once
 * released; a new field means a new version.
 */
public final class CommandCodec {
  static final int VERSION = 1;

  private static final int PUT = 1;
  private static final int DELETE = 2;
  private static final int DELETE_RANGE = 3;
  private static final int TXN = 4;
  private static final int EXPIRE = 5;
  private static final int CREATE_BUCKET = 6;
  private static final int DELETE_BUCKET = 7;
  private static final int PUT_OBJECT = 8;
  private static final int DELETE_OBJECT = 9;
  private static final int CREATE_UPLOAD = 10;
  private static final int PUT_PART = 11;
  private static final int COMPLETE_UPLOAD = 12;
  private static final int ABORT_UPLOAD = 13;

  private static final int OP_PUT = 1;
  private static final int OP_DELETE = 2;
  private static final int OP_RANGE = 3;

  private static final int R_PUT = 1;
  private static final int R_DELETE = 2;
  private static final int R_TXN = 3;
  private static final int R_PRECONDITION_FAILED = 4;
  private static final int R_RANGE = 5;
  private static final int R_BUCKET = 6;
  private static final int R_OBJECT_WRITE = 7;
  private static final int R_UPLOAD_WRITE = 8;

  private CommandCodec() {}

  /** A decoded Raft entry: the leader's clock when it was built, and its commands in order. */
  public record Batch(long leaderMillis, List<Command> commands) {}

  public static byte[] encode(Command command) {
    BinaryWriter w = new BinaryWriter(64);
    if (command instanceof Command.Put p) {
      w.u8(PUT).string(p.tenant()).bytes(p.key()).bytes(p.value()).nullableString(p.contentType());
      w.varint(p.ttlMillis()).i64(p.precondition().value());
    } else if (command instanceof Command.Delete d) {
      w.u8(DELETE).string(d.tenant()).bytes(d.key()).i64(d.precondition().value());
    } else if (command instanceof Command.DeleteRange r) {
      w.u8(DELETE_RANGE).string(r.tenant()).bytes(r.start()).nullableBytes(r.end());
    } else if (command instanceof Command.Txn t) {
      w.u8(TXN).string(t.tenant()).varint(t.compares().size());
      for (Compare c : t.compares()) {
        w.bytes(c.key()).u8(c.target().ordinal()).u8(c.op().ordinal());
        if (c.target() == Compare.Target.VALUE) {
          w.bytes(c.bytes());
        } else {
          w.i64(c.number());
        }
      }
      writeOps(w, t.success());
      writeOps(w, t.failure());
    } else if (command instanceof Command.Expire e) {
      w.u8(EXPIRE).string(e.tenant()).bytes(e.key()).i64(e.expiresAt());
    } else if (command instanceof Command.CreateBucket c) {
      w.u8(CREATE_BUCKET).string(c.tenant()).string(c.name());
    } else if (command instanceof Command.DeleteBucket d) {
      w.u8(DELETE_BUCKET).string(d.tenant()).string(d.name());
    } else if (command instanceof Command.PutObject p) {
      w.u8(PUT_OBJECT).string(p.tenant()).string(p.bucket()).string(p.key()).bytes(p.record());
    } else if (command instanceof Command.DeleteObject d) {
      w.u8(DELETE_OBJECT).string(d.tenant()).string(d.bucket()).string(d.key());
    } else if (command instanceof Command.CreateUpload c) {
      w.u8(CREATE_UPLOAD).string(c.tenant()).string(c.bucket()).string(c.key());
      w.string(c.uploadId()).bytes(c.record());
    } else if (command instanceof Command.PutPart p) {
      w.u8(PUT_PART).string(p.tenant()).string(p.bucket()).string(p.key()).string(p.uploadId());
      w.varint(p.partNumber()).bytes(p.record());
    } else if (command instanceof Command.CompleteUpload c) {
      w.u8(COMPLETE_UPLOAD).string(c.tenant()).string(c.bucket()).string(c.key());
      w.string(c.uploadId()).bytes(c.objectRecord()).varint(c.usedParts().size());
      for (int n : c.usedParts()) {
        w.varint(n);
      }
    } else if (command instanceof Command.AbortUpload a) {
      w.u8(ABORT_UPLOAD).string(a.tenant()).string(a.bucket()).string(a.key()).string(a.uploadId());
    }
    return w.toByteArray();
  }

  private static void writeOps(BinaryWriter w, List<TxnOp> ops) {
    w.varint(ops.size());
    for (TxnOp op : ops) {
      if (op instanceof TxnOp.Put p) {
        w.u8(OP_PUT).bytes(p.key()).bytes(p.value()).nullableString(p.contentType());
        w.varint(p.ttlMillis());
      } else if (op instanceof TxnOp.Delete d) {
        w.u8(OP_DELETE).bytes(d.key()).nullableBytes(d.end());
      } else if (op instanceof TxnOp.Range r) {
        w.u8(OP_RANGE).bytes(r.key()).nullableBytes(r.end()).varint(r.limit()).bool(r.keysOnly());
      }
    }
  }

  static Command decode(BinaryReader r) {
    int type = r.u8();
    String tenant = r.string();
    switch (type) {
      case PUT:
        return new Command.Put(
            tenant,
            r.bytes(),
            r.bytes(),
            r.nullableString(),
            r.varint(),
            new Precondition(r.i64()));
      case DELETE:
        return new Command.Delete(tenant, r.bytes(), new Precondition(r.i64()));
      case DELETE_RANGE:
        return new Command.DeleteRange(tenant, r.bytes(), r.nullableBytes());
      case TXN:
        int n = r.length();
        List<Compare> compares = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          byte[] key = r.bytes();
          Compare.Target target = Compare.Target.values()[r.u8()];
          Compare.Op op = Compare.Op.values()[r.u8()];
          compares.add(
              target == Compare.Target.VALUE
                  ? Compare.ofValue(key, op, r.bytes())
                  : Compare.ofNumber(key, target, op, r.i64()));
        }
        return new Command.Txn(tenant, compares, readOps(r), readOps(r));
      case EXPIRE:
        return new Command.Expire(tenant, r.bytes(), r.i64());
      case CREATE_BUCKET:
        return new Command.CreateBucket(tenant, r.string());
      case DELETE_BUCKET:
        return new Command.DeleteBucket(tenant, r.string());
      case PUT_OBJECT:
        return new Command.PutObject(tenant, r.string(), r.string(), r.bytes());
      case DELETE_OBJECT:
        return new Command.DeleteObject(tenant, r.string(), r.string());
      case CREATE_UPLOAD:
        return new Command.CreateUpload(tenant, r.string(), r.string(), r.string(), r.bytes());
      case PUT_PART:
        return new Command.PutPart(
            tenant, r.string(), r.string(), r.string(), (int) r.varint(), r.bytes());
      case COMPLETE_UPLOAD:
        {
          String bucket = r.string();
          String key = r.string();
          String uploadId = r.string();
          byte[] record = r.bytes();
          int count = r.length();
          List<Integer> parts = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            parts.add((int) r.varint());
          }
          return new Command.CompleteUpload(tenant, bucket, key, uploadId, record, parts);
        }
      case ABORT_UPLOAD:
        return new Command.AbortUpload(tenant, r.string(), r.string(), r.string());
      default:
        throw new CodecException("unknown command type " + type);
    }
  }

  private static List<TxnOp> readOps(BinaryReader r) {
    int n = r.length();
    List<TxnOp> ops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int type = r.u8();
      switch (type) {
        case OP_PUT -> ops.add(new TxnOp.Put(r.bytes(), r.bytes(), r.nullableString(), r.varint()));
        case OP_DELETE -> ops.add(new TxnOp.Delete(r.bytes(), r.nullableBytes()));
        case OP_RANGE ->
            ops.add(new TxnOp.Range(r.bytes(), r.nullableBytes(), r.length(), r.bool()));
        default -> throw new CodecException("unknown txn op type " + type);
      }
    }
    return ops;
  }

  /** Joins commands encoded by {@link #encode(Command)} into one entry. */
  public static byte[] encodeBatch(long leaderMillis, List<byte[]> encodedCommands) {
    int size = 16;
    for (byte[] c : encodedCommands) {
      size += c.length;
    }
    BinaryWriter w = new BinaryWriter(size);
    w.u8(VERSION).i64(leaderMillis).varint(encodedCommands.size());
    for (byte[] c : encodedCommands) {
      w.raw(c);
    }
    return w.toByteArray();
  }

  public static Batch decodeBatch(byte[] entry) {
    BinaryReader r = new BinaryReader(entry);
    int version = r.u8();
    if (version != VERSION) {
      throw new CodecException("unknown entry version " + version);
    }
    long millis = r.i64();
    int n = r.length();
    List<Command> commands = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      commands.add(decode(r));
    }
    return new Batch(millis, commands);
  }

  public static byte[] encodeResults(List<CommandResult> results) {
    BinaryWriter w = new BinaryWriter(16 * results.size() + 8);
    w.varint(results.size());
    for (CommandResult result : results) {
      writeResult(w, result);
    }
    return w.toByteArray();
  }

  private static void writeResult(BinaryWriter w, CommandResult result) {
    if (result instanceof CommandResult.Put p) {
      w.u8(R_PUT).i64(p.revision()).i64(p.createRevision()).i64(p.version());
    } else if (result instanceof CommandResult.Delete d) {
      w.u8(R_DELETE).i64(d.revision()).varint(d.deleted());
    } else if (result instanceof CommandResult.Txn t) {
      w.u8(R_TXN).bool(t.succeeded()).i64(t.revision()).varint(t.responses().size());
      for (CommandResult r : t.responses()) {
        writeResult(w, r);
      }
    } else if (result instanceof CommandResult.PreconditionFailed f) {
      w.u8(R_PRECONDITION_FAILED).i64(f.currentModRevision());
    } else if (result instanceof CommandResult.UploadWrite u) {
      w.u8(R_UPLOAD_WRITE).bool(u.exists()).nullableBytes(u.previous()).varint(u.released().size());
      for (byte[] b : u.released()) {
        w.bytes(b);
      }
    } else if (result instanceof CommandResult.ObjectWrite o) {
      w.u8(R_OBJECT_WRITE).bool(o.bucketExists()).nullableBytes(o.previous());
    } else if (result instanceof CommandResult.Bucket b) {
      w.u8(R_BUCKET).u8(b.outcome().ordinal());
    } else if (result instanceof CommandResult.Range r) {
      w.u8(R_RANGE).varint(r.entries().size());
      for (KeyEntry e : r.entries()) {
        w.bytes(e.key()).bytes(e.record().encode());
      }
    }
  }

  public static List<CommandResult> decodeResults(byte[] bytes) {
    BinaryReader r = new BinaryReader(bytes);
    int n = r.length();
    List<CommandResult> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      results.add(readResult(r));
    }
    return results;
  }

  private static CommandResult readResult(BinaryReader r) {
    int type = r.u8();
    switch (type) {
      case R_PUT:
        return new CommandResult.Put(r.i64(), r.i64(), r.i64());
      case R_DELETE:
        return new CommandResult.Delete(r.i64(), r.varint());
      case R_TXN:
        boolean succeeded = r.bool();
        long revision = r.i64();
        int n = r.length();
        List<CommandResult> responses = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          responses.add(readResult(r));
        }
        return new CommandResult.Txn(succeeded, revision, responses);
      case R_PRECONDITION_FAILED:
        return new CommandResult.PreconditionFailed(r.i64());
      case R_UPLOAD_WRITE:
        {
          boolean exists = r.bool();
          byte[] previous = r.nullableBytes();
          int count = r.length();
          List<byte[]> released = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            released.add(r.bytes());
          }
          return new CommandResult.UploadWrite(exists, previous, released);
        }
      case R_OBJECT_WRITE:
        return new CommandResult.ObjectWrite(r.bool(), r.nullableBytes());
      case R_BUCKET:
        return new CommandResult.Bucket(CommandResult.BucketOutcome.values()[r.u8()]);
      case R_RANGE:
        int count = r.length();
        List<KeyEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          entries.add(new KeyEntry(r.bytes(), KeyRecord.decode(r.bytes())));
        }
        return new CommandResult.Range(entries);
      default:
        throw new CodecException("unknown result type " + type);
    }
  }
}
