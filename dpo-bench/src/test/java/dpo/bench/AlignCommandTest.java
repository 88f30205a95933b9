package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives {@code dpo align} in-process on a tiny configuration, as CI runs it. */
class AlignCommandTest {
  /** Small enough for a few seconds per run; the --quick defaults with fewer prompts. */
  private static final List<String> TINY =
      List.of(
          "--quick",
          "--seeds",
          "2",
          "--iterations",
          "2",
          "--train-prompts",
          "24",
          "--test-prompts",
          "12",
          "--sft-steps",
          "30",
          "--samplers",
          "vanilla,mix-p");

  @TempDir Path tmp;

  private record Result(int exitCode, String out, String err) {}

  private static Result align(Path out, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("align", "--out", out.toString()));
    args.addAll(extra);
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code;
    try (PrintWriter po = new PrintWriter(o);
        PrintWriter pe = new PrintWriter(e)) {
      code = Main.execute(args.toArray(String[]::new), po, pe);
    }
    return new Result(code, o.toString(), e.toString());
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void writesTheTablesThePlotAndEveryRunAndResumesToTheSameResults() throws IOException {
    Path whole = tmp.resolve("whole");
    Result r = align(whole, TINY);
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("| mix-p | 2 |"), r.out());

    List<String> csv = Files.readAllLines(whole.resolve("results.csv"));
    assertEquals(
        "sampler,iteration,seeds,reward_mean,reward_sd,win_rate_mean,win_rate_sd,"
            + "kl_mean,kl_sd,reward_greedy_mean,reward_greedy_sd",
        csv.get(0));
    assertEquals(1 + 2 * 3, csv.size(), "2 samplers x iterations 0..2");
    assertTrue(csv.get(1).startsWith("vanilla,0,2,"), csv.get(1));
    String[] initial = csv.get(1).split(",");
    assertEquals(0.5, Double.parseDouble(initial[5]), "the initial model ties with itself");
    String md = Files.readString(whole.resolve("results.md"));
    assertTrue(md.contains("| sampler | iteration | reward | greedy reward |"), md);
    assertEquals(0.0, Double.parseDouble(initial[7]), "the initial model has no KL to itself");
    for (String row : csv.subList(1, csv.size())) {
      assertTrue(Double.parseDouble(row.split(",")[7]) >= 0, "KL is never negative: " + row);
    }
    assertTrue(md.contains("paired by seed"), md);
    BufferedImage png = ImageIO.read(whole.resolve("reward_vs_kl.png").toFile());
    assertNotNull(png);
    assertEquals(900, png.getWidth());
    assertTrue(Files.readString(whole.resolve("run.json")).contains("\"command\" : \"align\""));
    for (String run : List.of("vanilla/seed-1", "vanilla/seed-2", "mix-p/seed-1", "mix-p/seed-2")) {
      Path dir = whole.resolve("runs").resolve(run);
      assertTrue(Files.isRegularFile(dir.resolve("metrics.jsonl")), run);
      assertTrue(
          Files.isRegularFile(dir.resolve("checkpoints/iteration-2/model.safetensors")), run);
      assertTrue(
          Files.isRegularFile(dir.resolve("checkpoints/iteration-2/tokenizer.json")),
          "a checkpoint is a self-contained model folder: " + run);
    }

    Path resumed = tmp.resolve("resumed");
    Result stopped = align(resumed, with(TINY, "--stop-after", "1"));
    assertEquals(0, stopped.exitCode(), stopped::toString);
    assertTrue(Files.notExists(resumed.resolve("results.csv")));
    assertTrue(Files.notExists(resumed.resolve("runs/mix-p/seed-2/checkpoints/iteration-2")));
    Result again = align(resumed, TINY);
    assertEquals(0, again.exitCode(), again::toString);
    assertArrayEquals(
        Files.readAllBytes(whole.resolve("results.csv")),
        Files.readAllBytes(resumed.resolve("results.csv")));
    assertArrayEquals(
        Files.readAllBytes(whole.resolve("runs/mix-p/seed-2/metrics.jsonl")),
        Files.readAllBytes(resumed.resolve("runs/mix-p/seed-2/metrics.jsonl")));
  }

  /**
   * {@code --lora-rank}: adapters on the SFT reference are the only weights trained (its bytes do
   * not change), the policy starts equal to its reference (the base view) and the DPO loss falls
   * from ln 2, every checkpoint is a self-contained PEFT adapter folder that {@code lm generate}
   * takes as {@code --model}, and a stopped run resumes to the bytes of an uninterrupted one.
   */
  @Test
  void loraTrainsAdaptersOnTheUnchangedReferenceAndResumesExactly() throws IOException {
    List<String> lora =
        List.of(
            "--quick",
            "--seeds",
            "1",
            "--iterations",
            "2",
            "--train-prompts",
            "24",
            "--test-prompts",
            "12",
            "--sft-steps",
            "30",
            "--samplers",
            "on-policy",
            "--lora-rank",
            "4",
            "--lora-targets",
            "all-linear",
            "--lr",
            "1e-2");
    Path resumed = tmp.resolve("lora-resumed");
    Result stopped = align(resumed, with(lora, "--stop-after", "1"));
    assertEquals(0, stopped.exitCode(), stopped::toString);
    Path sft;
    try (var dirs = Files.list(resumed.resolve("sft"))) {
      sft = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    byte[] base = Files.readAllBytes(sft.resolve("model.safetensors"));
    Result again = align(resumed, lora);
    assertEquals(0, again.exitCode(), again::toString);
    assertArrayEquals(base, Files.readAllBytes(sft.resolve("model.safetensors")));

    Path whole = tmp.resolve("lora-whole");
    Result r = align(whole, lora);
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(
        Files.readString(whole.resolve("results.md")).contains("LoRA adapters (rank 4, alpha 8.0"),
        "results.md states the adapters");
    assertTrue(
        Files.readString(whole.resolve("run.json")).contains("\"rank\" : 4"), "run.json: lora");
    Path run = whole.resolve("runs/on-policy/seed-1");
    for (int it = 1; it <= 2; it++) {
      Path checkpoint = run.resolve("checkpoints/iteration-" + it);
      assertTrue(
          Files.isRegularFile(checkpoint.resolve("adapter_config.json")), checkpoint::toString);
      assertTrue(Files.isRegularFile(checkpoint.resolve("tokenizer.json")), "self-contained");
      assertTrue(Files.notExists(checkpoint.resolve("model.safetensors")), "no copy of the base");
      assertArrayEquals(
          Files.readAllBytes(checkpoint.resolve("adapter_model.safetensors")),
          Files.readAllBytes(
              resumed.resolve(
                  "runs/on-policy/seed-1/checkpoints/iteration-"
                      + it
                      + "/adapter_model.safetensors")));
    }
    assertArrayEquals(
        Files.readAllBytes(whole.resolve("results.csv")),
        Files.readAllBytes(resumed.resolve("results.csv")));
    assertArrayEquals(
        Files.readAllBytes(run.resolve("metrics.jsonl")),
        Files.readAllBytes(resumed.resolve("runs/on-policy/seed-1/metrics.jsonl")));

    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    List<com.fasterxml.jackson.databind.JsonNode> train = new ArrayList<>();
    double kl = Double.NaN;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      var node = json.readTree(line);
      if (node.path("type").asText().equals("train")) {
        train.add(node);
      } else if (node.path("type").asText().equals("eval")) {
        kl = node.get("objective/kl").asDouble();
      }
    }
    // The loss is computed in float32, so ln 2 holds to float32's precision.
    assertEquals(Math.log(2), train.get(0).get("loss").asDouble(), 1e-6, "policy = reference");
    for (int it = 1; it <= 2; it++) {
      int i = it;
      List<Double> losses =
          train.stream()
              .filter(n -> n.get("iteration").asInt() == i)
              .map(n -> n.get("loss").asDouble())
              .toList();
      assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 1e-3, "loss falls: " + losses);
    }
    assertTrue(kl > 0, "the adapters moved the policy away from its base: " + kl);

    Path prompts =
        Files.writeString(
            tmp.resolve("lora-prompts.jsonl"),
            "{\"prompt\": \""
                + dpo.datasets.synthetic.SyntheticTasks.get("safe-helpful").prompts(0, 1, 1).get(0)
                + "\"}\n");
    Path generated = tmp.resolve("lora-generated.jsonl");
    LmTrainCommandTest.Result g =
        LmTrainCommandTest.dpo(
            "lm",
            "generate",
            "--model",
            run.resolve("checkpoints/iteration-2").toString(),
            "--prompts",
            prompts.toString(),
            "--greedy",
            "--max-new-tokens",
            "4",
            "--out",
            generated.toString());
    assertEquals(0, g.exitCode(), g.toString());
    assertEquals(1, Files.readAllLines(generated).size());
  }

  /** {@code --arch llama --preset tiny}: the synthetic task's reference is a Llama of that size. */
  @Test
  void archAndPresetChooseTheReferencesModel() throws IOException {
    Path out = tmp.resolve("llama");
    Result r =
        align(
            out,
            List.of(
                "--quick",
                "--seeds",
                "1",
                "--iterations",
                "1",
                "--train-prompts",
                "8",
                "--test-prompts",
                "4",
                "--sft-steps",
                "10",
                "--samplers",
                "on-policy",
                "--arch",
                "llama",
                "--preset",
                "tiny"));
    assertEquals(0, r.exitCode(), r::toString);
    Path sft;
    try (var dirs = Files.list(out.resolve("sft"))) {
      sft = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    String config = Files.readString(sft.resolve("config.json"));
    assertTrue(config.contains("\"model_type\": \"llama\""), config);
    assertTrue(config.contains("\"num_key_value_heads\": 2"), "the tiny preset's: " + config);
    assertTrue(config.contains("\"vocab_size\": 56"), "the task's vocabulary: " + config);
    assertTrue(Files.isRegularFile(sft.resolve("tokenizer.json")));
    assertTrue(
        Files.readString(out.resolve("results.md")).contains("reference = llama preset tiny"));
    assertTrue(
        Files.isRegularFile(
            out.resolve("runs/on-policy/seed-1/checkpoints/iteration-1/model.safetensors")));
  }

  @Test
  void aSamplerThatNeedsRewardsIsRefusedWithTheOnesThatRun() {
    Result r = align(tmp.resolve("x"), List.of("--quick", "--samplers", "dpo-mix-r"));
    assertEquals(2, r.exitCode(), r::toString);
    assertTrue(r.err().contains("--samplers"), r.err());
    assertTrue(r.err().contains("mix-p-on-policy"), r.err());
    assertTrue(Files.notExists(tmp.resolve("x")), "nothing is written");
  }

  @Test
  void uniformSamplersAreRefusedAsRandomTokens() {
    for (String sampler : List.of("dpo-unif", "half-mix-p")) {
      Result r = align(tmp.resolve(sampler), List.of("--quick", "--samplers", sampler));
      assertEquals(2, r.exitCode(), r::toString);
      assertTrue(
          r.err()
              .contains(
                  "--samplers: sampler '"
                      + sampler
                      + "' cannot run on a language"
                      + " model: component 1 draws a response from the uniform distribution"),
          r.err());
      assertTrue(r.err().contains("uniformly random tokens"), r.err());
      assertTrue(Files.notExists(tmp.resolve(sampler)), "nothing is written");
    }
  }

  @Test
  void badLoopSettingsNameTheOption() {
    Result r = align(tmp.resolve("z"), List.of("--quick", "-k", "1", "--label-rule", "soft"));
    assertEquals(2, r.exitCode(), r::toString);
    assertTrue(r.err().contains("--responses: must be >= 2, got 1"), r.err());
    Result rule = align(tmp.resolve("z"), List.of("--quick", "--label-rule", "fuzzy"));
    assertEquals(2, rule.exitCode(), rule::toString);
    assertTrue(rule.err().contains("bernoulli"), rule.err());
  }

  @Test
  void ownPromptsNeedAnOracleAndAModel() throws IOException {
    Path prompts = Files.writeString(tmp.resolve("p.txt"), "hello\nworld\n");
    Result r = align(tmp.resolve("y"), List.of("--prompts", prompts.toString()));
    assertEquals(2, r.exitCode(), r::toString);
    assertTrue(r.err().contains("--oracle"), r.err());
  }
}
