package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.ReferenceLogProbs;
import dpo.api.lm.SaveFormat;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TokenBatch;
import dpo.api.lm.TokenLoss;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.oracle.LabelRule;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignProgress;
import dpo.core.align.Evaluation;
import dpo.core.align.LocalGeneration;
import dpo.core.align.OnlineDpoLoop;
import dpo.core.align.Prompt;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The align loop's memory savers: the reference runs once per round of generated pairs, not at
 * every step and epoch, {@code --grad-accumulation} K with batch B steps as batch K x B, and with
 * LoRA adapters the base weights are held once: the reference, the generator's reference and the
 * evaluation's initial model are the policy's base view.
 */
class OnlineDpoLoopMemoryTest {
  static final DpoRuntime RUNTIME = DpoRuntime.builder().build();
  static final SyntheticTask TASK = SyntheticTasks.get("safe-helpful");
  static final WordTokenizer TOKENIZER = new WordTokenizer(TASK.vocabulary());
  static final List<Prompt> TRAIN = Prompt.of(TASK.prompts(0, 20, 3));
  static final List<Prompt> TEST = Prompt.of(TASK.prompts(20, 6, 3));
  static final int NEW_TOKENS = 8;
  static final ObjectMapper JSON = new ObjectMapper();
  static PolicyBackend backend;
  static RewardOracle oracle;
  static LanguageModel initial;

  @TempDir Path tmp;

  @BeforeAll
  static void setUp() {
    backend = RUNTIME.backends().get("djl").create(new BackendConfig(1));
    oracle = RUNTIME.oracles().get("synthetic").create(OracleConfig.of(Map.of()));
    initial =
        backend
            .languageModels()
            .orElseThrow()
            .newLanguageModel(
                new ModelConfig(
                    TOKENIZER.vocabularySize(), 16, 1, 2, 1 + TASK.maxPromptWords() + NEW_TOKENS),
                13);
  }

  @AfterAll
  static void tearDown() {
    initial.close();
    oracle.close();
    backend.close();
  }

  /** What the loop asked of its trainers. */
  static final class Calls {
    final List<Integer> referencePairs = new ArrayList<>();
    final List<Integer> stepPairs = new ArrayList<>();
    int referenceModelSteps;
    final List<Path> loads = new ArrayList<>();
    final List<LanguageModel> trained = new ArrayList<>();
    final List<LanguageModel> trainedBases = new ArrayList<>();
    final List<LanguageModel> references = new ArrayList<>();
    final List<LanguageModel> generators = new ArrayList<>();
  }

  /** The djl language models, with trainers that record their calls. */
  record Counting(LanguageModels lm, Calls calls) implements LanguageModels {
    @Override
    public LanguageModel newLanguageModel(ModelConfig config, long seed) {
      return lm.newLanguageModel(config, seed);
    }

    @Override
    public LanguageModel newLanguageModel(
        String architecture, String preset, Path tokenizer, int contextLength, long seed) {
      return lm.newLanguageModel(architecture, preset, tokenizer, contextLength, seed);
    }

    @Override
    public LanguageModel loadLanguageModel(Path directory) {
      calls.loads.add(directory);
      return lm.loadLanguageModel(directory);
    }

    @Override
    public void addLora(LanguageModel model, LoraConfig config, long seed) {
      lm.addLora(model, config, seed);
    }

    @Override
    public void convert(Path source, Path target, SaveFormat format) {
      lm.convert(source, target, format);
    }

    @Override
    public Tokenizer loadTokenizer(Path directory) {
      return lm.loadTokenizer(directory);
    }

    @Override
    public List<int[]> generate(
        List<LanguageModel> models,
        double[] weights,
        List<int[]> prompts,
        GenerationConfig config) {
      calls.generators.addAll(models);
      return lm.generate(models, weights, prompts, config);
    }

    @Override
    public LmTrainer newTrainer(LanguageModel model, TrainerConfig config) {
      calls.trained.add(model);
      calls.trainedBases.add(model.withoutAdapters());
      LmTrainer t = lm.newTrainer(model, config);
      return new LmTrainer() {
        @Override
        public StepMetrics dpoStep(
            PreferenceBatch batch, LanguageModel reference, Objective objective) {
          calls.referenceModelSteps++;
          return t.dpoStep(batch, reference, objective);
        }

        @Override
        public StepMetrics dpoStep(
            PreferenceBatch batch, ReferenceLogProbs reference, Objective objective) {
          calls.stepPairs.add(batch.size());
          return t.dpoStep(batch, reference, objective);
        }

        @Override
        public ReferenceLogProbs referenceLogProbs(PreferenceBatch batch, LanguageModel reference) {
          calls.referencePairs.add(batch.size());
          calls.references.add(reference);
          return t.referenceLogProbs(batch, reference);
        }

        @Override
        public double supervisedStep(List<int[]> prompts, List<int[]> responses) {
          return t.supervisedStep(prompts, responses);
        }

        @Override
        public TokenLoss languageModelStep(TokenBatch batch) {
          return t.languageModelStep(batch);
        }

        @Override
        public TokenLoss tokenLoss(TokenBatch batch) {
          return t.tokenLoss(batch);
        }

        @Override
        public void saveState(Path file) {
          t.saveState(file);
        }

        @Override
        public void loadState(Path file) {
          t.loadState(file);
        }

        @Override
        public long steps() {
          return t.steps();
        }

        @Override
        public void close() {
          t.close();
        }
      };
    }
  }

  static AlignConfig config(int epochs, int batch, int resyncEvery, int accumulation) {
    return new AlignConfig(
        2,
        3,
        epochs,
        batch,
        5e-3,
        NEW_TOKENS,
        1.0,
        0.1,
        1,
        0.7,
        4,
        LabelRule.SOFT,
        resyncEvery,
        false,
        5,
        accumulation);
  }

  static List<Evaluation> run(AlignConfig config, Calls calls, Path dir) {
    Objective dpo = RUNTIME.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(0.1));
    return new OnlineDpoLoop(
            new Counting(backend.languageModels().orElseThrow(), calls),
            TOKENIZER,
            oracle,
            RUNTIME.samplers().get("mix-p").create(),
            dpo,
            config,
            AlignProgress.NONE)
        .run(initial, null, TRAIN, TEST, dir, Integer.MAX_VALUE, "", null);
  }

  /** The pairs of each round, from the generation lines of metrics.jsonl. */
  static List<Integer> roundPairs(Path dir) throws IOException {
    List<Integer> pairs = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals("generation") && node.get("pairs").asInt() > 0) {
        pairs.add(node.get("pairs").asInt());
      }
    }
    return pairs;
  }

  @Test
  void theReferenceRunsOncePerRoundOfPairsNotAtEveryStep() throws IOException {
    for (int resync : new int[] {0, 1}) {
      Calls calls = new Calls();
      Path dir = tmp.resolve("resync-" + resync);
      run(config(3, 4, resync, 1), calls, dir);
      List<Integer> rounds = roundPairs(dir);
      assertEquals(rounds, calls.referencePairs, "one reference pass per round, all its pairs");
      assertEquals(0, calls.referenceModelSteps, "no step runs the reference");
      int steps = 0;
      for (int pairs : rounds) {
        steps += 3 * ((pairs + 3) / 4);
      }
      assertEquals(steps, calls.stepPairs.size(), "3 epochs of steps of 4 pairs");
      assertTrue(calls.referencePairs.size() < calls.stepPairs.size());
    }
  }

  @Test
  void accumulatingTwoBatchesOfTwoStepsAsOneBatchOfFour() throws IOException {
    Calls accumulated = new Calls();
    Path a = tmp.resolve("accumulated");
    List<Evaluation> ea = run(config(2, 2, 0, 2), accumulated, a);
    Calls big = new Calls();
    Path b = tmp.resolve("big");
    List<Evaluation> eb = run(config(2, 4, 0, 1), big, b);
    assertEquals(eb, ea);
    assertArrayEquals(
        Files.readAllBytes(b.resolve("metrics.jsonl")),
        Files.readAllBytes(a.resolve("metrics.jsonl")));
    assertEquals(big.stepPairs, accumulated.stepPairs);
    assertTrue(accumulated.stepPairs.stream().allMatch(n -> n <= 4));
    assertTrue(accumulated.stepPairs.contains(4), "four pairs per optimizer step");
    // Without accumulation, batch 2 takes twice the steps.
    Calls small = new Calls();
    List<Evaluation> es = run(config(2, 2, 0, 1), small, tmp.resolve("small"));
    assertTrue(small.stepPairs.size() > big.stepPairs.size());
    assertNotEquals(eb, es);
  }

  @Test
  void withAdaptersTheReferenceAndTheGeneratorShareThePolicysWeights() throws IOException {
    Path folder = tmp.resolve("initial");
    initial.save(folder);
    byte[] weights = Files.readAllBytes(folder.resolve("model.safetensors"));
    Objective dpo = RUNTIME.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(0.1));
    Path dir = tmp.resolve("lora");
    for (int last : new int[] {1, 2}) {
      Calls calls = new Calls();
      LanguageModels counting = new Counting(backend.languageModels().orElseThrow(), calls);
      new OnlineDpoLoop(
              counting,
              TOKENIZER,
              oracle,
              new LocalGeneration(counting, TOKENIZER, oracle),
              RUNTIME.samplers().get("mix-p").create(),
              dpo,
              config(2, 4, 0, 1),
              LoraConfig.ofRank(2),
              AlignProgress.NONE)
          .run(null, folder, TRAIN, TEST, dir, last, "", null);
      // One model per run: the initial folder with fresh adapters, or when resuming the last
      // adapter checkpoint on that folder; no copy of the weights for the reference.
      assertEquals(
          List.of(last == 1 ? folder : dir.resolve("checkpoints/iteration-1")), calls.loads);
      assertEquals(1, calls.trained.size(), "one iteration trained per run");
      LanguageModel policy = calls.trained.get(0);
      LanguageModel base = calls.trainedBases.get(0);
      assertTrue(base != policy, "the policy carries adapters; its base view is another object");
      assertTrue(!calls.references.isEmpty());
      for (LanguageModel r : calls.references) {
        assertTrue(r == base, "every reference pass runs on the policy's base view");
      }
      for (LanguageModel g : calls.generators) {
        assertTrue(g == policy || g == base, "generation uses the policy and its base view only");
      }
      assertTrue(calls.generators.contains(base), "mix-p mixes in the reference");
      assertTrue(
          Files.isRegularFile(
              dir.resolve("checkpoints/iteration-" + last + "/adapter_model.safetensors")));
      assertTrue(
          Files.notExists(dir.resolve("checkpoints/iteration-" + last + "/model.safetensors")));
    }
    assertArrayEquals(weights, Files.readAllBytes(folder.resolve("model.safetensors")));
    // The adapters are part of the run's fingerprint: other ones do not resume this run.
    ConfigurationException other =
        assertThrows(
            ConfigurationException.class,
            () ->
                new OnlineDpoLoop(
                        backend.languageModels().orElseThrow(),
                        TOKENIZER,
                        oracle,
                        new LocalGeneration(
                            backend.languageModels().orElseThrow(), TOKENIZER, oracle),
                        RUNTIME.samplers().get("mix-p").create(),
                        dpo,
                        config(2, 4, 0, 1),
                        LoraConfig.ofRank(3),
                        AlignProgress.NONE)
                    .run(null, folder, TRAIN, TEST, dir, 2, "", null));
    assertTrue(other.getMessage().contains("holds a run with other settings"), other.getMessage());
  }

  @Test
  void gradientAccumulationMustBePositive() {
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> config(1, 4, 0, 0));
    assertEquals("gradientAccumulation", e.violations().get(0).field());
  }
}
