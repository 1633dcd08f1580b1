package io.minikv.s3;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Writes an upload's body to a file off the event loop in batches of about 1 MiB, one blocking task
 * per batch, in order (a task per network buffer costs more in thread hand-offs than the writes
 * themselves). Each batch is also handed to {@code observer} on the writing thread, in order, so
 * hashing leaves the event loop too. Memory stays bounded: {@link #full} says when the caller
 * should pause its source until {@code drain} runs.
 */
final class BlobWriter {
  private static final int BATCH = 1 << 20;
  private static final int MAX_QUEUED = 2;
  private static final long SYNC_EVERY = 8L << 20;

  private final Vertx vertx;
  private final Path file;
  private final Consumer<byte[]> observer;
  private final boolean sync;
  private volatile FileChannel channel;
  private long unsynced;
  private Future<Void> syncing = Future.succeededFuture();
  private Buffer pending = Buffer.buffer();
  private Future<Void> tail = Future.succeededFuture();
  private int queued;
  private Runnable drain;

  /** {@code sync}: force the file to disk before {@link #finish} completes. */
  BlobWriter(Vertx vertx, Path file, Consumer<byte[]> observer, boolean sync) {
    this.vertx = vertx;
    this.file = file;
    this.observer = observer;
    this.sync = sync;
  }

  /** Appends bytes; on the event loop. */
  void write(Buffer b) {
    pending.appendBuffer(b);
    if (pending.length() >= BATCH) {
      flush();
    }
  }

  /** Whether the caller should pause until {@code drain} runs. */
  boolean full() {
    return queued >= MAX_QUEUED;
  }

  void drainHandler(Runnable drain) {
    this.drain = drain;
  }

  private void flush() {
    byte[] batch = pending.getBytes();
    pending = Buffer.buffer();
    queued++;
    tail =
        tail.compose(v -> vertx.executeBlocking(() -> writeBatch(batch), false))
            .onComplete(
                ar -> {
                  queued--;
                  unsynced += batch.length;
                  if (ar.succeeded() && sync && unsynced >= SYNC_EVERY && syncing.isComplete()) {
                    // Flush what is written so far beside the writes that follow, so the
                    // final force has little left to do.
                    unsynced = 0;
                    syncing =
                        vertx.executeBlocking(
                            () -> {
                              channel.force(false);
                              return null;
                            },
                            false);
                  }
                  Runnable d = drain;
                  if (d != null && !full()) {
                    drain = null;
                    d.run();
                  }
                });
  }

  private Void writeBatch(byte[] batch) throws IOException {
    if (channel == null) {
      java.nio.file.Files.createDirectories(file.getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
    observer.accept(batch);
    ByteBuffer bb = ByteBuffer.wrap(batch);
    while (bb.hasRemaining()) {
      channel.write(bb);
    }
    return null;
  }

  /**
   * Writes what is left, forces the file to disk and closes it, then runs {@code then} on the same
   * worker thread (after every batch has been observed).
   */
  <T> Future<T> finish(Callable<T> then) {
    flush();
    Future<Void> background = syncing.recover(t -> Future.succeededFuture());
    return tail.compose(v -> background)
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      if (channel == null) {
                        writeBatch(new byte[0]);
                      }
                      if (sync) {
                        // fdatasync: the data and the size, which is all a reader needs.
                        channel.force(false);
                      }
                      channel.close();
                      return then.call();
                    },
                    false));
  }

  /** Closes the file after a failure (the caller deletes it). */
  Future<Void> abort() {
    Future<Void> background = syncing.recover(t -> Future.succeededFuture());
    return tail.recover(t -> Future.succeededFuture())
        .compose(v -> background)
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      if (channel != null) {
                        channel.close();
                      }
                      return null;
                    },
                    false));
  }
}
