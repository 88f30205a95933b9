package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tests here run Spark in-process ({@code dpo sweep}, {@code align --engine spark}), so their
 * JVM gets Spark's options on Java 17 ({@code dpo.spark.jvm.flags} of the top pom), as dpo-spark's
 * tests and the launcher do: without them a task that fails makes Spark's SerializationDebugger
 * fail to start and the job hang instead of failing.
 */
class SparkJvmFlagsTest {

  @Test
  void theTestJvmOpensJavaBaseToSparkAsTheLauncherDoes() {
    Module unnamed = SparkJvmFlagsTest.class.getModule();
    for (String pkg :
        List.of(
            "java.lang", "java.lang.invoke", "java.io", "java.nio", "java.util", "sun.nio.ch")) {
      assertTrue(Object.class.getModule().isOpen(pkg, unnamed), "java.base/" + pkg + " not open");
    }
    assertTrue(
        "false".equals(System.getProperty("jdk.reflect.useDirectMethodHandle")),
        "-Djdk.reflect.useDirectMethodHandle=false is missing");
  }
}
