import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A small S3 load generator with no dependencies beyond the JDK, so the client spends its CPU on
 * moving bytes rather than hashing them: requests are signed with SigV4 (header form,
 * UNSIGNED-PAYLOAD), which minikv, s3proxy and AWS all accept.
 *
 * <p>Usage: java bench/S3Load.java LABEL ENDPOINT ACCESS SECRET BUCKET SECONDS SIZES CONCURRENCIES
 * (sizes like 4KiB,1MiB,64MiB; concurrencies like 1,4,16). After an unmeasured warm-up (256 KiB
 * objects, 4 workers, PUT then GET), for each size and concurrency: PUT for
 * SECONDS (each worker overwrites its own few keys), then GET for SECONDS (random keys among those
 * written, whole body read). Prints one tab-separated line per run: label size concurrency op ops/s
 * MiB/s p50_ms p99_ms errors.
 */
public final class S3Load {
  private static final DateTimeFormatter AMZ =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final int KEYS_PER_WORKER = 4;

  /** How many keys each worker of the last PUT run wrote; GETs read only those. */
  private int[] written = new int[0];

  private final String endpoint;
  private final String host;
  private final String access;
  private final String secret;
  private final String bucket;
  private final HttpClient client;

  S3Load(String endpoint, String access, String secret, String bucket) {
    this.endpoint = endpoint;
    this.host = URI.create(endpoint).getAuthority();
    this.access = access;
    this.secret = secret;
    this.bucket = bucket;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  public static void main(String[] a) throws Exception {
    String label = a[0];
    S3Load load = new S3Load(a[1], a[2], a[3], a[4]);
    int seconds = Integer.parseInt(a[5]);
    int status = load.send("PUT", "/" + load.bucket, null).statusCode();
    if (status != 200 && status != 409) {
      throw new IllegalStateException("create bucket: HTTP " + status);
    }
    // Warm both JVMs (JIT, connection pools) before anything is measured.
    byte[] warm = new byte[256 << 10];
    load.run("PUT", warm, 4, Math.max(3, seconds / 2));
    load.run("GET", warm, 4, Math.max(3, seconds / 2));
    for (String size : a[6].split(",")) {
      byte[] body = new byte[(int) parseSize(size)];
      new Random(1).nextBytes(body);
      for (String c : a[7].split(",")) {
        int workers = Integer.parseInt(c);
        for (String op : List.of("PUT", "GET")) {
          Result r = load.run(op, body, workers, seconds);
          System.out.printf(
              "%s\t%s\t%d\t%s\t%.1f\t%.1f\t%.2f\t%.2f\t%d%n",
              label,
              size,
              workers,
              op,
              r.ops / r.seconds,
              r.ops * (double) body.length / r.seconds / (1 << 20),
              r.percentile(0.50),
              r.percentile(0.99),
              r.errors);
          System.out.flush();
        }
      }
    }
  }

  static long parseSize(String s) {
    String t = s.trim();
    if (t.endsWith("KiB")) {
      return Long.parseLong(t.substring(0, t.length() - 3)) << 10;
    }
    if (t.endsWith("MiB")) {
      return Long.parseLong(t.substring(0, t.length() - 3)) << 20;
    }
    return Long.parseLong(t);
  }

  record Result(long ops, long errors, double seconds, long[] nanos) {
    double percentile(double p) {
      if (nanos.length == 0) {
        return 0;
      }
      return nanos[(int) Math.min(nanos.length - 1, Math.floor(p * nanos.length))] / 1e6;
    }
  }

  private static String key(long size, int worker, int n) {
    return "/obj-" + size + "-" + worker + "-" + n;
  }

  Result run(String op, byte[] body, int workers, int seconds) throws Exception {
    if (op.equals("PUT")) {
      written = new int[workers];
    }
    int[] readable = written;
    if (op.equals("GET") && Arrays.stream(readable).sum() == 0) {
      return new Result(0, 0, 1, new long[0]);
    }
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    List<Future<long[]>> all = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      all.add(
          pool.submit(
              () -> {
                long[] lat = new long[1024];
                int n = 0;
                long errors = 0;
                int i = 0;
                while (System.nanoTime() < end) {
                  String path;
                  if (op.equals("PUT")) {
                    path = "/" + bucket + key(body.length, worker, i % KEYS_PER_WORKER);
                  } else {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    int owner = r.nextInt(readable.length);
                    while (readable[owner] == 0) {
                      owner = (owner + 1) % readable.length;
                    }
                    path = "/" + bucket + key(body.length, owner, r.nextInt(readable[owner]));
                  }
                  long t0 = System.nanoTime();
                  HttpResponse<?> res = send(op, path, op.equals("PUT") ? body : null);
                  long t1 = System.nanoTime();
                  if (res.statusCode() != 200) {
                    errors++;
                    continue;
                  }
                  if (op.equals("PUT")) {
                    i++;
                    readable[worker] = Math.min(i, KEYS_PER_WORKER);
                  }
                  if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                  }
                  lat[n++] = t1 - t0;
                }
                long[] out = Arrays.copyOf(lat, n + 1);
                out[n] = errors;
                return out;
              }));
    }
    List<Long> latencies = new ArrayList<>();
    long errors = 0;
    for (Future<long[]> f : all) {
      long[] r = f.get();
      for (int i = 0; i < r.length - 1; i++) {
        latencies.add(r[i]);
      }
      errors += r[r.length - 1];
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Result(sorted.length, errors, elapsed, sorted);
  }

  HttpResponse<?> send(String method, String path, byte[] body) throws Exception {
    String date = AMZ.format(ZonedDateTime.now(ZoneOffset.UTC));
    String day = date.substring(0, 8);
    String scope = day + "/us-east-1/s3/aws4_request";
    String canonical =
        method
            + "\n"
            + path
            + "\n\nhost:"
            + host
            + "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:"
            + date
            + "\n\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD";
    String toSign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + sha256Hex(canonical);
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), day);
    k = hmac(k, "us-east-1");
    k = hmac(k, "s3");
    k = hmac(k, "aws4_request");
    String signature = HexFormat.of().formatHex(hmac(k, toSign));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(endpoint + path))
            .timeout(Duration.ofMinutes(2))
            .header("x-amz-date", date)
            .header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential="
                    + access
                    + "/"
                    + scope
                    + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
                    + signature)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.discarding());
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256Hex(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
