package dpo.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.Provider;
import dpo.api.oracle.RewardOracleProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.provenance.Provenance;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpo backends|samplers|objectives}, and plugins found the way plugins/*.jar are. */
class ProvidersCommandTest {
  private static final List<String> SHIPPED_SAMPLERS =
      List.of(
          "best-of-4",
          "best-of-8",
          "dpo-mix-p",
          "dpo-mix-p-star",
          "dpo-mix-r",
          "dpo-unif",
          "half-mix-p",
          "half-mix-r",
          "hybrid",
          "mix-p",
          "mix-p-on-policy",
          "on-policy",
          "simplemix",
          "vanilla");

  @TempDir Path tmp;

  private record Result(int exitCode, String out, String err) {}

  private static Result dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  /** The table's rows (header first), split on runs of two or more spaces. */
  private static List<List<String>> table(String out) {
    return out.lines()
        .takeWhile(line -> !line.isBlank())
        .map(line -> Arrays.asList(line.split(" {2,}")))
        .toList();
  }

  private static List<String> row(List<List<String>> table, String id) {
    return table.stream()
        .filter(r -> r.get(0).equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + id + " in " + table));
  }

  @Test
  void samplersListsEveryShippedSamplerWithCapabilitiesVersionAndSource() {
    Result r = dpo("samplers");
    assertEquals(0, r.exitCode(), r.err());
    List<List<String>> table = table(r.out());
    assertEquals(
        List.of("id", "priority", "capabilities", "version", "source", "description"),
        table.get(0));
    assertEquals(SHIPPED_SAMPLERS, table.stream().skip(1).map(row -> row.get(0)).toList());
    assertEquals(
        List.of("dpo-mix-r", "0", "needs-rewards", Provenance.version()),
        row(table, "dpo-mix-r").subList(0, 4));
    assertEquals("policy-dependent", row(table, "dpo-mix-p").get(2));
    assertEquals("-", row(table, "dpo-unif").get(2));
    // Run from the build, each module's classes come from its own folder.
    assertTrue(row(table, "hybrid").get(4).contains("dpo-samplers"), table.toString());
    assertEquals(
        new dpo.samplers.HybridSamplerProvider().description(), row(table, "hybrid").get(5));
    assertTrue(!r.out().contains("problems"), r.out());
  }

  @Test
  void backendsListTheirCapabilities() {
    Result r = dpo("backends");
    assertEquals(0, r.exitCode(), r.err());
    List<List<String>> table = table(r.out());
    assertEquals(
        List.of("cpu", "100", "exact-gradient,sampled-gradient"), row(table, "cpu").subList(0, 3));
    assertTrue(row(table, "cpu").get(4).contains("dpo-backend-cpu"), table.toString());
    // cuda is listed only where the machine has a GPU (the NVIDIA driver's listing or device).
    boolean gpu =
        Files.exists(Path.of("/dev/nvidia0"))
            || Files.isDirectory(Path.of("/proc/driver/nvidia/gpus"));
    assertEquals(
        "exact-gradient,sampled-gradient,language-models,reward-models" + (gpu ? ",cuda" : ""),
        row(table, "djl").get(2),
        table.toString());
  }

  @Test
  void objectivesListTheShippedLosses() {
    Result r = dpo("objectives");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(
        List.of("hinge", "ipo", "sigmoid"),
        table(r.out()).stream().skip(1).map(row -> row.get(0)).toList());
    assertEquals("100", row(table(r.out()), "sigmoid").get(1));
  }

  @Test
  void brokenProvidersAreListedAfterTheTable() throws Exception {
    PluginLoader.services(tmp, SamplerProvider.class, "com.example.Missing");
    Result r = PluginLoader.with(() -> dpo("samplers"), tmp);
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(SHIPPED_SAMPLERS, table(r.out()).stream().skip(1).map(row -> row.get(0)).toList());
    String after = r.out().substring(r.out().indexOf("\n\n") + 2);
    assertTrue(after.startsWith("problems (these providers are skipped):"), r.out());
    assertTrue(after.contains("com.example.Missing"), r.out());
  }

  @Test
  void oraclesListTheShippedOracles() {
    Result r = dpo("oracles");
    assertEquals(0, r.exitCode(), r.err());
    List<List<String>> table = table(r.out());
    assertEquals(
        List.of("id", "priority", "capabilities", "version", "source", "description"),
        table.get(0));
    assertTrue(row(table, "command").get(4).contains("dpo-datasets"), table.toString());
    assertEquals(
        new dpo.datasets.oracle.CommandOracleProvider().description(),
        row(table, "command").get(5));
    assertTrue(table.stream().anyMatch(row -> row.get(0).equals("synthetic")), table.toString());
  }

  /** A plugin oracle that breaks as soon as anyone asks its id. */
  public static final class BrokenOracleProvider implements RewardOracleProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      throw new IllegalStateException(
          "cannot read my settings", new java.io.FileNotFoundException("oracle.properties"));
    }

    @Override
    public String description() {
      return "broken";
    }

    @Override
    public dpo.api.oracle.RewardOracle create(dpo.api.oracle.OracleConfig config) {
      throw new AssertionError("never created");
    }
  }

  @Test
  void aBrokenOracleIsReportedByOraclesAndDoesNotBlockSamplers() throws Exception {
    PluginLoader.services(tmp, RewardOracleProvider.class, BrokenOracleProvider.class.getName());
    Result samplers = PluginLoader.with(() -> dpo("samplers"), tmp);
    assertEquals(0, samplers.exitCode(), samplers.err());
    assertEquals(
        SHIPPED_SAMPLERS, table(samplers.out()).stream().skip(1).map(row -> row.get(0)).toList());

    Result oracles = PluginLoader.with(() -> dpo("oracles"), tmp);
    assertEquals(0, oracles.exitCode(), oracles.err());
    assertTrue(
        table(oracles.out()).stream().anyMatch(row -> row.get(0).equals("command")), oracles.out());
    assertTrue(
        oracles
            .out()
            .contains(
                "oracle provider "
                    + BrokenOracleProvider.class.getName()
                    + " ("
                    + Provenance.origin(BrokenOracleProvider.class).source()
                    + ") failed in id():"
                    + " java.lang.IllegalStateException: cannot read my settings"
                    + " <- java.io.FileNotFoundException: oracle.properties; it is skipped"),
        oracles.out());
  }

  @Test
  void aPluginBuiltForAnotherApiVersionIsRefusedNamingItsJarAndBothVersions() throws Exception {
    Path jar = pluginJar(tmp.resolve("half-on-policy-2.0.1.jar"), "API_VERSION + 1");
    Result listed = PluginLoader.with(() -> dpo("samplers"), jar);
    assertEquals(0, listed.exitCode(), listed.err());
    assertTrue(
        table(listed.out()).stream().noneMatch(row -> row.get(0).equals("half-on-policy")),
        listed.out());
    assertTrue(
        listed
            .out()
            .contains(
                "sampler provider com.example.HalfOnPolicyProvider"
                    + " (half-on-policy-2.0.1.jar) was built for dpo API version "
                    + (Provider.API_VERSION + 1)
                    + ", but this dpo supports API version "
                    + Provider.API_VERSION),
        listed.out());
  }

  @Test
  void aPluginJarIsListedWithItsOwnVersionAndRunsInTheStudy() throws Exception {
    Path jar = pluginJar(tmp.resolve("half-on-policy-2.0.1.jar"));
    Result listed = PluginLoader.with(() -> dpo("samplers"), jar);
    assertEquals(0, listed.exitCode(), listed.err());
    assertEquals(
        List.of(
            "half-on-policy",
            "0",
            "policy-dependent",
            "2.0.1",
            "half-on-policy-2.0.1.jar",
            "half uniform pair, half on-policy pair"),
        row(table(listed.out()), "half-on-policy"));

    Path out = tmp.resolve("run");
    Result run =
        PluginLoader.with(
            () ->
                dpo(
                    "bandit",
                    "--samplers",
                    "dpo-unif,half-on-policy",
                    "--steps",
                    "5",
                    "--out",
                    out.toString()),
            jar);
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().lines().anyMatch(l -> l.startsWith("half-on-policy ")), run.out());
    JsonNode provenance = new ObjectMapper().readTree(out.resolve("run.json").toFile());
    JsonNode plugin = provenance.get("providers").get("samplers").get(1);
    assertEquals("com.example.HalfOnPolicyProvider", plugin.get("class").asText());
    assertEquals("2.0.1", plugin.get("version").asText());
  }

  /**
   * Compiles the README's example sampler against dpo-api and packs it as Maven would: classes, the
   * service file and the Maven descriptor with its version.
   */
  private Path pluginJar(Path jar) throws IOException {
    return pluginJar(jar, "API_VERSION");
  }

  /** The same plugin, claiming to be built for the given API version (a Java expression). */
  private Path pluginJar(Path jar, String apiVersion) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assumeTrue(javac != null, "needs a JDK (javax.tools) to compile the plugin");
    Path src = tmp.resolve("src/com/example/HalfOnPolicyProvider.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        String.join(
            "\n",
            "package com.example;",
            "import dpo.api.sampler.*;",
            "import java.util.List;",
            "public final class HalfOnPolicyProvider implements SamplerProvider {",
            "  @Override public int apiVersion() { return " + apiVersion + "; }",
            "  @Override public String id() { return \"half-on-policy\"; }",
            "  @Override public String description() {",
            "    return \"half uniform pair, half on-policy pair\"; }",
            "  @Override public Sampler create() {",
            "    return () -> List.of(PairComponent.normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),",
            "        PairComponent.normalised(0.5, Tilt.POLICY, Tilt.POLICY)); }",
            "}"),
        UTF_8);
    Path classes = tmp.resolve("classes");
    String api;
    try {
      api =
          Path.of(Provider.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    int rc =
        javac.run(
            null,
            null,
            null,
            "--release",
            "17",
            "-classpath",
            api,
            "-d",
            classes.toString(),
            src.toString());
    assertEquals(0, rc, "javac of the plugin failed");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
      }
      out.putNextEntry(new JarEntry("META-INF/services/" + SamplerProvider.class.getName()));
      out.write("com.example.HalfOnPolicyProvider\n".getBytes(UTF_8));
      out.putNextEntry(new JarEntry("META-INF/maven/com.example/half-on-policy/pom.properties"));
      out.write("groupId=com.example\nartifactId=half-on-policy\nversion=2.0.1\n".getBytes(UTF_8));
    }
    return jar;
  }
}
