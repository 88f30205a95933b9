package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpo align --engine spark} where the dpo-spark module is not on the class path (a jar run
 * without the launcher, or a build without the module): one line naming the option, exit 2.
 */
class AlignEngineTest {
  @TempDir Path tmp;

  @Test
  void sparkEngineWithoutTheSparkModuleIsOneLineAndExitTwo() throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String withoutSpark =
        Arrays.stream(classPath.split(File.pathSeparator))
            .filter(entry -> !entry.contains("dpo-spark"))
            .collect(Collectors.joining(File.pathSeparator));
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "-Dai.djl.offline=true",
                "-DOPT_OUT_TRACKING=true",
                "-cp",
                withoutSpark,
                "dpo.bench.Main",
                "align",
                "--quick",
                "--engine",
                "spark",
                "--out",
                tmp.resolve("out").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    List<String> lines =
        err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    assertEquals(
        List.of(
            "dpo align: --engine: the spark engine needs the dpo-spark module, which is not on the"
                + " class path; the dpo launcher adds it (dpo-spark/target/dpo-spark.jar and"
                + " dpo-spark/target/lib/*), or use the local engine"),
        lines,
        err);
    assertEquals(2, p.exitValue());
  }
}
