package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/**
 * The launcher ({@code dpo} at the project root) starts the language-model commands without the
 * Vector API module, so that the JVM's "Using incubator modules" warning is not printed there, and
 * every other command with it, for the CPU backend's SIMD kernels. Its list is kept by hand: a new
 * command must be placed on one side, here and in the launcher, or this test fails.
 */
class LauncherTest {
  /** Commands that run the tabular CPU backend's kernels. */
  private static final Set<String> WITH_VECTOR_API = Set.of("bandit", "sweep", "bench");

  /** A line of the launcher's case that starts commands without the module. */
  private static final Pattern WITHOUT = Pattern.compile("\\n  ([a-z |]+)\\) VECTOR_API=\\(\\) ;;");

  @Test
  void everyCommandIsStartedWithOrWithoutTheVectorApiOnPurpose() throws IOException {
    String launcher = Files.readString(Path.of("..", "dpo"));
    Matcher m = WITHOUT.matcher(launcher);
    Set<String> without = new TreeSet<>();
    while (m.find()) {
      Arrays.stream(m.group(1).split("\\|")).map(String::trim).forEach(without::add);
    }
    assertTrue(!without.isEmpty(), "the launcher's lists of commands started without the module");
    Set<String> commands = new TreeSet<>();
    for (Class<?> c : Main.class.getAnnotation(Command.class).subcommands()) {
      commands.add(c.getAnnotation(Command.class).name());
    }
    Set<String> overlap = new TreeSet<>(without);
    overlap.retainAll(WITH_VECTOR_API);
    assertEquals(Set.of(), overlap, "on both sides");
    Set<String> classified = new TreeSet<>(without);
    classified.addAll(WITH_VECTOR_API);
    assertEquals(
        commands,
        classified,
        "every command of dpo must be in the launcher's list of language-model commands (started"
            + " without --add-modules jdk.incubator.vector) or in WITH_VECTOR_API");
    assertEquals(
        Set.of(
            "align",
            "backends",
            "data",
            "eval",
            "help",
            "lm",
            "objectives",
            "oracles",
            "reward",
            "samplers",
            "tokenizer",
            "train"),
        without);
  }
}
