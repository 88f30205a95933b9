package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every user error names the right option once, in one line, without a stack trace, with exit 2 (3
 * for divergence): a table per command of arguments, exit code and the first line's start.
 */
class UserErrorsTest {
  @TempDir static Path tmp;

  private record Row(int exit, String firstLine, String... args) {}

  private static Row row(int exit, String firstLine, String... args) {
    return new Row(exit, firstLine, args);
  }

  private static String[] withOut(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--out");
    all.add(Files.createTempDirectory(tmp, "out").resolve("run").toString());
    return all.toArray(String[]::new);
  }

  private static Stream<DynamicTest> table(Row... rows) {
    return Stream.of(rows)
        .map(
            r ->
                DynamicTest.dynamicTest(
                    String.join(" ", r.args()),
                    () -> {
                      StringWriter out = new StringWriter();
                      StringWriter err = new StringWriter();
                      int code = Main.execute(r.args(), new PrintWriter(out), new PrintWriter(err));
                      String text = err.toString();
                      String first = text.lines().findFirst().orElse("");
                      assertEquals(r.exit(), code, text);
                      assertTrue(
                          first.startsWith(r.firstLine()),
                          "expected\n  " + r.firstLine() + "\ngot\n  " + first);
                      assertEquals(1, text.lines().count(), "one line, no stack trace:\n" + text);
                    }));
  }

  @TestFactory
  Stream<DynamicTest> topLevel() {
    return table(
        row(2, "dpo: unknown command 'bandti'; did you mean 'bandit'?", "bandti"),
        row(2, "dpo: unknown command 'algin'; did you mean 'align'?", "algin"),
        row(2, "dpo: unknown option '--verison'; did you mean '--version'?", "--verison"),
        row(2, "dpo reward: unknown command 'trian'; did you mean 'train'?", "reward", "trian"),
        row(2, "dpo: unknown command 'zzzzzz' (see 'dpo --help')", "zzzzzz"));
  }

  @TestFactory
  Stream<DynamicTest> bandit() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    Path ragged = Files.writeString(tmp.resolve("ragged.json"), "[[1, 2], [3]]");
    return table(
        row(
            2,
            "dpo bandit: unknown option '--sampler'; did you mean '--samplers'?",
            "bandit",
            "--sampler",
            "dpo-unif"),
        row(
            2,
            "dpo bandit: --samplers: unknown sampler 'dpo-unfi'",
            "bandit",
            "--samplers",
            "dpo-unfi"),
        row(
            2,
            "dpo bandit: --objective: unknown objective 'nope'",
            "bandit",
            "--objective",
            "nope"),
        row(2, "dpo bandit: --backend: unknown backend 'nope'", "bandit", "--backend", "nope"),
        row(2, "dpo bandit: --beta: ", withOut("bandit", "--beta", "-1")),
        row(2, "dpo bandit: --steps: ", withOut("bandit", "--steps", "0")),
        row(2, "dpo bandit: --pairs: ", withOut("bandit", "--mode", "empirical", "--pairs", "0")),
        row(2, "dpo bandit: --prompts: ", withOut("bandit", "--prompts", "0")),
        row(2, "dpo bandit: --responses: ", withOut("bandit", "--responses", "1")),
        row(2, "dpo bandit: --threads: ", withOut("bandit", "--threads", "-1")),
        row(2, "dpo bandit: Invalid value for option '--mode'", "bandit", "--mode", "x"),
        row(2, "dpo bandit: Invalid value for option '--lr'", "bandit", "--lr", "0"),
        row(
            2,
            "dpo bandit: --rewards: ",
            "bandit",
            "--rewards",
            tmp.resolve("none.json").toString()),
        row(2, "dpo bandit: --rewards: ", "bandit", "--rewards", ragged.toString()),
        row(
            2,
            "dpo bandit: --out: " + file + " exists and is not a directory",
            "bandit",
            "--out",
            file.toString()),
        row(
            3,
            "dpo bandit: sampler 'dpo-unif': ",
            withOut("bandit", "--samplers", "dpo-unif", "--lr", "1e9", "--steps", "5")));
  }

  @TestFactory
  Stream<DynamicTest> align() throws IOException {
    String missing = tmp.resolve("no-such-prompts.txt").toString();
    return table(
        row(2, "dpo align: --oracle: unknown oracle 'nope'", withOut("align", "--oracle", "nope")),
        row(2, "dpo align: --oracle-option command: ", withOut("align", "--oracle", "command")),
        row(2, "dpo align: --task: unknown task 'nosuch'", withOut("align", "--task", "nosuch")),
        row(
            2,
            "dpo align: --prompts: ",
            withOut(
                "align",
                "--prompts",
                missing,
                "--oracle",
                "synthetic",
                "--oracle-option",
                "task=safe-helpful",
                "--model",
                tmp.toString())),
        row(2, "dpo align: --prompts needs --oracle", withOut("align", "--prompts", missing)),
        row(
            2,
            "dpo align: --samplers: unknown sampler 'nope'",
            withOut("align", "--samplers", "nope")),
        row(
            2,
            "dpo align: --backend: unknown backend 'nope'",
            withOut("align", "--backend", "nope")),
        row(
            2,
            "dpo align: --objective: unknown objective 'nope'",
            withOut("align", "--objective", "nope")),
        row(2, "dpo align: --responses: must be >= 2", withOut("align", "--responses", "1")),
        row(2, "dpo align: --lr: ", withOut("align", "--lr", "0")),
        row(2, "dpo align: --iterations: ", withOut("align", "--iterations", "0")),
        row(2, "dpo align: --epochs: ", withOut("align", "--epochs", "0")),
        row(2, "dpo align: --batch-size: ", withOut("align", "--batch-size", "0")),
        row(2, "dpo align: --temperature: ", withOut("align", "--temperature", "0")),
        row(2, "dpo align: --margin-scale: ", withOut("align", "--margin-scale", "0")),
        row(2, "dpo align: --resync-every: ", withOut("align", "--resync-every", "-2")),
        row(2, "dpo align: --label-rule: ", withOut("align", "--label-rule", "x")),
        row(2, "dpo align: --beta: ", withOut("align", "--beta", "0")),
        row(2, "dpo align: --seeds must be >= 1", withOut("align", "--seeds", "0")),
        row(2, "dpo align: --sft-steps must be >= 0", withOut("align", "--sft-steps", "-1")),
        row(2, "dpo align: --train-prompts", withOut("align", "--train-prompts", "0")),
        row(2, "dpo align: --eval-samples: must be >= 1", withOut("align", "--eval-samples", "0")),
        row(
            2,
            "dpo align: --eval-temperature: must be a finite number >= 0",
            withOut("align", "--eval-temperature", "-1")),
        row(
            2,
            "dpo align: --split-seed must be fixed or per-seed",
            withOut("align", "--split-seed", "sometimes")));
  }

  @TestFactory
  Stream<DynamicTest> eval() throws IOException {
    String prompts = tmp.resolve("eval-prompts.txt").toString();
    java.nio.file.Files.writeString(tmp.resolve("eval-prompts.txt"), "a\nb\n");
    String missing = tmp.resolve("no-such-model").toString();
    String[] base = {
      "eval", "--model", missing, "--reference", missing, "--prompts", prompts, "--oracle"
    };
    return table(
        row(2, "dpo eval: --oracle: unknown oracle 'nope'", with(base, "nope")),
        row(
            2,
            "dpo eval: --eval-samples: must be >= 1",
            with(base, "synthetic", "--eval-samples", "0")),
        row(
            2,
            "dpo eval: --eval-temperature: must be a finite number >= 0",
            with(base, "synthetic", "--eval-temperature", "-1")),
        row(
            2,
            "dpo eval: --max-new-tokens: must be >= 1",
            with(base, "synthetic", "--max-new-tokens", "0")),
        row(
            2,
            "dpo eval: --model: ",
            with(base, "synthetic", "--oracle-option", "task=safe-helpful")),
        row(2, "dpo eval: Missing required option", "eval", "--model", missing));
  }

  private static String[] with(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @TestFactory
  Stream<DynamicTest> rewardTrain() throws IOException {
    Path file = Files.writeString(tmp.resolve("rm-file"), "x");
    List<Row> rows = new ArrayList<>();
    for (String option :
        List.of(
            "--pairs",
            "--held-out",
            "--epochs",
            "--batch",
            "--lr",
            "--width",
            "--layers",
            "--heads")) {
      rows.add(
          row(
              2,
              "dpo reward train: " + option + ": must be > 0, got 0",
              withOut("reward", "train", option, "0")));
    }
    rows.add(
        row(
            2,
            "dpo reward train: --task: unknown task 'nosuch'",
            withOut("reward", "train", "--task", "nosuch")));
    rows.add(
        row(
            2,
            "dpo reward train: --pairs: must be <= 10000",
            withOut("reward", "train", "--pairs", "10001")));
    rows.add(
        row(
            2,
            "dpo reward train: --backend: unknown backend 'nope'",
            withOut("reward", "train", "--backend", "nope")));
    rows.add(
        row(
            2,
            "dpo reward train: --out: " + file + " exists and is not a directory",
            "reward",
            "train",
            "--pairs",
            "10",
            "--held-out",
            "10",
            "--out",
            file.toString()));
    return table(rows.toArray(Row[]::new));
  }

  /** Every numeric option of every command rejects a non-number naming itself, exit 2. */
  @TestFactory
  Stream<DynamicTest> everyNumericOptionOfEveryCommand() {
    List<DynamicTest> tests = new ArrayList<>();
    collect(new CommandLine(Main.class, new CommandFactory(CommandFactory.injector())), tests);
    assertFalse(tests.isEmpty());
    return tests.stream();
  }

  private static void collect(CommandLine c, List<DynamicTest> tests) {
    for (OptionSpec o : c.getCommandSpec().options()) {
      Class<?> type = o.type();
      boolean numeric =
          type == int.class
              || type == long.class
              || type == double.class
              || type == Integer.class
              || type == Long.class
              || type == Double.class;
      if (numeric && !o.hidden()) {
        List<String> args = new ArrayList<>(List.of(c.getCommandSpec().qualifiedName().split(" ")));
        args.remove(0);
        args.add(o.longestName());
        args.add("not-a-number");
        String name = c.getCommandSpec().qualifiedName();
        tests.add(
            table(
                    row(
                        2,
                        name + ": Invalid value for option '" + o.longestName() + "'",
                        args.toArray(String[]::new)))
                .findFirst()
                .orElseThrow());
      }
    }
    for (CommandLine sub : c.getSubcommands().values()) {
      if (!sub.getCommandSpec().name().equals("help")) {
        collect(sub, tests);
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> nearestNames() {
    return Stream.of(
            new String[] {"bandti", "bandit"}, new String[] {"--sampler", "--samplers"},
            new String[] {"dpo-unfi", "dpo-unif"}, new String[] {"mixp", "mix-p"})
        .map(
            p ->
                DynamicTest.dynamicTest(
                    p[0] + " -> " + p[1],
                    () ->
                        assertEquals(
                            p[1],
                            UserErrors.Suggestions.nearest(
                                    p[0],
                                    List.of(
                                        "bandit",
                                        "align",
                                        "--samplers",
                                        "--seed",
                                        "dpo-unif",
                                        "dpo-mix-p",
                                        "mix-p",
                                        "on-policy"))
                                .orElseThrow())));
  }
}
