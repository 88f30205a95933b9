package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A {@link GptModel} body with a scalar head, Hugging Face's GPT2ForSequenceClassification layout
 * with one label: {@code score.weight} of shape (1, width), no bias, read at the last token.
 */
final class GptRewardModel implements RewardModel {
  static final String HEAD = "score.weight";

  private static final String UNUSED_LM_HEAD = "lm_head.weight";

  private final GptModel body;
  private final NDArray head;
  private final Map<String, NDArray> parameters = new LinkedHashMap<>();

  private GptRewardModel(GptModel body, NDArray head) {
    this.body = body;
    this.head = head;
    parameters.putAll(body.parameters());
    // An untied language model's output head is not on the reward's path: kept, never trained.
    parameters.remove(UNUSED_LM_HEAD);
    parameters.put(HEAD, head);
  }

  static GptRewardModel create(NDManager parent, GptArchitecture architecture, long seed) {
    return withHead(GptModel.create(parent, architecture, seed), freshHead(architecture, seed));
  }

  private static float[] freshHead(GptArchitecture architecture, long seed) {
    SplittableRandom random = new SplittableRandom(~seed);
    float[] w = new float[architecture.model().width()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextGaussian() * 0.02);
    }
    return w;
  }

  /**
   * A reward model from a checkpoint folder: a reward model's whole, or a causal language model's
   * body with a fresh head drawn from the seed (its output head is dropped when tied, kept
   * untrained otherwise).
   */
  static GptRewardModel fromCheckpoint(NDManager parent, Path directory, long seed) {
    Checkpoint.Loaded loaded = Checkpoint.open(directory).load(parent, java.util.Set.of(HEAD));
    if (loaded.extras().containsKey(HEAD)) {
      return withCheckedHead(loaded, directory);
    }
    GptModel body = loaded.model();
    return withHead(body, freshHead(body.architecture(), seed));
  }

  private static GptRewardModel withHead(GptModel body, float[] w) {
    NDArray head = body.manager().create(w, new Shape(1, w.length));
    head.setRequiresGradient(true);
    return new GptRewardModel(body, head);
  }

  static GptRewardModel load(NDManager parent, Path directory) {
    return withCheckedHead(
        Checkpoint.open(directory).load(parent, java.util.Set.of(HEAD)), directory);
  }

  private static GptRewardModel withCheckedHead(Checkpoint.Loaded loaded, Path directory) {
    GptModel body = loaded.model();
    Tensor head = loaded.extras().get(HEAD);
    Path weights = directory.resolve(GptModel.WEIGHTS_FILE);
    if (head == null) {
      body.close();
      throw new BadDataException(
          weights,
          0,
          HEAD,
          "missing tensor "
              + HEAD
              + "; this is a language model, not a reward model (load it as a policy instead)");
    }
    if (head.shape().length != 2
        || head.shape()[0] != 1
        || head.shape()[1] != body.config().width()) {
      body.close();
      throw new BadDataException(
          weights, 0, HEAD, HEAD + " must have shape [1, " + body.config().width() + "]");
    }
    return withHead(body, head.data());
  }

  Map<String, NDArray> parameters() {
    return parameters;
  }

  NDManager manager() {
    return body.manager();
  }

  @Override
  public ModelConfig config() {
    return body.config();
  }

  /** Rewards as an array of {@code m}, on the tape when a gradient collector is open. */
  NDArray score(NDManager m, List<int[]> prompts, List<int[]> responses) {
    PaddedPairs grid = PaddedPairs.of(config(), prompts, responses);
    int batch = grid.batch();
    int width = config().width();
    long[] last = new long[batch * width];
    for (int i = 0; i < batch; i++) {
      java.util.Arrays.fill(
          last, i * width, (i + 1) * width, prompts.get(i).length + responses.get(i).length - 1);
    }
    NDArray atLast =
        body.hidden(m, grid)
            .gather(m.create(last, new Shape(batch, 1, width)), 1)
            .reshape(batch, width);
    return atLast.mul(head.reshape(1, width)).sum(new int[] {1});
  }

  @Override
  public double[] score(List<int[]> prompts, List<int[]> responses) {
    try (NDManager m = body.manager().newSubManager()) {
      return score(m, prompts, responses).toType(DataType.FLOAT64, false).toDoubleArray();
    }
  }

  @Override
  public void save(Path directory) {
    Map<String, Tensor> tensors = new LinkedHashMap<>(body.tensors());
    tensors.put(HEAD, new Tensor(new long[] {1, config().width()}, head.toFloatArray()));
    JsonObject json = body.architecture().toConfigJson();
    JsonArray architectures = new JsonArray();
    architectures.add(
        body.architecture().isGpt2()
            ? "GPT2ForSequenceClassification"
            : json.getAsJsonArray("architectures")
                .get(0)
                .getAsString()
                .replace("ForCausalLM", "ForSequenceClassification"));
    json.add("architectures", architectures);
    json.addProperty("num_labels", 1);
    GptModel.writeCheckpoint(directory, json, tensors, body.companions());
  }

  @Override
  public void close() {
    body.close();
  }
}
