package dpo.core.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Facts about the software that produced a result; {@link RunRecord} is the record of a run. */
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
   * Where a class was loaded from and the version of what holds it.
   *
   * @param source the jar file name, the class directory, or "unknown"
   * @param version the version, or "unknown"
   */
  public record Origin(String source, String version) {
    /**
     * Checks the components.
     *
     * @param source the jar file name, the class directory, or "unknown"
     * @param version the version, or "unknown"
     */
    public Origin {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(version, "version");
    }
  }

  /**
   * Where a class (typically a provider) comes from. The version is, in order: the jar manifest's
   * {@code Implementation-Version}; the version in the jar's Maven descriptor ({@code
   * META-INF/maven/.../pom.properties}) when the jar holds exactly one; the framework's version for
   * the framework's own jar and for class directories (a development build); otherwise "unknown",
   * so that a plugin jar without version information is not credited with the framework's version.
   *
   * @param type the class
   * @return its origin
   */
  public static Origin origin(Class<?> type) {
    Path location = location(type);
    Package pkg = type.getPackage();
    String declared = pkg == null ? null : pkg.getImplementationVersion();
    if (location == null) {
      return new Origin("unknown", declared != null ? declared : "unknown");
    }
    if (Files.isDirectory(location)) {
      return new Origin(location.toString(), declared != null ? declared : version());
    }
    String source = String.valueOf(location.getFileName());
    if (declared != null) {
      return new Origin(source, declared);
    }
    String fromPom = pomVersion(location);
    if (fromPom != null) {
      return new Origin(source, fromPom);
    }
    return new Origin(source, location.equals(location(Provenance.class)) ? version() : "unknown");
  }

  private static Path location(Class<?> type) {
    CodeSource cs = type.getProtectionDomain().getCodeSource();
    if (cs == null || cs.getLocation() == null) {
      return null;
    }
    try {
      return Path.of(cs.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
      // Not a local file (e.g. a remote or in-memory code source): nothing to read a version from.
      return null;
    }
  }

  /** The version of the jar's only Maven descriptor; null when it has none or several (shaded). */
  private static String pomVersion(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry only = null;
      for (JarEntry e : Collections.list(file.entries())) {
        if (e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties")) {
          if (only != null) {
            return null;
          }
          only = e;
        }
      }
      if (only == null) {
        return null;
      }
      Properties p = new Properties();
      try (InputStream in = file.getInputStream(only)) {
        p.load(in);
      }
      return p.getProperty("version");
    } catch (IOException e) {
      // An unreadable jar has no readable version; the listing says "unknown" rather than failing.
      return null;
    }
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
   * The SHA-256 of a file's bytes, hex encoded, read in a stream (bounded memory).
   *
   * @param file the file
   * @return 64 hex digits
   * @throws UncheckedIOException if the file cannot be read
   */
  public static String sha256(Path file) {
    MessageDigest digest = newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (" + e.getMessage() + ")", e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * The SHA-256 over a folder's files (relative path and content, in path order), provenance and
   * hidden files excluded.
   *
   * @param folder the folder
   * @return 64 hex digits
   */
  public static String folderSha256(Path folder) {
    MessageDigest digest = newSha256();
    try (Stream<Path> walk = Files.walk(folder)) {
      List<Path> files =
          walk.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .filter(p -> !p.getFileName().toString().equals(RunRecord.FILE))
              .sorted()
              .toList();
      for (Path f : files) {
        digest.update(folder.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(HexFormat.of().parseHex(sha256(f)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder + " (" + e.getMessage() + ")", e);
    }
    return HexFormat.of().formatHex(digest.digest());
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
