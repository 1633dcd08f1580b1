package io.minikv.s3;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Streams one PUT body to a temporary file (or memory, when it is declared small) with bounded
 * memory (the request is paused while the file's write queue is full), decoding aws-chunked bodies
 * and computing MD5 (the ETag), the payload SHA-256 when one was signed, and any requested
 * checksum, then verifies them all.
 */
final class ObjectUpload {
  static final long MAX_OBJECT_BYTES = 5L << 30;

  /** A verified body: a committed blob, or in memory ({@code inline}) when small. */
  record Received(
      String blobId,
      byte[] inline,
      long size,
      String md5Hex,
      String checksumAlgorithm,
      String checksum) {
    Received withBody(String blob, byte[] bytes) {
      return new Received(blob, bytes, size, md5Hex, checksumAlgorithm, checksum);
    }
  }

  private ObjectUpload() {}

  /** The digests a body is checked against, updated in order with every byte of it. */
  private static final class Digests {
    final MessageDigest md5 = md5();
    final MessageDigest sha256;
    final Checksums.Running checksum;

    Digests(boolean sha256, String algorithm) {
      this.sha256 = sha256 ? SigV4.sha256() : null;
      this.checksum = algorithm == null ? null : Checksums.start(algorithm);
    }

    void update(byte[] bytes) {
      md5.update(bytes);
      if (sha256 != null) {
        sha256.update(bytes);
      }
      if (checksum != null) {
        checksum.update(bytes);
      }
    }
  }

  /**
   * Receives a body: declared no larger than {@code inlineMax}, into memory; otherwise streamed to
   * {@code blob}'s file, verified, forced to disk and made durable in its directory.
   */
  static Future<Received> receive(
      Vertx vertx,
      HttpServerRequest req,
      Map<String, String> headers,
      SigV4.Signed signed,
      BlobStore blobs,
      BlobStore.NewBlob blob,
      Buffer preRead,
      long inlineMax) {
    String payload = headers.getOrDefault("x-amz-content-sha256", SigV4.UNSIGNED_PAYLOAD);
    boolean streaming = payload.startsWith("STREAMING-");
    long expected = expectedSize(headers, streaming);
    String algorithm = Checksums.requested(headers);
    if (algorithm != null && !Checksums.supported(algorithm)) {
      throw S3Exception.invalidArgument("Checksum algorithm '" + algorithm + "' is not supported.");
    }
    Digests digests = new Digests(payload.matches("[0-9a-f]{64}"), algorithm);
    Promise<Received> result = Promise.promise();
    // A body declared no larger than inlineMax is kept in memory (bounded by that declaration).
    Buffer memory = expected <= inlineMax ? Buffer.buffer((int) expected) : null;
    BlobWriter writer =
        memory == null ? new BlobWriter(vertx, blob.path(), digests::update, blobs.sync()) : null;
    long[] size = {0};
    Consumer<Buffer> sink =
        b -> {
          size[0] += b.length();
          if (size[0] > expected) {
            throw new S3Exception(
                400, "IncompleteBody", "The body is longer than its declared length.");
          }
          if (memory != null) {
            digests.update(b.getBytes());
            memory.appendBuffer(b);
          } else {
            writer.write(b);
            if (writer.full() && preRead == null) {
              req.pause();
              writer.drainHandler(req::resume);
            }
          }
        };
    AwsChunkedDecoder decoder =
        streaming
            ? new AwsChunkedDecoder(
                payload.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") ? signed : null, sink)
            : null;
    Consumer<Buffer> onData =
        b -> {
          if (result.future().isComplete()) {
            return;
          }
          try {
            if (decoder != null) {
              decoder.feed(b);
            } else {
              sink.accept(b);
            }
          } catch (S3Exception e) {
            result.tryFail(e);
          }
        };
    Runnable onEnd =
        () -> {
          if (result.future().isComplete()) {
            return;
          }
          try {
            if (decoder != null) {
              decoder.end();
            }
            if (size[0] != expected) {
              throw new S3Exception(
                  400,
                  "IncompleteBody",
                  "You did not provide the number of bytes specified by the Content-Length HTTP header.");
            }
          } catch (S3Exception e) {
            result.tryFail(e);
            return;
          }
          Map<String, String> trailers = decoder == null ? Map.of() : decoder.trailers();
          if (memory != null) {
            try {
              result.tryComplete(
                  verified(headers, payload, algorithm, digests, trailers, size[0])
                      .withBody(null, memory.getBytes()));
            } catch (S3Exception e) {
              result.tryFail(e);
            }
          } else {
            writer
                .finish(
                    () -> {
                      Received r =
                          verified(headers, payload, algorithm, digests, trailers, size[0]);
                      blobs.syncDirectory(blob);
                      return r.withBody(blob.id(), null);
                    })
                .onComplete(result);
          }
        };
    if (preRead != null) {
      onData.accept(preRead);
      onEnd.run();
    } else {
      req.handler(onData::accept);
      req.exceptionHandler(result::tryFail);
      req.endHandler(v -> onEnd.run());
      req.resume();
    }
    if (writer == null) {
      return result.future();
    }
    return result
        .future()
        .recover(t -> writer.abort().transform(c -> Future.<Received>failedFuture(t)));
  }

  /** Checks the body's digests against what the request declared; throws S3Exception. */
  private static Received verified(
      Map<String, String> headers,
      String payload,
      String algorithm,
      Digests digests,
      Map<String, String> trailers,
      long size) {
    String md5Hex = HexFormat.of().formatHex(digests.md5.digest());
    verifyContentMd5(headers.get("content-md5"), md5Hex);
    if (digests.sha256 != null
        && !HexFormat.of().formatHex(digests.sha256.digest()).equals(payload)) {
      throw new S3Exception(
          400,
          "XAmzContentSHA256Mismatch",
          "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    String actual = digests.checksum == null ? null : digests.checksum.base64();
    if (digests.checksum != null) {
      String given = headers.get(Checksums.PREFIX + algorithm);
      if (given == null) {
        given = trailers.get(Checksums.PREFIX + algorithm);
      }
      if (given != null && !given.equals(actual)) {
        throw new S3Exception(
            400,
            "BadDigest",
            "The "
                + algorithm.toUpperCase(java.util.Locale.ROOT)
                + " you specified did not match the calculated checksum.");
      }
    }
    return new Received(null, null, size, md5Hex, algorithm, actual);
  }

  private static long expectedSize(Map<String, String> headers, boolean streaming) {
    String length =
        streaming ? headers.get("x-amz-decoded-content-length") : headers.get("content-length");
    if (length == null) {
      if (streaming) {
        throw new S3Exception(
            411,
            "MissingContentLength",
            "You must provide the x-amz-decoded-content-length HTTP header.");
      }
      throw new S3Exception(
          411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
    }
    long n;
    try {
      n = Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("Content-Length '" + length + "' is not a number.");
    }
    if (n < 0) {
      throw S3Exception.invalidArgument("Content-Length must not be negative.");
    }
    if (n > MAX_OBJECT_BYTES) {
      throw new S3Exception(
          400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
    }
    return n;
  }

  private static void verifyContentMd5(String contentMd5, String md5Hex) {
    if (contentMd5 == null) {
      return;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(contentMd5.trim());
    } catch (IllegalArgumentException e) {
      throw new S3Exception(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    if (given.length != 16) {
      throw new S3Exception(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    if (!HexFormat.of().formatHex(given).equals(md5Hex)) {
      throw new S3Exception(
          400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
    }
  }

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
