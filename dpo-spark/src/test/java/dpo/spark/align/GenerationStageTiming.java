package dpo.spark.align;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.Tokenizer;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.oracle.LabelRule;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignProgress;
import dpo.core.align.GenerationEngine;
import dpo.core.align.LocalGeneration;
import dpo.core.align.OnlineDpoLoop;
import dpo.core.align.Prompt;
import dpo.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the generation stage (drawing and scoring, the engine's {@code generate}) of each iteration
 * of one {@code align --quick} run (task safe-helpful, 64 train and 32 test prompts, K = 2, mix-p)
 * on the local engine and on the spark engine at {@code local[N]}, from the SFT reference that
 * {@code dpo align --quick} cached. Not a test: run its main with the test class path.
 *
 * <pre>
 * java ... dpo.spark.align.GenerationStageTiming OUT/sft/seed-1-KEY local[2] WORKDIR [reloaded]
 * </pre>
 */
public final class GenerationStageTiming {
  private GenerationStageTiming() {}

  /** Records how long each call of an engine takes. */
  static final class Timed implements GenerationEngine {
    final GenerationEngine inner;
    final List<Double> seconds = new ArrayList<>();

    Timed(GenerationEngine inner) {
      this.inner = inner;
    }

    @Override
    public String id() {
      return inner.id();
    }

    @Override
    public List<Generated> generate(LanguageModel generator, LanguageModel reference, Round round) {
      long t = System.nanoTime();
      List<Generated> out = inner.generate(generator, reference, round);
      seconds.add((System.nanoTime() - t) / 1e9);
      return out;
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /**
   * The local engine on copies of the models saved and loaded back each round, as the spark
   * engine's workers load them: tells the cost of the engine from that of the models' state.
   */
  static final class Reloaded implements GenerationEngine {
    final LanguageModels lm;
    final GenerationEngine inner;
    final Path dir;
    int calls;

    Reloaded(LanguageModels lm, GenerationEngine inner, Path dir) {
      this.lm = lm;
      this.inner = inner;
      this.dir = dir;
    }

    @Override
    public String id() {
      return "local-reloaded";
    }

    @Override
    public List<Generated> generate(LanguageModel generator, LanguageModel reference, Round round) {
      Path g = dir.resolve("g" + calls);
      Path r = dir.resolve("r" + calls++);
      generator.save(g);
      reference.save(r);
      try (LanguageModel a = lm.loadLanguageModel(g);
          LanguageModel b = lm.loadLanguageModel(r)) {
        return inner.generate(a, b, round);
      }
    }
  }

  /**
   * Runs the comparison.
   *
   * @param args the SFT checkpoint folder, the spark master, a scratch folder, and {@code reloaded}
   *     to time the local engine on reloaded models too
   */
  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    String master = args[1];
    Path work = Path.of(args[2]);
    Files.createDirectories(work);
    DpoRuntime runtime = DpoRuntime.builder().build();
    int newTokens = AlignRuns.TASK.maxResponseWords() + 1;
    AlignConfig config = AlignConfig.defaults(newTokens, 1).withSeed(1);
    config =
        new AlignConfig(
            3,
            config.responsesPerPrompt(),
            config.epochs(),
            config.batchSize(),
            config.learningRate(),
            newTokens,
            1.0,
            1.0,
            1,
            1.0,
            4,
            LabelRule.SOFT,
            0,
            false,
            1,
            1);
    List<String> train = AlignRuns.TASK.prompts(0, 64, 1);
    List<String> test = AlignRuns.TASK.prompts(64, 32, 1);
    Map<String, List<Double>> times = new java.util.LinkedHashMap<>();
    List<String> engines =
        args.length > 3 && args[3].equals("reloaded")
            ? List.of("local", "local-reloaded", "spark " + master)
            : List.of("local", "spark " + master);
    for (String engine : engines) {
      try (PolicyBackend backend = runtime.backends().get("djl").create(new BackendConfig(0));
          RewardOracle oracle =
              runtime.oracles().get("synthetic").create(OracleConfig.of(Map.of()))) {
        LanguageModels lm = backend.languageModels().orElseThrow();
        Tokenizer tokenizer = lm.loadTokenizer(model);
        Path out = work.resolve(engine.replaceAll("[^a-z0-9]", "-"));
        Files.createDirectories(out);
        Timed timed =
            new Timed(
                engine.equals("local")
                    ? new LocalGeneration(lm, tokenizer, oracle)
                    : engine.equals("local-reloaded")
                        ? new Reloaded(lm, new LocalGeneration(lm, tokenizer, oracle), out)
                        : new SparkGeneration(
                            SparkSessions.open(master, out, "timing", Map.of()),
                            new dpo.core.align.GenerationEngineProvider.Setup(
                                "djl",
                                new BackendConfig(0),
                                "synthetic",
                                Map.of(),
                                1,
                                master,
                                out)));
        try (timed;
            LanguageModel initial = lm.loadLanguageModel(model)) {
          new OnlineDpoLoop(
                  lm,
                  tokenizer,
                  oracle,
                  timed,
                  runtime.samplers().get("mix-p").create(),
                  runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(0.5)),
                  config,
                  null,
                  AlignProgress.NONE)
              .run(
                  initial,
                  null,
                  Prompt.of(train),
                  Prompt.of(test),
                  out.resolve("run"),
                  Integer.MAX_VALUE,
                  "",
                  null);
        }
        times.put(engine, timed.seconds);
      }
    }
    times.forEach(
        (engine, s) ->
            System.out.println(
                String.format(
                    Locale.ROOT,
                    "%-16s generation stage per iteration (s): %s",
                    engine,
                    s.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList())));
  }
}
