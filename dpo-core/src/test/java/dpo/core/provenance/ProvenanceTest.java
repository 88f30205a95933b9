package dpo.core.provenance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.objective.ObjectiveProviders;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {

  @Test
  void aFileHashesAsItsBytesAcrossBufferBoundaries(@TempDir Path dir) throws IOException {
    byte[] data = new byte[(1 << 16) * 2 + 17];
    new java.util.SplittableRandom(3).nextBytes(data);
    Path file = Files.write(dir.resolve("data.bin"), data);
    assertEquals(Provenance.sha256(data), Provenance.sha256(file));
    // The digest of the empty input, as sha256sum prints it.
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Provenance.sha256(Files.write(dir.resolve("empty"), new byte[0])));
  }

  @Test
  void aFolderHashesItsFilesNamesAndContentButNotItsProvenance(@TempDir Path dir)
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve("model"));
    Files.writeString(folder.resolve("config.json"), "{}");
    Files.createDirectories(folder.resolve("sub"));
    Files.writeString(folder.resolve("sub/a.bin"), "weights");
    // The reference: per file in path order, its relative name, a zero byte, its digest.
    java.security.MessageDigest d = Provenance.newSha256();
    for (String name : new String[] {"config.json", "sub/a.bin"}) {
      d.update(name.getBytes(UTF_8));
      d.update((byte) 0);
      d.update(java.util.HexFormat.of().parseHex(Provenance.sha256(folder.resolve(name))));
    }
    String expected = java.util.HexFormat.of().formatHex(d.digest());
    assertEquals(expected, Provenance.folderSha256(folder));
    Files.writeString(folder.resolve(RunRecord.FILE), "{\"any\": 1}");
    Files.writeString(folder.resolve(".lock"), "123");
    assertEquals(expected, Provenance.folderSha256(folder), "run.json and hidden files left out");
    Files.writeString(folder.resolve("sub/a.bin"), "weightz");
    assertNotEquals(expected, Provenance.folderSha256(folder), "content counts");
    Files.writeString(folder.resolve("sub/a.bin"), "weights");
    Files.move(folder.resolve("sub/a.bin"), folder.resolve("sub/b.bin"));
    assertNotEquals(expected, Provenance.folderSha256(folder), "names count");
  }

  @Test
  void sha256MatchesTheStandardTestVectors() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Provenance.sha256(new byte[0]));
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Provenance.sha256("abc".getBytes(UTF_8)));
  }

  @Test
  void versionIsTheFilteredBuildVersion() {
    String v = Provenance.version();
    // An unfiltered resource would give the literal "${project.version}".
    assertTrue(v.matches("\\d+\\.\\d+\\.\\d+.*"), v);
  }

  @Test
  void classesFromADirectoryAreADevelopmentBuildOfTheFramework() {
    Provenance.Origin o = Provenance.origin(ObjectiveProviders.Ipo.class);
    assertTrue(Files.isDirectory(Path.of(o.source())), o.source());
    assertEquals(Provenance.version(), o.version());
  }

  @Test
  void aPluginJarIsVersionedByItsMavenDescriptorOrUnknown(@TempDir Path dir) throws Exception {
    Path described = jar(dir.resolve("described-2.3.jar"), "version=2.3.1\nartifactId=described\n");
    Path bare = jar(dir.resolve("bare.jar"), null);
    assertEquals(new Provenance.Origin("described-2.3.jar", "2.3.1"), originInside(described));
    // Not the framework's jar and nothing says its version: the framework's must not be claimed.
    assertEquals(new Provenance.Origin("bare.jar", "unknown"), originInside(bare));
  }

  /** Loads a JDK-only class from the jar, in a loader of its own, and asks for its origin. */
  private static Provenance.Origin originInside(Path jar) throws Exception {
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      Class<?> type = loader.loadClass(Provenance.Origin.class.getName());
      assertEquals(loader, type.getClassLoader());
      return Provenance.origin(type);
    }
  }

  private static Path jar(Path path, String pomProperties) throws IOException {
    String entry = Provenance.Origin.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(path);
        JarOutputStream out = new JarOutputStream(file);
        InputStream in = Provenance.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      if (pomProperties != null) {
        out.putNextEntry(new JarEntry("META-INF/maven/org.example/described/pom.properties"));
        out.write(pomProperties.getBytes(UTF_8));
      }
    }
    return path;
  }
}
