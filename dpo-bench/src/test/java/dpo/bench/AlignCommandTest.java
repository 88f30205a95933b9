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
    assertTrue(md.contains("| sampler | minus | reward difference (mean) | 95% CI |"), md);
    List<String> comparison = Files.readAllLines(whole.resolve("comparison.csv"));
    assertEquals("sampler,minus,diff_mean,ci_low,ci_high,seeds_ahead,seeds", comparison.get(0));
    assertEquals(2, comparison.size(), "one pair of samplers");
    String[] pair = comparison.get(1).split(",");
    assertEquals("mix-p", pair[0]);
    assertEquals("vanilla", pair[1]);
    assertEquals("2", pair[6]);
    double mean = Double.parseDouble(pair[2]);
    assertTrue(
        Double.parseDouble(pair[3]) <= mean && mean <= Double.parseDouble(pair[4]),
        "the interval holds the mean: " + comparison.get(1));
    List<String> atKl = Files.readAllLines(whole.resolve("comparison_at_kl.csv"));
    assertEquals("kl,sampler,minus,diff_mean,ci_low,ci_high,seeds_ahead,seeds", atKl.get(0));
    assertTrue(Files.size(whole.resolve("reward_vs_kl_bands.png")) > 0);
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

  /** One seed, one iteration past the first, a handful of prompts: the protocol tests' size. */
  private static final List<String> SMALL =
      List.of(
          "--quick",
          "--seeds",
          "1",
          "--iterations",
          "2",
          "--train-prompts",
          "16",
          "--test-prompts",
          "8",
          "--sft-steps",
          "20");

  @Test
  void thePaperProtocolSharesIterationOneAndOnPolicyContinuesAsIfRunAlone() throws IOException {
    Path paper = tmp.resolve("paper");
    Result r = align(paper, with(SMALL, "--protocol", "paper", "--samplers", "on-policy,mix-p"));
    assertEquals(0, r.exitCode(), r::toString);
    Path shared = paper.resolve("runs/shared-iteration-1/seed-1");
    assertTrue(Files.isRegularFile(shared.resolve("checkpoints/iteration-1/model.safetensors")));
    assertTrue(Files.notExists(shared.resolve("checkpoints/iteration-2")), "only iteration 1");
    for (String s : List.of("on-policy", "mix-p")) {
      Path run = paper.resolve("runs").resolve(s).resolve("seed-1");
      assertTrue(Files.notExists(run.resolve("checkpoints/iteration-1")), s);
      assertTrue(Files.isRegularFile(run.resolve("checkpoints/iteration-2/model.safetensors")), s);
      // The run's metrics begin with the shared iteration's lines.
      assertTrue(
          Files.readString(run.resolve("metrics.jsonl"))
              .startsWith(Files.readString(shared.resolve("metrics.jsonl"))),
          s);
    }
    List<String> csv = Files.readAllLines(paper.resolve("results.csv"));
    // on-policy and mix-p rows of iteration 1 are the same shared run.
    assertEquals(
        csv.get(2).substring("on-policy".length()), csv.get(5).substring("mix-p".length()));
    String md = Files.readString(paper.resolve("results.md"));
    assertTrue(md.contains("protocol paper (iteration 1 on-policy"), md);
    assertTrue(md.contains("K = 2") && md.contains("temperature 0.7"), md);

    // On-policy continuing the on-policy iteration 1 is exactly an on-policy run with the
    // protocol's settings given one by one.
    Path plain = tmp.resolve("plain");
    Result p =
        align(
            plain,
            with(
                SMALL,
                "--samplers",
                "on-policy",
                "--temperature",
                "0.7",
                "--margin-scale",
                "4",
                "--responses",
                "2"));
    assertEquals(0, p.exitCode(), p::toString);
    assertArrayEquals(
        Files.readAllBytes(plain.resolve("runs/on-policy/seed-1/metrics.jsonl")),
        Files.readAllBytes(paper.resolve("runs/on-policy/seed-1/metrics.jsonl")));
  }

  @Test
  void bestOfFourIsOnPolicyWithFourResponsesPerPrompt() throws IOException {
    Path best = tmp.resolve("best");
    Result b = align(best, with(SMALL, "--samplers", "best-of-4"));
    assertEquals(0, b.exitCode(), b::toString);
    Path k4 = tmp.resolve("k4");
    Result k = align(k4, with(SMALL, "--samplers", "on-policy", "--responses", "4"));
    assertEquals(0, k.exitCode(), k::toString);
    assertArrayEquals(
        Files.readAllBytes(k4.resolve("runs/on-policy/seed-1/metrics.jsonl")),
        Files.readAllBytes(best.resolve("runs/best-of-4/seed-1/metrics.jsonl")));
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
