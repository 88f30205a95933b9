package dpo.core.provenance;

import dpo.api.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Facts about the software that produced a result. */
public final class Provenance {
  private Provenance() {}

  /**
   * The framework version, from the build.
   *
   * @return e.g. "0.1.0"
   */
  public static String version() {
    Properties p = new Properties();
    try (InputStream in = Provenance.class.getResourceAsStream("/dpo/core/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version", "unknown");
  }

  /**
   * The runtime: framework, Java and operating system versions.
   *
   * @return an ordered map for JSON
   */
  public static Map<String, Object> environment() {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("dpo_version", version());
    env.put("java_version", System.getProperty("java.version"));
    env.put("java_vendor", System.getProperty("java.vendor"));
    env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    env.put("arch", System.getProperty("os.arch"));
    env.put("processors", Runtime.getRuntime().availableProcessors());
    return env;
  }

  /**
   * Identifies a provider: id, implementing class and the version of its jar.
   *
   * @param provider the provider
   * @return an ordered map for JSON
   */
  public static Map<String, Object> of(Provider provider) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", provider.id());
    m.put("class", provider.getClass().getName());
    Package pkg = provider.getClass().getPackage();
    String v = pkg == null ? null : pkg.getImplementationVersion();
    m.put("version", v == null ? version() : v);
    return m;
  }

  /**
   * The SHA-256 of some bytes, hex encoded.
   *
   * @param data the bytes
   * @return 64 hex digits
   */
  public static String sha256(byte[] data) {
    return HexFormat.of().formatHex(newSha256().digest(data));
  }

  /**
   * A fresh SHA-256 digest, for streamed hashing.
   *
   * @return the digest
   */
  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
