package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.SaveFormat;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import dpo.backend.gpu.text.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The djl backend's language models: GPT-2-style transformers on the backend's device. Generation
 * and training take models this backend created (their parameters live in its manager); a DPO
 * step's reference model may come from anywhere, as it is read through {@link
 * LanguageModel#sequenceLogProbs}.
 */
public final class DjlLanguageModels implements LanguageModels {
  private final NDManager manager;
  private final boolean kvCache;

  /**
   * The facet of one backend.
   *
   * @param manager the backend's root manager
   * @param kvCache whether generation caches keys and values
   */
  public DjlLanguageModels(NDManager manager, boolean kvCache) {
    this.manager = manager;
    this.kvCache = kvCache;
  }

  @Override
  public LanguageModel newLanguageModel(ModelConfig config, long seed) {
    return GptModel.create(manager, GptArchitecture.gpt2(config), seed);
  }

  /** Every architecture of {@link ModelPresets} in every size. */
  @Override
  public Map<String, List<String>> presets() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String arch : ModelPresets.ARCHITECTURES) {
      out.put(arch, ModelPresets.NAMES);
    }
    return out;
  }

  @Override
  public LanguageModel newLanguageModel(
      String architecture, String preset, Path tokenizer, int contextLength, long seed) {
    HfTokenizer t = HfTokenizer.load(tokenizer);
    GptArchitecture shape =
        ModelPresets.architecture(architecture, preset, contextLength, 0, 0, 0, t.vocabularySize());
    GptArchitecture withTokens =
        new GptArchitecture(
            shape.modelType(),
            shape.model(),
            shape.keyValueHeads(),
            shape.headDim(),
            shape.intermediateSize(),
            shape.activation(),
            shape.normEpsilon(),
            shape.ropeTheta(),
            shape.ropeScaling(),
            shape.qkvBias(),
            shape.outputBias(),
            shape.mlpBias(),
            shape.tieWordEmbeddings(),
            new GptArchitecture.SpecialTokens(t.beginOfSequence(), t.endOfSequence(), t.padding()));
    return GptModel.create(manager, withTokens, seed, Checkpoint.companions(tokenizer));
  }

  @Override
  public LanguageModel loadLanguageModel(Path directory) {
    return LoraAdapters.isAdapterFolder(directory)
        ? GptModel.loadAdapter(manager, directory, null)
        : GptModel.load(manager, directory);
  }

  @Override
  public void addLora(LanguageModel model, LoraConfig config, long seed) {
    own(model).addLora(config, seed);
  }

  @Override
  public Map<String, Object> describe(Path directory) {
    return Checkpoints.info(directory);
  }

  @Override
  public void convert(Path source, Path target, SaveFormat format) {
    Checkpoints.convert(manager, source, target, CheckpointFormat.of(format));
  }

  @Override
  public Tokenizer loadTokenizer(Path directory) {
    return HfTokenizer.load(directory);
  }

  @Override
  public List<int[]> generate(
      List<LanguageModel> models, double[] weights, List<int[]> prompts, GenerationConfig config) {
    List<GptModel> gpt = new ArrayList<>();
    for (LanguageModel m : models) {
      gpt.add(own(m));
    }
    return new Generator(gpt, weights, config, kvCache).generate(manager, prompts);
  }

  @Override
  public LmTrainer newTrainer(LanguageModel model, TrainerConfig config) {
    return new DjlTrainer(own(model), config);
  }

  /** A model of this backend, whose parameters generation and training work on directly. */
  static GptModel own(LanguageModel model) {
    if (model instanceof GptModel g) {
      return g;
    }
    throw new ConfigurationException(
        "model",
        "model of type "
            + model.getClass().getName()
            + " does not belong to the djl backend; create or load it with that backend");
  }
}
