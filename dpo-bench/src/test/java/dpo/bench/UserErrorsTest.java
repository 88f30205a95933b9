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
import org.junit.jupiter.api.Test;
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
        row(
            2,
            "dpo bandit: --device: 'gpu': backend cpu computes on the CPU only",
            withOut("bandit", "--backend", "cpu", "--device", "gpu")),
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
            2,
            "dpo bandit: --samplers: sampler 'best-of-4' draws 4 responses per prompt and pairs"
                + " the best against the worst, which the tabular study's exact pair"
                + " distributions do not model; run it with dpo align",
            withOut("bandit", "--samplers", "best-of-4")),
        row(
            3,
            "dpo bandit: sampler 'dpo-unif': ",
            withOut("bandit", "--samplers", "dpo-unif", "--lr", "1e9", "--steps", "5")));
  }

  /** A sweep grid file with the given JSON. */
  private static String grid(String json) throws IOException {
    Path file = Files.createTempFile(tmp, "grid", ".json");
    Files.writeString(file, json);
    return file.toString();
  }

  @TestFactory
  Stream<DynamicTest> sweep() throws IOException {
    String malformed = grid("{\"seed\": [1,");
    String unknownKey = grid("{\"sed\": [1]}");
    String badLr = grid("{\"lr\": [\"fast\"]}");
    String notAList = grid("{\"seed\": 1}");
    String badSampler = grid("{\"samplers\": [\"dpo-unfi\"]}");
    String badBeta = grid("{\"beta\": [-1]}");
    String twoSamplers = grid("{\"samplers\": [\"dpo-unif,dpo-mix-p\"]}");
    String good = grid("{\"seed\": [1]}");
    return table(
        row(
            2,
            "dpo sweep: --grid: " + malformed + ":1: not valid JSON (",
            withOut("sweep", "--grid", malformed)),
        row(
            2,
            "dpo sweep: --grid: "
                + unknownKey
                + " (sed): unknown key 'sed'; the keys are dpo bandit's options without the"
                + " dashes: prompts, responses, beta, seed, samplers, mode, steps, lr, pairs,"
                + " objective, backend, threads, device",
            withOut("sweep", "--grid", unknownKey)),
        row(
            2,
            "dpo sweep: --grid: "
                + badLr
                + " (lr): value 'fast': expected a number > 0 or 'newton', got 'fast'; fix or"
                + " remove it",
            withOut("sweep", "--grid", badLr)),
        row(
            2,
            "dpo sweep: --grid: " + notAList + " (seed): must be a non-empty list of values",
            withOut("sweep", "--grid", notAList)),
        row(
            2,
            "dpo sweep: --grid: " + badSampler + " (samplers): unknown sampler 'dpo-unfi'",
            withOut("sweep", "--grid", badSampler)),
        row(
            2,
            "dpo sweep: --grid: "
                + badBeta
                + " (beta): value '-1': beta must be a finite number > 0, got -1.0; fix or"
                + " remove it",
            withOut("sweep", "--grid", badBeta)),
        row(
            2,
            "dpo sweep: --grid: "
                + twoSamplers
                + " (samplers): one sampler id per value (each is one cell), got"
                + " 'dpo-unif,dpo-mix-p'; write [\"dpo-unif\", \"dpo-mix-p\"]",
            withOut("sweep", "--grid", twoSamplers)),
        row(
            2,
            "dpo sweep: --grid: " + tmp.resolve("none.json") + ": no such file",
            withOut("sweep", "--grid", tmp.resolve("none.json").toString())),
        row(
            2,
            "dpo sweep: --master: must be local, local[N], local[*] or spark://HOST:PORT, got"
                + " 'yarn'",
            withOut("sweep", "--grid", good, "--master", "yarn")),
        row(
            2,
            "dpo sweep: --partitions: must be >= 0",
            withOut("sweep", "--grid", good, "--partitions", "-1")),
        row(2, "dpo sweep: Missing required option: '--out=DIR'", "sweep", "--grid", good));
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
        row(
            2,
            "dpo align: --update-reference: cannot be combined with --lora-rank: with adapters the"
                + " reference is the policy's base with the adapters off",
            withOut("align", "--lora-rank", "4", "--update-reference")),
        row(2, "dpo align: --preset needs --arch llama|gpt2", withOut("align", "--preset", "tiny")),
        row(
            2,
            "dpo align: --arch: must be one of [llama, gpt2] (the backend's presets), got 'bert'",
            withOut("align", "--quick", "--arch", "bert")),
        row(
            2,
            "dpo align: --preset: must be one of [tiny, smollm-135m], got 'huge'",
            withOut("align", "--quick", "--arch", "llama", "--preset", "huge")),
        row(
            2,
            "dpo align: --arch and --preset make the synthetic task's reference; with --prompts",
            withOut(
                "align",
                "--prompts",
                missing,
                "--oracle",
                "command",
                "--model",
                missing,
                "--arch",
                "llama")),
        row(
            2,
            "dpo align: --lora-rank must be >= 0 (0: no adapters), got -1",
            withOut("align", "--lora-rank", "-1")),
        row(
            2,
            "dpo align: --lora-alpha and --lora-targets need --lora-rank R",
            withOut("align", "--lora-targets", "q_proj")),
        row(2, "dpo align: --train-prompts", withOut("align", "--train-prompts", "0")),
        row(2, "dpo align: --threads: must be >= 0", withOut("align", "--threads", "-1")),
        row(
            2,
            "dpo align: --device: must be auto, cpu or gpu, got 'tpu'",
            withOut("align", "--device", "tpu")),
        row(2, "dpo align: --eval-samples: must be >= 1", withOut("align", "--eval-samples", "0")),
        row(
            2,
            "dpo align: --eval-temperature: must be a finite number >= 0 (0: greedy), got -1",
            withOut("align", "--eval-temperature", "-1")),
        row(
            2,
            "dpo align: --split-seed must be fixed or per-seed",
            withOut("align", "--split-seed", "sometimes")),
        row(
            2,
            "dpo align: --master applies only with --engine spark (now --engine local); add"
                + " --engine spark or drop --master",
            withOut("align", "--master", "local[2]")),
        row(
            2,
            "dpo align: --engine: unknown engine 'sparc'; engines here: local",
            withOut("align", "--engine", "sparc")),
        row(
            2,
            "dpo align: --distribute runs needs --engine spark (now --engine local); add --engine"
                + " spark or drop --distribute",
            withOut("align", "--distribute", "runs")),
        row(
            2,
            "dpo align: --distribute must be generation or runs, got 'seeds'",
            withOut("align", "--engine", "spark", "--distribute", "seeds")),
        row(
            2,
            "dpo align: --sampler-option simplemix.on-policy: on-policy must be a probability in"
                + " [0, 1], got '2'",
            withOut(
                "align", "--samplers", "simplemix", "--sampler-option", "simplemix.on-policy=2")),
        row(
            2,
            "dpo align: --sampler-option simplemix.p: unknown option 'p': sampler simplemix takes"
                + " on-policy",
            withOut("align", "--samplers", "simplemix", "--sampler-option", "simplemix.p=0.3")),
        row(
            2,
            "dpo align: --sampler-option mix-p.x: unknown option 'x': sampler mix-p takes no"
                + " options",
            withOut("align", "--sampler-option", "mix-p.x=1")),
        row(
            2,
            "dpo align: --sampler-option simplemix: options for sampler 'simplemix', which does"
                + " not run; samplers: vanilla, on-policy, hybrid, mix-p",
            withOut("align", "--sampler-option", "simplemix.on-policy=0.3")),
        row(
            2,
            "dpo align: --sampler-option must be ID.NAME=VALUE (e.g. simplemix.on-policy=0.3),"
                + " got 'simplemix=0.3'",
            withOut("align", "--sampler-option", "simplemix=0.3")),
        row(
            2,
            "dpo align: --protocol must be default, paper or paper-iterative, got 'nope'",
            withOut("align", "--protocol", "nope")),
        row(
            2,
            "dpo align: --temperature 1.0 contradicts --protocol paper, which sets --temperature"
                + " 0.7; drop one of them",
            withOut("align", "--protocol", "paper", "--temperature", "1")),
        row(
            2,
            "dpo align: --margin-scale 4.0 contradicts --protocol paper-iterative, which sets"
                + " --margin-scale 1.0; drop one of them",
            withOut("align", "--protocol", "paper-iterative", "--margin-scale", "4")),
        row(
            2,
            "dpo align: --responses 4 contradicts --protocol paper, which sets --responses 2",
            withOut("align", "--protocol", "paper", "-k", "4")),
        row(
            2,
            "dpo align: --update-reference contradicts --protocol paper, which keeps the"
                + " reference fixed at the initial model; drop one of them",
            withOut("align", "--protocol", "paper", "--update-reference")));
  }

  @TestFactory
  Stream<DynamicTest> eval() throws IOException {
    String prompts = tmp.resolve("eval-prompts.txt").toString();
    java.nio.file.Files.writeString(tmp.resolve("eval-prompts.txt"), "a\nb\n");
    String missing = tmp.resolve("no-such-model").toString();
    String[] base = {
      "eval", "--model", missing, "--reference", missing, "--prompts", prompts, "--oracle"
    };
    java.nio.file.Path longLine =
        java.nio.file.Files.writeString(
            tmp.resolve("long-prompt.txt"), "ok\n" + "a".repeat((1 << 20) + 1) + "\n");
    String tooLong =
        longLine
            + ":2: the line is longer than 1048576 characters, the limit; break the text into"
            + " lines (paragraphs)";
    return table(
        row(
            2,
            "dpo align: --prompts: " + tooLong,
            withOut(
                "align",
                "--prompts",
                longLine.toString(),
                "--oracle",
                "synthetic",
                "--model",
                missing)),
        row(
            2,
            "dpo eval: --prompts: " + tooLong,
            "eval",
            "--model",
            missing,
            "--reference",
            missing,
            "--prompts",
            longLine.toString(),
            "--oracle",
            "synthetic"),
        row(2, "dpo eval: --oracle: unknown oracle 'nope'", with(base, "nope")),
        row(
            2,
            "dpo eval: --eval-samples: must be >= 1",
            with(base, "synthetic", "--eval-samples", "0")),
        row(
            2,
            "dpo eval: --eval-temperature: must be a finite number >= 0 (0: greedy), got -1",
            with(base, "synthetic", "--eval-temperature", "-1")),
        row(
            2,
            "dpo eval: --max-new-tokens: must be a whole number >= 1, got 0",
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
            "dpo reward train: --threads: must be >= 0",
            withOut("reward", "train", "--threads", "-1")));
    rows.add(
        row(
            2,
            "dpo reward train: --device: must be auto, cpu or gpu, got 'tpu'",
            withOut("reward", "train", "--pairs", "10", "--held-out", "10", "--device", "tpu")));
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
  Stream<DynamicTest> data() throws IOException {
    Path pairs =
        Files.writeString(
            tmp.resolve("pairs.jsonl"),
            "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n");
    String in = pairs.toString();
    String none = tmp.resolve("no-such.jsonl").toString();
    String out = tmp.resolve("converted.jsonl").toString();
    return table(
        row(2, "dpo data: unknown command 'inspcet'; did you mean 'inspect'?", "data", "inspcet"),
        row(2, "dpo data inspect: " + none + ": no such file", "data", "inspect", none),
        row(2, "dpo data inspect: Missing required parameter: 'FILE'", "data", "inspect"),
        row(
            2,
            "dpo data inspect: Invalid value for option '--format': unknown data format 'nope'",
            "data",
            "inspect",
            "--format",
            "nope",
            in),
        row(2, "dpo data inspect: --rows must be >= 0", "data", "inspect", "--rows", "-1", in),
        row(
            2,
            "dpo data inspect: --max-row-chars must be >= 1",
            "data",
            "inspect",
            "--max-row-chars",
            "0",
            in),
        row(2, "dpo data convert: Missing required parameter: 'OUT'", "data", "convert", in),
        row(2, "dpo data convert: " + none + ": no such file", "data", "convert", none, out),
        row(2, "dpo data convert: unknown option '--out'", "data", "convert", in, "--out", out),
        row(
            2,
            "dpo data convert: Invalid value for option '--format': unknown data format 'x'",
            "data",
            "convert",
            "--format",
            "x",
            in,
            out),
        row(
            2,
            "dpo data convert: Invalid value for option '--to': unknown data format 'x'",
            "data",
            "convert",
            "--to",
            "x",
            in,
            out),
        row(
            2,
            "dpo data convert: Invalid value for option '--template': unknown template 'x'",
            "data",
            "convert",
            "--template",
            "x",
            in,
            out),
        row(
            2,
            "dpo data convert: Invalid value for option '--split': unknown split '2'",
            "data",
            "convert",
            "--split",
            "2",
            in,
            out),
        row(
            2,
            "dpo data convert: --max-chars (2) must be >= --min-chars (5)",
            "data",
            "convert",
            "--min-chars",
            "5",
            "--max-chars",
            "2",
            in,
            out),
        row(
            2,
            "dpo data convert: --max-row-chars must be >= 1",
            "data",
            "convert",
            "--max-row-chars",
            "0",
            in,
            out),
        row(
            2,
            "dpo data convert: OUT: cannot tell the output container from the name 'out.txt'",
            "data",
            "convert",
            in,
            tmp.resolve("out.txt").toString()));
  }

  @TestFactory
  Stream<DynamicTest> bench() {
    String shape = "dpo bench bandit: --prompts >= 1, --responses >= 2, --pairs >= 1";
    String sizes = "dpo bench lm: --batch, --prompt-len, --new-tokens and --seconds must be > 0";
    return table(
        row(2, "dpo bench: unknown command 'bandti'; did you mean 'bandit'?", "bench", "bandti"),
        row(2, shape, "bench", "bandit", "--prompts", "0"),
        row(2, shape, "bench", "bandit", "--responses", "1"),
        row(2, shape, "bench", "bandit", "--pairs", "0"),
        row(2, shape, "bench", "bandit", "--beta", "0"),
        row(2, shape, "bench", "bandit", "--seconds", "0"),
        row(
            2,
            "dpo bench bandit: --sampler: unknown sampler 'nope'",
            "bench",
            "bandit",
            "--sampler",
            "nope"),
        row(
            2,
            "dpo bench bandit: Invalid value for option '--mode'",
            "bench",
            "bandit",
            "--mode",
            "x"),
        row(
            2,
            "dpo bench bandit: --variants: unknown variant 'nope'",
            "bench",
            "bandit",
            "--variants",
            "nope"),
        row(
            2,
            "dpo bench bandit: --backend: unknown backend 'nope'",
            "bench",
            "bandit",
            "--backend",
            "nope"),
        row(2, "dpo bench lm: --arch must be one of", "bench", "lm", "--arch", "nope"),
        row(2, "dpo bench lm: --preset must be one of", "bench", "lm", "--preset", "nope"),
        row(2, "dpo bench lm: --parts must be one of", "bench", "lm", "--parts", "nope"),
        row(
            2,
            "dpo bench lm: --lora-rank measures the training step; add --parts training",
            "bench",
            "lm",
            "--lora-rank",
            "4"),
        row(
            2,
            "dpo bench lm: --lora-rank must be >= 0",
            "bench",
            "lm",
            "--parts",
            "training",
            "--lora-rank",
            "-1"),
        row(
            2,
            "dpo bench lm: --top-k must be a whole number >= 0 (0: off), got -1",
            "bench",
            "lm",
            "--top-k",
            "-1"),
        row(
            2,
            "dpo bench lm: --top-p must be a number in (0, 1] (1: off), got 0",
            "bench",
            "lm",
            "--top-p",
            "0"),
        row(
            2,
            "dpo bench lm: --top-p must be a number in (0, 1] (1: off), got 1.5",
            "bench",
            "lm",
            "--top-p",
            "1.5"),
        row(2, sizes, "bench", "lm", "--batch", "0"),
        row(2, sizes, "bench", "lm", "--prompt-len", "0"),
        row(2, sizes, "bench", "lm", "--new-tokens", "0"),
        row(2, sizes, "bench", "lm", "--seconds", "0"),
        row(2, sizes, "bench", "lm", "--vocab", "1"),
        row(
            2,
            "dpo bench lm: --width 30 must be a multiple of --heads 4",
            "bench",
            "lm",
            "--width",
            "30",
            "--heads",
            "4"),
        row(
            2,
            "dpo bench lm: --backend: backend 'cpu' cannot generate or train language models",
            "bench",
            "lm",
            "--backend",
            "cpu"),
        row(2, "dpo bench lm: --threads: must be >= 0", "bench", "lm", "--threads", "-1"),
        row(
            2,
            "dpo bench lm: --device: must be auto, cpu or gpu, got 'tpu'",
            "bench",
            "lm",
            "--device",
            "tpu",
            "--seconds",
            "0.01"));
  }

  /** A diverging fit exits 3 with one line: what diverged, then this command's own fix only. */
  @Test
  void rewardTrainThatDivergesExitsThreeWithItsOwnFix() throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            withOut(
                "reward",
                "train",
                "--pairs",
                "64",
                "--held-out",
                "8",
                "--epochs",
                "2",
                "--width",
                "8",
                "--layers",
                "1",
                "--heads",
                "1",
                "--batch",
                "4",
                "--lr",
                "1e6"),
            new PrintWriter(out),
            new PrintWriter(err));
    String text = err.toString();
    assertEquals(3, code, text);
    assertEquals(1, text.lines().count(), "one line, no stack trace:\n" + text);
    assertTrue(text.startsWith("dpo reward train: "), text);
    assertTrue(text.strip().endsWith("; training diverged: lower --lr (now 1000000.0)"), text);
    assertFalse(text.contains("learning rate"), "no generic fix besides the command's: " + text);
  }

  @TestFactory
  Stream<DynamicTest> lmTrain() throws IOException {
    Path text = Files.writeString(tmp.resolve("lm-corpus.txt"), "the cat sat\nthe dog ran\n");
    Path rows =
        Files.writeString(
            tmp.resolve("lm-rows.jsonl"),
            "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"}\n");
    Path tok = tmp.resolve("lm-tok");
    String t = tok.toString();
    return table(
        row(
            2,
            "dpo lm train: --arch needs --tokenizer DIR",
            withOut("lm", "train", "--data", text.toString(), "--arch", "llama")),
        row(
            2,
            "dpo lm train: --preset: must be one of [tiny, smollm-135m], got 'huge'",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--preset",
                "huge",
                "--tokenizer",
                t)),
        row(
            2,
            "dpo lm train: --arch: must be one of [llama, gpt2]",
            withOut("lm", "train", "--data", text.toString(), "--arch", "bert", "--tokenizer", t)),
        row(
            2,
            "dpo lm train: missing the model: give --model DIR",
            withOut("lm", "train", "--data", text.toString())),
        row(
            2,
            "dpo lm train: --threads: must be >= 0",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--tokenizer",
                t,
                "--threads",
                "-1")),
        row(
            2,
            "dpo lm train: --device: must be auto, cpu or gpu, got 'tpu'",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--tokenizer",
                t,
                "--device",
                "tpu")),
        row(
            2,
            "dpo lm train: --context: must be >= 2 tokens",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--tokenizer",
                t,
                "--context",
                "1")),
        row(
            2,
            "dpo lm train: --data: " + rows + ":2 (completion): missing field",
            withOut(
                "lm",
                "train",
                "--data",
                rows.toString(),
                "--arch",
                "gpt2",
                "--tokenizer",
                tokenizer(tok))),
        row(
            2,
            "dpo lm train: --batch-size: must be >= 1, got 0",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--tokenizer",
                t,
                "--batch-size",
                "0")),
        row(
            2,
            "dpo lm train: --layout must be pack or pad, got 'roll'",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--tokenizer",
                t,
                "--layout",
                "roll")),
        row(
            2,
            "dpo lm train: --lora-rank must be >= 0 (0: no adapters), got -1",
            withOut("lm", "train", "--data", text.toString(), "--lora-rank", "-1")),
        row(
            2,
            "dpo lm train: --lora-alpha and --lora-targets need --lora-rank R",
            withOut("lm", "train", "--data", text.toString(), "--lora-alpha", "8")),
        row(
            2,
            "dpo lm train: --lora-alpha: must be a positive number, got -2.0",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--model",
                tmp.resolve("no-model").toString(),
                "--lora-rank",
                "4",
                "--lora-alpha",
                "-2")),
        row(
            2,
            "dpo lm train: --lora-rank: needs a checkpoint to adapt (--model DIR)",
            withOut(
                "lm",
                "train",
                "--data",
                text.toString(),
                "--arch",
                "llama",
                "--tokenizer",
                t,
                "--lora-rank",
                "4")));
  }

  @TestFactory
  Stream<DynamicTest> offlineDpoTrain() throws IOException {
    Path prefs =
        Files.writeString(
            tmp.resolve("dpo-prefs.jsonl"),
            "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
                + "{\"prompt\": \"a\", \"chosen\": \"b\"}\n");
    Path model = tmp.resolve("no-model");
    String p = prefs.toString();
    return table(
        row(2, "dpo train: Missing required option: '--model=DIR'", withOut("train", "--data", p)),
        row(
            2,
            "dpo train: --data: " + prefs + ":2 (rejected): missing field",
            withOut("train", "--data", p, "--model", model.toString())),
        row(
            2,
            "dpo train: --label-smoothing: must be in [0, 0.5)",
            withOut("train", "--data", p, "--model", model.toString(), "--label-smoothing", "0.7")),
        row(
            2,
            "dpo train: --eval-fraction: must be in [0, 1), got 1.0",
            withOut("train", "--data", p, "--model", model.toString(), "--eval-fraction", "1")),
        row(
            2,
            "dpo train: --epochs: must be > 0 when no step count is given",
            withOut("train", "--data", p, "--model", model.toString(), "--epochs", "0")),
        row(
            2,
            "dpo train: --lora-rank must be >= 0 (0: no adapters), got -1",
            withOut("train", "--data", p, "--model", model.toString(), "--lora-rank", "-1")),
        row(
            2,
            "dpo train: give either --steps or --epochs, not both",
            withOut(
                "train",
                "--data",
                p,
                "--model",
                model.toString(),
                "--steps",
                "3",
                "--epochs",
                "2")),
        row(
            2,
            "dpo train: --objective: unknown objective 'nope'",
            withOut("train", "--data", p, "--model", model.toString(), "--objective", "nope")));
  }

  /** A tokenizer made by 'dpo tokenizer train' (once). */
  private static String tokenizer(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("tokenizer.json"))) {
      Path text = Files.writeString(tmp.resolve("tok-corpus.txt"), "the cat sat on the mat\n");
      int code =
          Main.execute(
              new String[] {
                "tokenizer",
                "train",
                "--input",
                text.toString(),
                "--vocab-size",
                "270",
                "--out",
                dir.toString()
              },
              new PrintWriter(new StringWriter()),
              new PrintWriter(new StringWriter()));
      assertEquals(0, code);
    }
    return dir.toString();
  }

  @TestFactory
  Stream<DynamicTest> lmConvert() throws IOException {
    Path missing = tmp.resolve("no-such-model");
    Path existing = Files.createDirectories(tmp.resolve("existing-folder"));
    String out = tmp.resolve("converted").toString();
    return table(
        row(
            2,
            "dpo lm convert: --dtype: 'int8' is not a dtype dpo writes; use float32 or bfloat16",
            "lm",
            "convert",
            "--model",
            missing.toString(),
            "--out",
            out,
            "--dtype",
            "int8"),
        row(
            2,
            "dpo lm convert: --max-shard-size: '2 gigs' is not a size; write e.g. 2GB",
            "lm",
            "convert",
            "--model",
            missing.toString(),
            "--out",
            out,
            "--max-shard-size",
            "2 gigs"),
        row(
            2,
            "dpo lm convert: --out " + existing + " exists; name a new folder",
            "lm",
            "convert",
            "--model",
            missing.toString(),
            "--out",
            existing.toString()),
        row(
            2,
            "dpo lm convert: --model: " + missing,
            "lm",
            "convert",
            "--model",
            missing.toString(),
            "--out",
            out));
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
            "dpo reward train: --device: must be auto, cpu or gpu, got 'tpu'",
            withOut(
                "reward",
                "train",
                "--data",
                good.toString(),
                "--tokenizer",
                tok,
                "--device",
                "tpu")),
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
