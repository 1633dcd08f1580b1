package io.minikv.s3;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Decodes an {@code aws-chunked} body as it arrives, in pieces split anywhere: {@code
 * hex-size[;chunk-signature=sig]CRLF data CRLF ... 0[;chunk-signature=sig]CRLF} then optional
 * trailing headers and a final CRLF. With a signing context every chunk signature is checked
 * against the previous one (seeded by the request signature) and, for the trailer variants, the
 * {@code x-amz-trailer-signature}. Decoded data goes to the sink; trailers are kept for checksum
 * verification by the caller.
 */
final class AwsChunkedDecoder {
  private static final int MAX_LINE = 4096;

  private enum State {
    SIZE_LINE,
    DATA,
    DATA_CRLF,
    TRAILER,
    DONE
  }

  private final SigV4.Signed signed;
  private final Consumer<Buffer> sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final Map<String, String> trailers = new LinkedHashMap<>();
  private final StringBuilder canonicalTrailers = new StringBuilder();
  private String trailerSignature;
  private State state = State.SIZE_LINE;
  private long remaining;
  private String chunkSignature;
  private String previousSignature;
  private MessageDigest chunkDigest;
  private long decodedBytes;

  /** {@code signed} is null for {@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}. */
  AwsChunkedDecoder(SigV4.Signed signed, Consumer<Buffer> sink) {
    this.signed = signed;
    this.sink = sink;
    this.previousSignature = signed == null ? null : signed.seedSignature();
  }

  void feed(Buffer buffer) {
    int i = 0;
    int n = buffer.length();
    while (i < n) {
      switch (state) {
        case SIZE_LINE, TRAILER -> {
          byte b = buffer.getByte(i++);
          if (b == '\n') {
            String text = lineText();
            if (state == State.SIZE_LINE) {
              startChunk(text);
            } else {
              trailerLine(text);
            }
          } else {
            if (line.size() >= MAX_LINE) {
              throw incomplete("chunk header line too long");
            }
            line.write(b);
          }
        }
        case DATA -> {
          int take = (int) Math.min(remaining, n - i);
          Buffer part = buffer.getBuffer(i, i + take);
          if (chunkDigest != null) {
            chunkDigest.update(part.getBytes());
          }
          sink.accept(part);
          decodedBytes += take;
          remaining -= take;
          i += take;
          if (remaining == 0) {
            endChunk(false);
            state = State.DATA_CRLF;
          }
        }
        case DATA_CRLF -> {
          byte b = buffer.getByte(i++);
          if (b == '\n') {
            state = State.SIZE_LINE;
          } else if (b != '\r') {
            throw incomplete("missing CRLF after chunk data");
          }
        }
        case DONE -> throw incomplete("data after the end of the aws-chunked body");
      }
    }
  }

  private String lineText() {
    String s = line.toString(StandardCharsets.US_ASCII);
    line.reset();
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private void startChunk(String header) {
    int semi = header.indexOf(';');
    String hex = semi < 0 ? header : header.substring(0, semi);
    try {
      remaining = Long.parseLong(hex.trim(), 16);
    } catch (NumberFormatException e) {
      throw incomplete("bad chunk size '" + hex + "'");
    }
    chunkSignature = null;
    if (semi >= 0) {
      String ext = header.substring(semi + 1).trim();
      if (ext.startsWith("chunk-signature=")) {
        chunkSignature = ext.substring("chunk-signature=".length());
      }
    }
    if (signed != null && chunkSignature == null) {
      throw incomplete("a signed streaming body needs chunk-signature on every chunk");
    }
    chunkDigest = signed == null ? null : SigV4.sha256();
    if (remaining == 0) {
      endChunk(true);
      state = State.TRAILER;
    } else {
      state = State.DATA;
    }
  }

  private void endChunk(boolean last) {
    if (signed == null) {
      return;
    }
    String dataHash = HexFormat.of().formatHex(chunkDigest.digest());
    String toSign =
        "AWS4-HMAC-SHA256-PAYLOAD\n"
            + signed.amzDate()
            + "\n"
            + signed.scope()
            + "\n"
            + previousSignature
            + "\n"
            + SigV4.EMPTY_SHA256
            + "\n"
            + dataHash;
    String expected = HexFormat.of().formatHex(SigV4.hmac(signed.signingKey(), toSign));
    if (!SigV4.constantTimeEquals(expected, chunkSignature)) {
      throw S3Exception.signatureMismatch();
    }
    previousSignature = expected;
  }

  private void trailerLine(String text) {
    if (text.isEmpty()) {
      if (trailerSignature != null) {
        verifyTrailerSignature();
      } else if (signed != null && !trailers.isEmpty()) {
        throw incomplete("signed trailing headers need x-amz-trailer-signature");
      }
      state = State.DONE;
      return;
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw incomplete("bad trailing header '" + text + "'");
    }
    String name = text.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
    String value = text.substring(colon + 1).trim();
    if (name.equals("x-amz-trailer-signature")) {
      trailerSignature = value;
    } else {
      trailers.put(name, value);
      canonicalTrailers.append(name).append(':').append(value).append('\n');
    }
  }

  private void verifyTrailerSignature() {
    if (signed == null) {
      return;
    }
    String toSign =
        "AWS4-HMAC-SHA256-TRAILER\n"
            + signed.amzDate()
            + "\n"
            + signed.scope()
            + "\n"
            + previousSignature
            + "\n"
            + SigV4.sha256Hex(canonicalTrailers.toString());
    String expected = HexFormat.of().formatHex(SigV4.hmac(signed.signingKey(), toSign));
    if (!SigV4.constantTimeEquals(expected, trailerSignature)) {
      throw S3Exception.signatureMismatch();
    }
  }

  /** Call when the request body ended; fails if the chunked encoding was cut short. */
  void end() {
    if (state == State.TRAILER && line.size() == 0 && trailers.isEmpty()) {
      state = State.DONE; // no trailer section and no final CRLF: tolerated
    }
    if (state != State.DONE) {
      throw incomplete("the aws-chunked body ended early");
    }
  }

  Map<String, String> trailers() {
    return trailers;
  }

  long decodedBytes() {
    return decodedBytes;
  }

  private static S3Exception incomplete(String message) {
    return new S3Exception(400, "IncompleteBody", "Invalid aws-chunked body: " + message);
  }
}
