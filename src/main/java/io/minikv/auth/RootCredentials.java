package io.minikv.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Properties;

/**
 * The root access key and secret. Taken from the configuration when set there; otherwise read from
 * {@code root-credentials} in the data directory, which the first start creates (mode 600).
 */
public record RootCredentials(String accessKey, String secretKey, boolean generated) {
  static final String FILE = "root-credentials";
  private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final String SECRET_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  /** Configured credentials win; else the stored ones; else new ones are generated and stored. */
  public static RootCredentials resolve(String accessKey, String secretKey, Path dataDir)
      throws IOException {
    if (!accessKey.isEmpty()) {
      return new RootCredentials(accessKey, secretKey, false);
    }
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      }
      return new RootCredentials(p.getProperty("access_key"), p.getProperty("secret_key"), false);
    }
    SecureRandom random = new SecureRandom();
    RootCredentials created =
        new RootCredentials(
            "MK" + randomString(random, ALPHANUMERIC, 18),
            randomString(random, SECRET_CHARS, 40),
            true);
    Files.createDirectories(dataDir);
    Properties p = new Properties();
    p.setProperty("access_key", created.accessKey());
    p.setProperty("secret_key", created.secretKey());
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
      p.store(out, "minikv root credentials; keep secret");
    }
    return created;
  }

  private static String randomString(SecureRandom random, String alphabet, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "RootCredentials[" + accessKey + ", ****]";
  }
}
