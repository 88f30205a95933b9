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
        row(2, "dpo align: --train-prompts", withOut("align", "--train-prompts", "0")));
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

  @TestFactory
  Stream<DynamicTest> rewardTrainData() throws IOException {
    Path good = Files.writeString(tmp.resolve("good.jsonl"), PAIR + "\n" + PAIR + "\n");
    Path missing =
        Files.writeString(
            tmp.resolve("missing.jsonl"), PAIR + "\n{\"prompt\": \"p\", \"chosen\": \"a\"}\n");
    Path number =
        Files.writeString(
            tmp.resolve("number.jsonl"),
            PAIR + "\n{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"b\"}\n");
    Path longRow =
        Files.writeString(
            tmp.resolve("long-row.jsonl"),
            PAIR
                + "\n{\"prompt\": \"p\", \"chosen\": \""
                + "a".repeat(200)
                + "\", \"rejected\": \"b\"}\n");
    Path longPair =
        Files.writeString(
            tmp.resolve("long-pair.jsonl"),
            PAIR
                + "\n{\"prompt\": \"the cat\", \"chosen\": \""
                + "the dog sat on the mat ".repeat(4)
                + "\", \"rejected\": \"b\"}\n");
    Path prompts = Files.writeString(tmp.resolve("prompts.jsonl"), "{\"prompt\": \"p\"}\n");
    Path unscored =
        Files.writeString(
            tmp.resolve("unscored.jsonl"), "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"]}\n");
    Path corpus =
        Files.writeString(tmp.resolve("corpus.txt"), "the cat sat on the mat\nthe dog ran\n");
    Path tokenizer = tmp.resolve("tokenizer");
    assertEquals(
        0,
        Main.execute(
            new String[] {
              "tokenizer",
              "train",
              "--input",
              corpus.toString(),
              "--vocab-size",
              "270",
              "--out",
              tokenizer.toString()
            },
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter())));
    String tok = tokenizer.toString();
    return table(
        row(
            2,
            "dpo reward train: --data: " + missing + ":2 (rejected): ",
            withOut("reward", "train", "--data", missing.toString(), "--tokenizer", tok)),
        row(
            2,
            "dpo reward train: --data: " + number + ":2 (chosen): ",
            withOut("reward", "train", "--data", number.toString(), "--tokenizer", tok)),
        row(
            2,
            "dpo reward train: --data: " + longRow + ":2: the row is longer than 100 characters",
            withOut(
                "reward",
                "train",
                "--data",
                longRow.toString(),
                "--tokenizer",
                tok,
                "--max-row-chars",
                "100")),
        row(
            2,
            "dpo reward train: --data: "
                + longPair
                + ":2 (chosen): the prompt (3 tokens) and the chosen response (45 tokens) make 48"
                + " tokens, more than the reward model's context of 16; shorten the row",
            withOut(
                "reward",
                "train",
                "--data",
                longPair.toString(),
                "--tokenizer",
                tok,
                "--context",
                "16")),
        row(
            2,
            "dpo reward train: --data: " + prompts + ": holds prompts rows (prompts only)",
            withOut("reward", "train", "--data", prompts.toString(), "--tokenizer", tok)),
        row(
            2,
            "dpo reward train: --data: " + unscored + ":1 (rewards): missing",
            withOut("reward", "train", "--data", unscored.toString(), "--tokenizer", tok)),
        row(
            2,
            "dpo reward train: --data needs --model DIR",
            withOut("reward", "train", "--data", good.toString())),
        row(
            2,
            "dpo reward train: --model and --tokenizer: give one",
            withOut(
                "reward", "train", "--data", good.toString(), "--tokenizer", tok, "--model", tok)),
        row(
            2,
            "dpo reward train: --width: the shape comes from --model",
            withOut("reward", "train", "--data", good.toString(), "--model", tok, "--width", "8")),
        row(
            2,
            "dpo reward train: --eval-fraction: must be in (0, 1), got 0.0",
            withOut(
                "reward",
                "train",
                "--data",
                good.toString(),
                "--tokenizer",
                tok,
                "--eval-fraction",
                "0")),
        row(
            2,
            "dpo reward train: --eval-fraction: 0.1 of 2 pairs holds out 0; at least one",
            withOut("reward", "train", "--data", good.toString(), "--tokenizer", tok)),
        row(
            2,
            "dpo reward train: --tokenizer: only with --data FILE",
            withOut("reward", "train", "--tokenizer", tok)),
        row(
            2,
            "dpo reward train: --pairs: belongs to the synthetic task",
            withOut("reward", "train", "--data", good.toString(), "--pairs", "10")),
        row(
            2,
            "dpo reward train: --model: ",
            withOut("reward", "train", "--data", good.toString(), "--model", tmp.toString())));
  }

  private static final String PAIR = "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}";

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
