package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Parsing of aws-chunked bodies split anywhere, chunk and trailer signature chains, and tamper
 * detection. (Interoperability with real clients is covered by the AWS SDK tests.)
 */
class AwsChunkedDecoderTest {
  private static final SigV4.Signed SIGNED =
      new SigV4.Signed(
          "AK",
          "20261122T050000Z",
          "20261122/us-east-1/s3/aws4_request",
          SigV4.signingKey("secret", "20261122", "us-east-1"),
          "0".repeat(64),
          "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");

  /** Builds a body the way a signing client does, chunk by chunk. */
  private static byte[] signedBody(byte[] data, int chunk, String trailer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String prev = SIGNED.seedSignature();
    for (int off = 0; ; off += chunk) {
      int n = Math.max(0, Math.min(chunk, data.length - off));
      byte[] part =
          Arrays.copyOfRange(data, Math.min(off, data.length), Math.min(off, data.length) + n);
      String toSign =
          "AWS4-HMAC-SHA256-PAYLOAD\n"
              + SIGNED.amzDate()
              + "\n"
              + SIGNED.scope()
              + "\n"
              + prev
              + "\n"
              + SigV4.EMPTY_SHA256
              + "\n"
              + HexFormat.of().formatHex(SigV4.sha256().digest(part));
      prev = HexFormat.of().formatHex(SigV4.hmac(SIGNED.signingKey(), toSign));
      out.writeBytes(
          (Integer.toHexString(n) + ";chunk-signature=" + prev + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(part);
      if (n == 0) {
        break;
      }
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    if (trailer != null) {
      String toSign =
          "AWS4-HMAC-SHA256-TRAILER\n"
              + SIGNED.amzDate()
              + "\n"
              + SIGNED.scope()
              + "\n"
              + prev
              + "\n"
              + SigV4.sha256Hex(trailer + "\n");
      String sig = HexFormat.of().formatHex(SigV4.hmac(SIGNED.signingKey(), toSign));
      out.writeBytes(
          (trailer + "\r\nx-amz-trailer-signature:" + sig + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static byte[] decode(byte[] body, int pieceSize, SigV4.Signed signed) {
    Buffer out = Buffer.buffer();
    AwsChunkedDecoder d = new AwsChunkedDecoder(signed, out::appendBuffer);
    for (int off = 0; off < body.length; off += pieceSize) {
      d.feed(Buffer.buffer(Arrays.copyOfRange(body, off, Math.min(body.length, off + pieceSize))));
    }
    d.end();
    return out.getBytes();
  }

  @Test
  void decodesSignedChunksWithATrailerHoweverTheBodyIsSplit() {
    byte[] data = new byte[70_000];
    new Random(3).nextBytes(data);
    byte[] body = signedBody(data, 8192, "x-amz-checksum-crc32:AAAAAA==");
    for (int piece : new int[] {1, 7, 100, 8192, body.length}) {
      assertArrayEquals(data, decode(body, piece, SIGNED), "pieces of " + piece);
    }
    Buffer sink = Buffer.buffer();
    AwsChunkedDecoder d = new AwsChunkedDecoder(SIGNED, sink::appendBuffer);
    d.feed(Buffer.buffer(body));
    d.end();
    assertEquals("AAAAAA==", d.trailers().get("x-amz-checksum-crc32"));
    assertEquals(70_000, d.decodedBytes());
  }

  @Test
  void aTamperedChunkOrTrailerFailsTheSignature() {
    byte[] data = "hello, chunked world".getBytes(StandardCharsets.UTF_8);
    byte[] body = signedBody(data, 8, "x-amz-checksum-crc32:AAAAAA==");
    byte[] tampered = body.clone();
    int at = new String(body, StandardCharsets.ISO_8859_1).indexOf("hello");
    tampered[at] = 'j';
    assertEquals(
        "SignatureDoesNotMatch",
        assertThrows(S3Exception.class, () -> decode(tampered, 5, SIGNED)).code());
    byte[] badTrailer =
        new String(body, StandardCharsets.ISO_8859_1)
            .replace("AAAAAA==", "BBBBBB==")
            .getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(
        "SignatureDoesNotMatch",
        assertThrows(S3Exception.class, () -> decode(badTrailer, 64, SIGNED)).code());
  }

  @Test
  void unsignedTrailerBodiesAndTruncationAreHandled() {
    byte[] unsigned =
        "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), decode(unsigned, 3, null));
    byte[] cut = Arrays.copyOf(unsigned, 10);
    assertEquals(
        "IncompleteBody", assertThrows(S3Exception.class, () -> decode(cut, 4, null)).code());
    byte[] garbage = "zz\r\n".getBytes(StandardCharsets.US_ASCII);
    assertEquals(
        "IncompleteBody", assertThrows(S3Exception.class, () -> decode(garbage, 4, null)).code());
  }
}
