package io.minikv.s3;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 verification for S3: the {@code Authorization} header form and the
 * presigned-URL (query) form. Signatures are compared in constant time. A verified request yields a
 * {@link Signed} with what chunk-signature verification of a streaming body needs.
 */
public final class SigV4 {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final long MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

  /** A request as the verifier needs to see it. Header names are lower case. */
  public record Request(
      String method, String rawPath, String rawQuery, Map<String, String> headers) {}

  /** What a verified request carries on to body verification. */
  public record Signed(
      String accessKey,
      String amzDate,
      String scope,
      byte[] signingKey,
      String seedSignature,
      String payloadHash) {}

  private final Function<String, String> secretOf;

  /** {@code secretOf} returns the secret of an access key, or null when the key is unknown. */
  public SigV4(Function<String, String> secretOf) {
    this.secretOf = secretOf;
  }

  /** Verifies the request's signature; throws an {@link S3Exception} naming what is wrong. */
  public Signed verify(Request req, Instant now) {
    String auth = req.headers().get("authorization");
    Map<String, String> query = parseQuery(req.rawQuery());
    if (auth != null) {
      return verifyHeader(req, auth, query, now);
    }
    if (query.containsKey("X-Amz-Signature")) {
      return verifyPresigned(req, query, now);
    }
    throw S3Exception.accessDenied("Anonymous access is not allowed; sign the request with SigV4.");
  }

  private Signed verifyHeader(Request req, String auth, Map<String, String> query, Instant now) {
    if (!auth.startsWith(ALGORITHM + " ")) {
      throw new S3Exception(
          400, "AuthorizationHeaderMalformed", "Only AWS4-HMAC-SHA256 signatures are supported.");
    }
    Map<String, String> parts = new TreeMap<>();
    for (String p : auth.substring(ALGORITHM.length() + 1).split(",")) {
      int eq = p.indexOf('=');
      if (eq > 0) {
        parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
      }
    }
    String credential = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credential == null || signedHeaders == null || signature == null) {
      throw new S3Exception(
          400,
          "AuthorizationHeaderMalformed",
          "The authorization header is malformed; it needs Credential, SignedHeaders and Signature.");
    }
    String amzDate = req.headers().get("x-amz-date");
    if (amzDate == null) {
      throw S3Exception.accessDenied("The request needs an x-amz-date header.");
    }
    Instant at = parseDate(amzDate);
    if (Duration.between(at, now).abs().compareTo(MAX_SKEW) > 0) {
      throw new S3Exception(
          403,
          "RequestTimeTooSkewed",
          "The difference between the request time and the current time is too large.");
    }
    String payloadHash = req.headers().get("x-amz-content-sha256");
    if (payloadHash == null) {
      throw new S3Exception(
          400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    }
    return check(req, query, credential, signedHeaders, signature, amzDate, payloadHash, false);
  }

  private Signed verifyPresigned(Request req, Map<String, String> query, Instant now) {
    if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) {
      throw new S3Exception(
          400, "AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256.");
    }
    String credential = query.get("X-Amz-Credential");
    String signedHeaders = query.get("X-Amz-SignedHeaders");
    String amzDate = query.get("X-Amz-Date");
    String expires = query.get("X-Amz-Expires");
    if (credential == null || signedHeaders == null || amzDate == null || expires == null) {
      throw new S3Exception(
          400,
          "AuthorizationQueryParametersError",
          "Query-string authentication needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders.");
    }
    long seconds;
    try {
      seconds = Long.parseLong(expires);
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
      throw new S3Exception(
          400,
          "AuthorizationQueryParametersError",
          "X-Amz-Expires must be between 1 and 604800 seconds.");
    }
    Instant at = parseDate(amzDate);
    if (now.isAfter(at.plusSeconds(seconds))) {
      throw S3Exception.accessDenied("Request has expired");
    }
    if (at.isAfter(now.plus(MAX_SKEW))) {
      throw S3Exception.accessDenied("Request is not valid yet");
    }
    String payloadHash = req.headers().getOrDefault("x-amz-content-sha256", UNSIGNED_PAYLOAD);
    return check(
        req,
        query,
        credential,
        signedHeaders,
        query.get("X-Amz-Signature"),
        amzDate,
        UNSIGNED_PAYLOAD.equals(payloadHash) ? UNSIGNED_PAYLOAD : payloadHash,
        true);
  }

  private Signed check(
      Request req,
      Map<String, String> query,
      String credential,
      String signedHeaders,
      String signature,
      String amzDate,
      String payloadHash,
      boolean presigned) {
    String[] cred = credential.split("/");
    if (cred.length != 5 || !cred[3].equals("s3") || !cred[4].equals("aws4_request")) {
      throw new S3Exception(
          400,
          "AuthorizationHeaderMalformed",
          "The credential must be <access-key>/<date>/<region>/s3/aws4_request.");
    }
    String accessKey = cred[0];
    String secret = secretOf.apply(accessKey);
    if (secret == null) {
      throw new S3Exception(
          403,
          "InvalidAccessKeyId",
          "The AWS Access Key Id you provided does not exist in our records.");
    }
    if (!amzDate.startsWith(cred[1])) {
      throw new S3Exception(
          400, "AuthorizationHeaderMalformed", "The credential date does not match x-amz-date.");
    }
    String scope = cred[1] + "/" + cred[2] + "/s3/aws4_request";
    StringBuilder canonical = new StringBuilder();
    canonical.append(req.method()).append('\n');
    // Clients differ in what they escape; S3 signs the path encoded once, '/' kept.
    canonical.append(UriEncoding.encode(UriEncoding.decode(req.rawPath()), false)).append('\n');
    canonical.append(canonicalQuery(req.rawQuery(), presigned)).append('\n');
    List<String> names = List.of(signedHeaders.split(";"));
    for (String name : names) {
      String value = req.headers().get(name);
      if (value == null) {
        throw S3Exception.accessDenied("Signed header '" + name + "' is missing from the request.");
      }
      canonical.append(name).append(':').append(value.trim().replaceAll(" +", " ")).append('\n');
    }
    canonical.append('\n').append(signedHeaders).append('\n').append(payloadHash);
    String stringToSign =
        ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonical.toString());
    byte[] key = signingKey(secret, cred[1], cred[2]);
    String expected = HexFormat.of().formatHex(hmac(key, stringToSign));
    if (!constantTimeEquals(expected, signature)) {
      throw S3Exception.signatureMismatch();
    }
    return new Signed(accessKey, amzDate, scope, key, expected, payloadHash);
  }

  private static Instant parseDate(String amzDate) {
    try {
      return Instant.from(AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      throw S3Exception.accessDenied(
          "x-amz-date '" + amzDate + "' is not in ISO 8601 basic format");
    }
  }

  /** Query parameters of the raw query, decoded, first value wins. */
  static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> out = new TreeMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = UriEncoding.decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : UriEncoding.decode(pair.substring(eq + 1));
      out.putIfAbsent(k, v);
    }
    return out;
  }

  /** Sorted by encoded name then value, re-encoded the AWS way; X-Amz-Signature left out. */
  static String canonicalQuery(String rawQuery, boolean presigned) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> pairs = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = UriEncoding.decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : UriEncoding.decode(pair.substring(eq + 1));
      if (presigned && k.equals("X-Amz-Signature")) {
        continue;
      }
      pairs.add(new String[] {UriEncoding.encode(k, true), UriEncoding.encode(v, true)});
    }
    pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    StringBuilder sb = new StringBuilder();
    for (String[] p : pairs) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(p[0]).append('=').append(p[1]);
    }
    return sb.toString();
  }

  static byte[] signingKey(String secret, String date, String region) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, "s3");
    return hmac(k, "aws4_request");
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256Hex(String s) {
    return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.US_ASCII),
        b.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }
}
