package dpo.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.Provider;
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
  private static final List<String> SHIPPED_SAMPLERS = List.of("dpo-mix-p", "dpo-mix-p-star",
      "dpo-mix-r", "dpo-unif", "half-mix-p", "half-mix-r", "hybrid", "mix-p", "mix-p-on-policy",
      "on-policy", "vanilla");

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
    return table.stream().filter(r -> r.get(0).equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + id + " in " + table));
  }

  @Test
  void samplersListsEveryShippedSamplerWithCapabilitiesVersionAndSource() {
    Result r = dpo("samplers");
    assertEquals(0, r.exitCode(), r.err());
    List<List<String>> table = table(r.out());
    assertEquals(List.of("id", "priority", "capabilities", "version", "source", "description"),
        table.get(0));
    assertEquals(SHIPPED_SAMPLERS, table.stream().skip(1).map(row -> row.get(0)).toList());
    assertEquals(List.of("dpo-mix-r", "0", "needs-rewards", Provenance.version()),
        row(table, "dpo-mix-r").subList(0, 4));
    assertEquals("policy-dependent", row(table, "dpo-mix-p").get(2));
    assertEquals("-", row(table, "dpo-unif").get(2));
    // Run from the build, each module's classes come from its own folder.
    assertTrue(row(table, "hybrid").get(4).contains("dpo-samplers"), table.toString());
    assertEquals(new dpo.samplers.HybridSamplerProvider().description(),
        row(table, "hybrid").get(5));
    assertTrue(!r.out().contains("problems"), r.out());
  }

  @Test
  void backendsListTheirCapabilities() {
    Result r = dpo("backends");
    assertEquals(0, r.exitCode(), r.err());
    List<List<String>> table = table(r.out());
    assertEquals(List.of("cpu", "100", "exact-gradient,sampled-gradient"),
        row(table, "cpu").subList(0, 3));
    assertTrue(row(table, "cpu").get(4).contains("dpo-backend-cpu"), table.toString());
    // cuda is listed only where the machine has a GPU (the NVIDIA driver's listing or device).
    boolean gpu = Files.exists(Path.of("/dev/nvidia0"))
        || Files.isDirectory(Path.of("/proc/driver/nvidia/gpus"));
    assertEquals("exact-gradient,sampled-gradient,language-models,reward-models"
        + (gpu ? ",cuda" : ""), row(table, "djl").get(2), table.toString());
  }

  @Test
  void objectivesListTheShippedLosses() {
    Result r = dpo("objectives");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of("hinge", "ipo", "sigmoid"),
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
  void aPluginJarIsListedWithItsOwnVersionAndRunsInTheStudy() throws Exception {
    Path jar = pluginJar(tmp.resolve("half-on-policy-2.0.1.jar"));
    Result listed = PluginLoader.with(() -> dpo("samplers"), jar);
    assertEquals(0, listed.exitCode(), listed.err());
    assertEquals(List.of("half-on-policy", "0", "policy-dependent", "2.0.1",
            "half-on-policy-2.0.1.jar", "half uniform pair, half on-policy pair"),
        row(table(listed.out()), "half-on-policy"));

    Path out = tmp.resolve("run");
    Result run = PluginLoader.with(() -> dpo("bandit", "--samplers", "dpo-unif,half-on-policy",
        "--steps", "5", "--out", out.toString()), jar);
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().lines().anyMatch(l -> l.startsWith("half-on-policy ")), run.out());
    JsonNode provenance = new ObjectMapper().readTree(out.resolve("run.json").toFile());
    JsonNode plugin = provenance.get("providers").get("samplers").get(1);
    assertEquals("com.example.HalfOnPolicyProvider", plugin.get("class").asText());
    assertEquals("2.0.1", plugin.get("version").asText());
  }

  /**
   * Compiles the README's example sampler against dpo-api and packs it as Maven would: classes,
   * the service file and the Maven descriptor with its version.
   */
  private Path pluginJar(Path jar) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assumeTrue(javac != null, "needs a JDK (javax.tools) to compile the plugin");
    Path src = tmp.resolve("src/com/example/HalfOnPolicyProvider.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, String.join("\n",
        "package com.example;",
        "import dpo.api.sampler.*;",
        "import java.util.List;",
        "public final class HalfOnPolicyProvider implements SamplerProvider {",
        "  @Override public String id() { return \"half-on-policy\"; }",
        "  @Override public String description() {",
        "    return \"half uniform pair, half on-policy pair\"; }",
        "  @Override public Sampler create() {",
        "    return () -> List.of(PairComponent.normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),",
        "        PairComponent.normalised(0.5, Tilt.POLICY, Tilt.POLICY)); }",
        "}"), UTF_8);
    Path classes = tmp.resolve("classes");
    String api;
    try {
      api = Path.of(Provider.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    int rc = javac.run(null, null, null, "--release", "17", "-classpath", api,
        "-d", classes.toString(), src.toString());
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
