package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TokenBatch;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** LoRA adapters: PEFT's initialisation, layout and names, frozen base, DPO reference for free. */
class LoraTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  static final GptArchitecture LLAMA = LlamaModelTest.tiny("llama", false, null);
  static final GptArchitecture GPT2 = GptArchitecture.gpt2(new ModelConfig(20, 16, 2, 2, 40));

  static PreferenceBatch batch(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> chosen = new ArrayList<>();
    List<int[]> rejected = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      prompts.add(r.ints(1 + i, 0, 20).toArray());
      chosen.add(r.ints(3, 0, 10).toArray());
      rejected.add(r.ints(2 + i % 2, 10, 20).toArray());
    }
    return new PreferenceBatch(prompts, chosen, rejected, new double[] {0.9, 0.2, 0.7, 1.0});
  }

  static List<int[]> prompts() {
    return List.of(new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6});
  }

  static List<int[]> responses() {
    return List.of(new int[] {7, 8}, new int[] {9, 10, 11}, new int[] {12});
  }

  /** Sets every B to random values so the adapters change the model. */
  static void randomiseB(GptModel model, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    for (Map.Entry<String, NDArray> e : model.trainableParameters().entrySet()) {
      if (e.getKey().contains("lora_B")) {
        float[] v = new float[(int) e.getValue().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (0.2 * r.nextGaussian());
        }
        e.getValue().set(v);
      }
    }
  }

  @Test
  void freshAdaptersLeaveTheModelExactlyAsItWas() {
    for (GptArchitecture a : List.of(LLAMA, GPT2)) {
      try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), a, 1)) {
        double[] before = model.sequenceLogProbs(prompts(), responses());
        model.addLora(new LoraConfig(4, 8, List.of(LoraConfig.ALL_LINEAR)), 2);
        assertTrue(model.hasAdapters());
        assertArrayEquals(before, model.sequenceLogProbs(prompts(), responses()), 0.0);
        // A is drawn as PEFT draws it: uniform within +-1/sqrt(in), not zero.
        NDArray first = model.trainableParameters().values().iterator().next();
        float[] values = first.toFloatArray();
        double bound = 1 / Math.sqrt(first.getShape().get(1));
        double largest = 0;
        for (float v : values) {
          largest = Math.max(largest, Math.abs(v));
        }
        assertTrue(largest <= bound && largest > 0.5 * bound, largest + " vs bound " + bound);
      }
    }
  }

  @Test
  void theBaseViewScoresAsTheBaseWithoutACopy() {
    DjlLanguageModels lm = new DjlLanguageModels(ENGINE.root(), true);
    GenerationConfig greedy = GenerationConfig.greedy(6, -1);
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 3)) {
      double[] base = model.sequenceLogProbs(prompts(), responses());
      List<int[]> baseTokens = lm.generate(List.of(model), new double[] {1}, prompts(), greedy);
      lm.addLora(model, LoraConfig.ofRank(2), 4);
      randomiseB(model, 5);
      double[] adapted = model.sequenceLogProbs(prompts(), responses());
      assertNotEquals(base[0], adapted[0]);
      LanguageModel view = model.withoutAdapters();
      assertArrayEquals(base, view.sequenceLogProbs(prompts(), responses()), 0.0);
      // The view generates (and mixes logits) as the base did, sharing the weight arrays.
      List<int[]> viewTokens = lm.generate(List.of(view), new double[] {1}, prompts(), greedy);
      for (int i = 0; i < baseTokens.size(); i++) {
        assertArrayEquals(baseTokens.get(i), viewTokens.get(i));
      }
      assertTrue(
          model.parameters().get("model.embed_tokens.weight")
              == ((GptModel) view).parameters().get("model.embed_tokens.weight"),
          "no copy of the weights");
      view.close(); // a view: the model stays usable
      assertArrayEquals(adapted, model.sequenceLogProbs(prompts(), responses()), 0.0);
      assertFalse(view.hasAdapters());
      assertThrows(
          ConfigurationException.class,
          () -> new DjlTrainer((GptModel) view, TrainerConfig.adamW(1e-3)));
    }
  }

  @Test
  void theAdapterGradientMatchesFiniteDifferences() {
    try (GptModel policy = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 6)) {
      policy.addLora(new LoraConfig(3, 6, List.of("q_proj", "v_proj", "down_proj")), 7);
      randomiseB(policy, 8);
      PreferenceBatch batch = batch(9);
      Objective dpo = DjlTrainerTest.sigmoid(2.0);
      try (DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-3))) {
        LanguageModel reference = policy.withoutAdapters();
        trainer.dpoLossAndGradients(batch, reference, dpo);
        for (NDArray p : policy.parameters().values()) {
          assertFalse(p.hasGradient(), "the base weights are frozen");
        }
        Map<String, NDArray> trained = policy.trainableParameters();
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : trained.entrySet()) {
          NDArray g = e.getValue().getGradient();
          gradients.put(e.getKey(), g.toFloatArray());
          g.close();
        }
        SplittableRandom r = new SplittableRandom(10);
        List<String> names =
            List.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight",
                "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight",
                "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight");
        for (String name : names) {
          NDArray p = trained.get(name);
          float[] gradient = gradients.get(name);
          for (int k = 0; k < 3; k++) {
            int i = r.nextInt(gradient.length);
            float[] values = p.toFloatArray();
            float original = values[i];
            // float32 forward: central differences with a step of 1e-2 on a loss of order 1
            // carry about 1e-3 of rounding, as in LlamaModelTest's full-model check.
            double eps = 1e-2;
            values[i] = (float) (original + eps);
            p.set(values);
            double plus = trainer.dpoLossAndGradients(batch, reference, dpo);
            values[i] = (float) (original - eps);
            p.set(values);
            double minus = trainer.dpoLossAndGradients(batch, reference, dpo);
            values[i] = original;
            p.set(values);
            double numeric = (plus - minus) / (2 * eps);
            assertEquals(
                numeric, gradient[i], 2e-3 + 0.05 * Math.abs(numeric), name + "[" + i + "]");
          }
        }
      }
    }
  }

  @Test
  void aDpoStepTrainsOnlyTheAdaptersAndTheLossFalls() {
    for (GptArchitecture a : List.of(LLAMA, GPT2)) {
      try (GptModel policy = LlamaModelTest.randomised(ENGINE.root(), a, 11)) {
        Map<String, float[]> base = new LinkedHashMap<>();
        policy.parameters().forEach((k, v) -> base.put(k, v.toFloatArray()));
        policy.addLora(new LoraConfig(4, 8, List.of(LoraConfig.ALL_LINEAR)), 12);
        PreferenceBatch batch = batch(13);
        Objective dpo = DjlTrainerTest.sigmoid(0.5);
        try (DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-2))) {
          LanguageModel reference = policy.withoutAdapters();
          StepMetrics first = trainer.dpoStep(batch, reference, dpo);
          assertEquals(Math.log(2), first.loss(), 1e-6, "B = 0: the policy equals its reference");
          StepMetrics last = first;
          for (int i = 0; i < 20; i++) {
            last = trainer.dpoStep(batch, reference, dpo);
          }
          assertTrue(last.loss() < first.loss() - 0.05, first.loss() + " -> " + last.loss());
          // The optimizer holds moments of the adapters alone.
          assertEquals(
              2 * policy.trainableParameters().size(), trainer.optimizerStateSize(), a.modelType());
        }
        policy
            .parameters()
            .forEach((k, v) -> assertArrayEquals(base.get(k), v.toFloatArray(), 0f, k));
      }
    }
  }

  @Test
  void supervisedStepsTrainTheAdaptersAndTheirOptimizerStateResumes(@TempDir Path dir) {
    int[][] tokens = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}};
    boolean[][] targets = {
      {false, true, true, true, true, true}, {false, true, true, true, true, true}
    };
    TokenBatch batch = new TokenBatch(tokens, targets);
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 30);
        GptModel twin = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 30)) {
      Map<String, float[]> base = new LinkedHashMap<>();
      model.parameters().forEach((k, v) -> base.put(k, v.toFloatArray()));
      model.addLora(LoraConfig.ofRank(4), 31);
      twin.addLora(LoraConfig.ofRank(4), 31);
      Path state = dir.resolve("optimizer.safetensors");
      double first;
      double last;
      TrainerConfig adamW = TrainerConfig.adamW(3e-2).withSchedule(0, 0);
      try (DjlTrainer trainer = new DjlTrainer(model, adamW)) {
        first = trainer.languageModelStep(batch).loss();
        for (int i = 0; i < 10; i++) {
          trainer.languageModelStep(batch);
        }
        trainer.saveState(state);
        last = trainer.languageModelStep(batch).loss();
      }
      assertTrue(last < first - 0.1, first + " -> " + last);
      model.parameters().forEach((k, v) -> assertArrayEquals(base.get(k), v.toFloatArray(), 0f));
      // The moments saved under PEFT's names resume the same step on a twin with equal adapters.
      try (DjlTrainer trainer = new DjlTrainer(twin, adamW)) {
        for (int i = 0; i < 11; i++) {
          trainer.languageModelStep(batch);
        }
        trainer.loadState(state);
        assertEquals(11, trainer.steps());
      }
      assertTrue(
          SafeTensors.read(state).keySet().stream()
              .allMatch(n -> n.contains(".lora_A.") || n.contains(".lora_B.")),
          "moments of the adapters only");
    }
  }

  @Test
  void adaptersSaveAsPeftWritesThemAndLoadBackBitForBit(@TempDir Path dir) throws IOException {
    Path basePath = dir.resolve("base");
    Path adapterPath = dir.resolve("adapter");
    try (GptModel base = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 14)) {
      base.save(basePath);
    }
    try (GptModel model = GptModel.load(ENGINE.root(), basePath)) {
      model.addLora(new LoraConfig(2, 16, List.of("q_proj", "v_proj")), 15);
      randomiseB(model, 16);
      double[] adapted = model.sequenceLogProbs(prompts(), responses());
      model.save(adapterPath);
      assertFalse(Files.exists(adapterPath.resolve(GptModel.WEIGHTS_FILE)), "adapters only");
      JsonObject config =
          JsonParser.parseString(Files.readString(adapterPath.resolve(LoraAdapters.CONFIG_FILE)))
              .getAsJsonObject();
      assertEquals("LORA", config.get("peft_type").getAsString());
      assertEquals("CAUSAL_LM", config.get("task_type").getAsString());
      assertEquals(2, config.get("r").getAsInt());
      assertEquals(16, config.get("lora_alpha").getAsInt());
      assertEquals(0.0, config.get("lora_dropout").getAsDouble());
      assertEquals("none", config.get("bias").getAsString());
      assertFalse(config.get("fan_in_fan_out").getAsBoolean());
      assertEquals("[\"q_proj\",\"v_proj\"]", config.get("target_modules").toString());
      assertEquals(
          basePath.toAbsolutePath().normalize().toString(),
          config.get("base_model_name_or_path").getAsString());
      Map<String, Tensor> tensors =
          SafeTensors.read(adapterPath.resolve(LoraAdapters.WEIGHTS_FILE));
      assertEquals(2 * 2 * LLAMA.model().layers(), tensors.size());
      // (rank, in) and (out, rank); v_proj's out is the key-value width 2 x 6.
      assertArrayEquals(
          new long[] {2, 16},
          tensors.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
      assertArrayEquals(
          new long[] {24, 2},
          tensors.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape());
      assertArrayEquals(
          new long[] {12, 2},
          tensors.get("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").shape());
      Map<String, Object> info = Checkpoints.info(adapterPath);
      assertEquals("llama", info.get("model_type"));
      assertEquals("LoRA r=2 lora_alpha=16 (adapter_model.safetensors)", info.get("adapter"));
      assertEquals("[\"q_proj\",\"v_proj\"]", info.get("adapter_targets"));
      try (LanguageModel loaded =
          new DjlLanguageModels(ENGINE.root(), true).loadLanguageModel(adapterPath)) {
        GptModel g = (GptModel) loaded;
        assertTrue(g.hasAdapters());
        model
            .trainableParameters()
            .forEach(
                (k, v) ->
                    assertArrayEquals(
                        v.toFloatArray(), g.trainableParameters().get(k).toFloatArray(), 0f, k));
        assertArrayEquals(adapted, loaded.sequenceLogProbs(prompts(), responses()), 0.0);
      }
    }
  }

  @Test
  void gpt2AdaptersTargetTheConv1dModulesUnderTransformer(@TempDir Path dir) {
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), GPT2, 17)) {
      model.addLora(new LoraConfig(2, 4, List.of()), 18);
      randomiseB(model, 19);
      model.save(dir.resolve("a"));
      Map<String, Tensor> tensors =
          SafeTensors.read(dir.resolve("a").resolve(LoraAdapters.WEIGHTS_FILE));
      // c_attn maps 16 -> 48: A (2, 16), B (48, 2) as PEFT stores them for Conv1D.
      assertArrayEquals(
          new long[] {2, 16},
          tensors.get("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight").shape());
      assertArrayEquals(
          new long[] {48, 2},
          tensors.get("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight").shape());
      assertEquals(4, tensors.size());
      JsonObject config = model.adapters().configJson(null);
      assertTrue(config.get("fan_in_fan_out").getAsBoolean());
      assertTrue(config.get("base_model_name_or_path").isJsonNull());
    }
  }

  @Test
  void theMergedCheckpointScoresAsTheAdaptedModel(@TempDir Path dir) {
    for (GptArchitecture a : List.of(LLAMA, GPT2)) {
      Path base = dir.resolve(a.modelType() + "-base");
      Path adapter = dir.resolve(a.modelType() + "-adapter");
      Path merged = dir.resolve(a.modelType() + "-merged");
      try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), a, 20)) {
        model.save(base);
      }
      double[] adapted;
      try (GptModel model = GptModel.load(ENGINE.root(), base)) {
        model.addLora(new LoraConfig(3, 5, List.of(LoraConfig.ALL_LINEAR)), 21);
        randomiseB(model, 22);
        adapted = model.sequenceLogProbs(prompts(), responses());
        model.save(adapter);
      }
      Checkpoints.merge(ENGINE.root(), adapter, null, merged, CheckpointFormat.DEFAULT);
      try (GptModel full = GptModel.load(ENGINE.root(), merged)) {
        assertFalse(full.hasAdapters());
        double[] scores = full.sequenceLogProbs(prompts(), responses());
        for (int i = 0; i < scores.length; i++) {
          assertEquals(adapted[i], scores[i], 1e-5, a.modelType() + " row " + i);
        }
      }
    }
  }

  @Test
  void unknownTargetModulesAreRefusedNamingTheOption() {
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 23)) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class,
              () -> model.addLora(new LoraConfig(2, 4, List.of("q_proj", "c_attn")), 1));
      assertTrue(e.getMessage().contains("--lora-targets"), e.getMessage());
      assertTrue(e.getMessage().contains("'c_attn'"), e.getMessage());
      assertTrue(e.getMessage().contains("q_proj,k_proj,v_proj"), e.getMessage());
      assertFalse(model.hasAdapters());
    }
    ConfigurationException rank =
        assertThrows(ConfigurationException.class, () -> new LoraConfig(0, 4, List.of()));
    assertTrue(rank.getMessage().contains("--lora-rank"), rank.getMessage());
  }

  @Test
  void adapterFoldersThatDoNotFitTheBaseAreRefused(@TempDir Path dir) throws IOException {
    Path base = dir.resolve("base");
    Path adapter = dir.resolve("adapter");
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), LLAMA, 24)) {
      model.save(base);
      // A model not loaded from a folder names no base; loading then asks for one.
      model.addLora(LoraConfig.ofRank(2), 25);
      model.save(dir.resolve("orphan"));
    }
    BadDataException orphan =
        assertThrows(
            BadDataException.class,
            () -> GptModel.loadAdapter(ENGINE.root(), dir.resolve("orphan"), null));
    assertTrue(orphan.getMessage().contains("names no base model"), orphan.getMessage());
    try (GptModel model = GptModel.load(ENGINE.root(), base)) {
      model.addLora(LoraConfig.ofRank(2), 25);
      model.save(adapter);
    }
    Path config = adapter.resolve(LoraAdapters.CONFIG_FILE);
    String original = Files.readString(config);
    Files.writeString(config, original.replace("\"r\": 2", "\"r\": 3"));
    BadDataException shape =
        assertThrows(
            BadDataException.class, () -> GptModel.loadAdapter(ENGINE.root(), adapter, null));
    assertTrue(shape.getMessage().contains("lora_A.weight has shape [2, 16]"), shape.getMessage());
    Files.writeString(config, original.replace("\"use_dora\": false", "\"use_dora\": true"));
    BadDataException dora =
        assertThrows(
            BadDataException.class, () -> GptModel.loadAdapter(ENGINE.root(), adapter, null));
    assertTrue(dora.getMessage().contains("use_dora"), dora.getMessage());
    Files.writeString(config, original.replace(base.toAbsolutePath().toString(), "/no/such/base"));
    BadDataException missing =
        assertThrows(
            BadDataException.class, () -> GptModel.loadAdapter(ENGINE.root(), adapter, null));
    assertEquals(
        config
            + " (base_model_name_or_path): base model /no/such/base is not a folder here; set"
            + " base_model_name_or_path to the local folder of the base checkpoint",
        missing.getMessage());
    assertEquals(
        missing.getMessage(),
        assertThrows(BadDataException.class, () -> Checkpoints.info(adapter)).getMessage(),
        "lm info and lm convert name the adapter's base as loading does");
    // An explicit base folder overrides the config's.
    try (GptModel loaded = GptModel.loadAdapter(ENGINE.root(), adapter, base)) {
      assertTrue(loaded.hasAdapters());
    }
  }
}
