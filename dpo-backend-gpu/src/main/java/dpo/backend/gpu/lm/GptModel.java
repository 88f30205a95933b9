package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.ModelConfig;
import dpo.backend.gpu.Scalars;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPT-2-style causal transformer: token plus learned position embeddings, pre-LayerNorm blocks
 * (attention, then a 4x MLP), a final LayerNorm and a head tied to the token embedding. Parameter
 * names and shapes are GPT-2's ({@code h.0.attn.c_attn.weight} is (width, 3 width)).
 */
final class GptModel implements LanguageModel {
  static final String CONFIG_FILE = "config.json";
  static final String WEIGHTS_FILE = "model.safetensors";
  /** Additive attention bias of a masked key; finite so fully masked (padding) rows stay finite. */
  static final float MASKED = -1e9f;
  private static final float INIT_STD = 0.02f;

  private final GptArchitecture architecture;
  private final NDManager manager;
  private final Map<String, NDArray> parameters;
  private boolean closed;

  private GptModel(
      GptArchitecture architecture, NDManager manager, Map<String, NDArray> parameters) {
    this.architecture = architecture;
    this.manager = manager;
    this.parameters = parameters;
  }

  /** A model with GPT-2's initialisation drawn from {@code seed} on the host (any device). */
  static GptModel create(NDManager parent, GptArchitecture architecture, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    ModelConfig c = architecture.model();
    float projectionStd = (float) (INIT_STD / Math.sqrt(2.0 * c.layers()));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : layout(c).entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue();
      int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
      float[] data = new float[size];
      if (name.startsWith("ln") || name.contains(".ln_")) {
        if (name.endsWith(".weight")) {
          Arrays.fill(data, 1f);
        }
      } else if (name.endsWith(".weight")) {
        // GPT-2 scales the residual projections by 1/sqrt(2 * layers) so depth keeps the scale.
        float std = name.endsWith("c_proj.weight") ? projectionStd : INIT_STD;
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) (random.nextGaussian() * std);
        }
      }
      tensors.put(name, new Tensor(shape, data));
    }
    return fromTensors(parent, architecture, tensors, null);
  }

  /** Every parameter of a shape, by GPT-2 name, in GPT-2's order. */
  static Map<String, long[]> layout(ModelConfig c) {
    long d = c.width();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("wte.weight", new long[] {c.vocabularySize(), d});
    shapes.put("wpe.weight", new long[] {c.contextLength(), d});
    for (int l = 0; l < c.layers(); l++) {
      String h = "h." + l + ".";
      shapes.put(h + "ln_1.weight", new long[] {d});
      shapes.put(h + "ln_1.bias", new long[] {d});
      shapes.put(h + "attn.c_attn.weight", new long[] {d, 3 * d});
      shapes.put(h + "attn.c_attn.bias", new long[] {3 * d});
      shapes.put(h + "attn.c_proj.weight", new long[] {d, d});
      shapes.put(h + "attn.c_proj.bias", new long[] {d});
      shapes.put(h + "ln_2.weight", new long[] {d});
      shapes.put(h + "ln_2.bias", new long[] {d});
      shapes.put(h + "mlp.c_fc.weight", new long[] {d, 4 * d});
      shapes.put(h + "mlp.c_fc.bias", new long[] {4 * d});
      shapes.put(h + "mlp.c_proj.weight", new long[] {4 * d, d});
      shapes.put(h + "mlp.c_proj.bias", new long[] {d});
    }
    shapes.put("ln_f.weight", new long[] {d});
    shapes.put("ln_f.bias", new long[] {d});
    return shapes;
  }

  /**
   * Builds a model from named tensors, accepting Hugging Face's {@code transformer.} prefix and
   * ignoring the attention-mask buffers older GPT-2 files carry.
   */
  static GptModel fromTensors(
      NDManager parent, GptArchitecture architecture, Map<String, Tensor> tensors, Path file) {
    NDManager manager = parent.newSubManager();
    Map<String, NDArray> parameters = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, long[]> e : layout(architecture.model()).entrySet()) {
        String name = e.getKey();
        Tensor t = tensors.containsKey(name)
            ? tensors.get(name)
            : tensors.get("transformer." + name);
        if (t == null) {
          throw new BadDataException(file == null ? Path.of("<tensors>") : file, 0, name,
              "missing tensor " + name + "; the checkpoint is not a GPT-2 model of this shape"
                  + " (check config.json against the weights)");
        }
        if (!Arrays.equals(t.shape(), e.getValue())) {
          throw new BadDataException(file == null ? Path.of("<tensors>") : file, 0, name,
              "tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", config.json"
                  + " implies " + Arrays.toString(e.getValue()));
        }
        NDArray array = manager.create(t.data(), new Shape(t.shape()));
        array.setRequiresGradient(true);
        parameters.put(name, array);
      }
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    return new GptModel(architecture, manager, parameters);
  }

  /** Loads {@code config.json} and {@code model.safetensors} from a checkpoint directory. */
  static GptModel load(NDManager parent, Path directory) {
    Path configFile = directory.resolve(CONFIG_FILE);
    Path weightsFile = directory.resolve(WEIGHTS_FILE);
    if (!Files.isDirectory(directory)) {
      throw new BadDataException(directory, 0, null,
          "not a checkpoint directory; expected a folder with " + CONFIG_FILE + " and "
              + WEIGHTS_FILE);
    }
    for (Path p : List.of(configFile, weightsFile)) {
      if (!Files.isRegularFile(p)) {
        throw new BadDataException(p, 0, null, "missing; a checkpoint folder needs "
            + CONFIG_FILE + " and " + WEIGHTS_FILE);
      }
    }
    JsonObject config;
    try {
      config = JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new BadDataException(configFile, 0, null, "cannot read: " + e.getMessage());
    } catch (JsonParseException | IllegalStateException e) {
      throw new BadDataException(configFile, 0, null,
          "not a JSON object (" + e.getMessage() + "); restore the checkpoint's config.json");
    }
    GptArchitecture architecture = GptArchitecture.fromConfigJson(configFile, config);
    return fromTensors(parent, architecture, SafeTensors.read(weightsFile), weightsFile);
  }

  GptArchitecture architecture() {
    return architecture;
  }

  @Override
  public ModelConfig config() {
    return architecture.model();
  }

  /** The parameter arrays by GPT-2 name (live; the trainer updates them in place). */
  Map<String, NDArray> parameters() {
    checkOpen();
    return parameters;
  }

  NDManager manager() {
    return manager;
  }

  /**
   * Logits of every position, (batch, tokens, vocabulary). The first operand of every operation is
   * an activation, so all intermediates belong to the manager of {@code tokens}.
   *
   * @param tokens (batch, tokens) int64 ids
   * @param positions (batch, tokens) int64 positions
   * @param bias additive attention bias, (batch or 1, 1, tokens, cached + tokens)
   * @param cache keys and values of earlier tokens, extended in place; null for none
   */
  NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    NDArray states = hidden(tokens, positions, bias, cache);
    return Linear.linear(states, p("wte.weight")).singletonOrThrow();
  }

  /** The final hidden states (after ln_f), (batch, tokens, width); see {@link #forward}. */
  NDArray hidden(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    checkOpen();
    ModelConfig c = architecture.model();
    long batch = tokens.getShape().get(0);
    long length = tokens.getShape().get(1);
    int heads = c.heads();
    int headWidth = c.headWidth();
    Shape norm = new Shape(c.width());
    float eps = architecture.layerNormEpsilon();
    NDArray x = Embedding.embedding(tokens, p("wte.weight"), SparseFormat.DENSE).singletonOrThrow()
        .add(Embedding.embedding(positions, p("wpe.weight"), SparseFormat.DENSE)
            .singletonOrThrow());
    float scale = (float) (1.0 / Math.sqrt(headWidth));
    for (int l = 0; l < c.layers(); l++) {
      String h = "h." + l + ".";
      NDArray a = LayerNorm.layerNorm(x, norm, p(h + "ln_1.weight"), p(h + "ln_1.bias"), eps)
          .singletonOrThrow();
      NDArray qkv = a.matMul(p(h + "attn.c_attn.weight")).add(p(h + "attn.c_attn.bias"));
      NDArray[] parts = qkv.split(3, 2).toArray(new NDArray[0]);
      NDArray q = heads(parts[0], batch, length, heads, headWidth);
      NDArray k = heads(parts[1], batch, length, heads, headWidth);
      NDArray v = heads(parts[2], batch, length, heads, headWidth);
      if (cache != null) {
        k = cache.appendKeys(l, k);
        v = cache.appendValues(l, v);
      }
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
      NDArray attention = scores.muli(Scalars.like(scores, scale)).addi(bias).softmax(3);
      NDArray y = attention.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, c.width());
      x = x.add(y.matMul(p(h + "attn.c_proj.weight")).addi(p(h + "attn.c_proj.bias")));
      NDArray m = LayerNorm.layerNorm(x, norm, p(h + "ln_2.weight"), p(h + "ln_2.bias"), eps)
          .singletonOrThrow();
      m = activation(m.matMul(p(h + "mlp.c_fc.weight")).addi(p(h + "mlp.c_fc.bias")));
      x = x.add(m.matMul(p(h + "mlp.c_proj.weight")).addi(p(h + "mlp.c_proj.bias")));
    }
    return LayerNorm.layerNorm(x, norm, p("ln_f.weight"), p("ln_f.bias"), eps).singletonOrThrow();
  }

  private static NDArray heads(NDArray x, long batch, long length, int heads, int headWidth) {
    return x.reshape(batch, length, heads, headWidth).transpose(0, 2, 1, 3);
  }

  private NDArray activation(NDArray x) {
    if (architecture.activation().equals(GptArchitecture.GELU)) {
      NDArray cdf = x.div(Scalars.like(x, Math.sqrt(2))).erf().addi(Scalars.like(x, 1));
      return x.mul(cdf).muli(Scalars.like(x, 0.5));
    }
    // gelu_new: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    NDArray inner = x.mul(x).mul(x).mul(Scalars.like(x, 0.044715)).add(x)
        .mul(Scalars.like(x, Math.sqrt(2 / Math.PI)));
    // tanh keeps its output for backward: no in-place operation on it
    return x.mul(inner.tanh().add(Scalars.like(x, 1))).muli(Scalars.like(x, 0.5));
  }

  private NDArray p(String name) {
    return parameters.get(name);
  }

  /**
   * Log-probabilities of responses given prompts as an array of the given manager, on the autograd
   * tape when a gradient collector is open. Sequences are right-padded: causal attention keeps
   * padding after a sequence from changing it.
   */
  NDArray sequenceLogProbs(NDManager m, List<int[]> prompts, List<int[]> responses) {
    PaddedPairs grid = PaddedPairs.of(config(), prompts, responses);
    int batch = grid.batch();
    int length = grid.length();
    long[] targets = new long[batch * length];
    float[] mask = new float[batch * length];
    for (int i = 0; i < batch; i++) {
      int start = i * length + prompts.get(i).length - 1;
      int[] response = responses.get(i);
      for (int t = 0; t < response.length; t++) {
        // The logits at position p predict the token at p + 1.
        targets[start + t] = response[t];
        mask[start + t] = 1f;
      }
    }
    NDArray logits = Linear.linear(hidden(m, grid), p("wte.weight")).singletonOrThrow();
    NDArray picked = logits.logSoftmax(2)
        .gather(m.create(targets, new Shape(batch, length, 1)), 2)
        .reshape(batch, length);
    return picked.mul(m.create(mask, new Shape(batch, length))).sum(new int[] {1});
  }

  /** The final hidden states of a padded grid, in {@code m}, on the tape when one is open. */
  NDArray hidden(NDManager m, PaddedPairs grid) {
    return hidden(m.create(grid.tokens(), new Shape(grid.batch(), grid.length())),
        positionsOf(m, grid.batch(), grid.length()), causalBias(m, grid.length()), null);
  }

  static NDArray positionsOf(NDManager m, int batch, int length) {
    long[] positions = new long[batch * length];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = i % length;
    }
    return m.create(positions, new Shape(batch, length));
  }

  /** (1, 1, length, length): 0 where a query may see a key (key <= query), MASKED elsewhere. */
  static NDArray causalBias(NDManager m, int length) {
    float[] bias = new float[length * length];
    for (int q = 0; q < length; q++) {
      for (int k = q + 1; k < length; k++) {
        bias[q * length + k] = MASKED;
      }
    }
    return m.create(bias, new Shape(1, 1, length, length));
  }

  @Override
  public double[] sequenceLogProbs(List<int[]> prompts, List<int[]> responses) {
    try (NDManager m = manager.newSubManager()) {
      return sequenceLogProbs(m, prompts, responses).toType(DataType.FLOAT64, false)
          .toDoubleArray();
    }
  }

  @Override
  public GptModel copy() {
    checkOpen();
    NDManager copyManager = manager.getParentManager().newSubManager();
    Map<String, NDArray> copies = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      NDArray copy = e.getValue().duplicate();
      copy.attach(copyManager);
      copy.setRequiresGradient(true);
      copies.put(e.getKey(), copy);
    }
    return new GptModel(architecture, copyManager, copies);
  }

  @Override
  public void copyFrom(LanguageModel other) {
    checkOpen();
    if (!(other instanceof GptModel source) || !source.architecture.equals(architecture)) {
      throw new ConfigurationException("model",
          "can only copy parameters from a djl model of the same architecture " + architecture);
    }
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      source.parameters().get(e.getKey()).copyTo(e.getValue());
    }
  }

  /** Parameters as host tensors, GPT-2 names. */
  Map<String, Tensor> tensors() {
    checkOpen();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    parameters.forEach((name, array) ->
        tensors.put(name, new Tensor(array.getShape().getShape(), array.toFloatArray())));
    return tensors;
  }

  @Override
  public void save(Path directory) {
    writeCheckpoint(directory, architecture.toConfigJson(), tensors());
  }

  /**
   * Writes {@code config.json} and {@code model.safetensors}. A new checkpoint folder is staged
   * and published whole; in an existing folder each file is replaced durably and nothing else in
   * the folder is touched (it may hold the tokenizer, provenance, or a user's files).
   */
  static void writeCheckpoint(Path directory, JsonObject config, Map<String, Tensor> tensors) {
    Path absolute = directory.toAbsolutePath();
    boolean fresh = !Files.exists(absolute);
    Path into = fresh ? DurableFiles.stagingFolder(absolute) : absolute;
    DurableFiles.write(into.resolve(CONFIG_FILE), new GsonBuilder().setPrettyPrinting().create()
        .toJson(config).getBytes(StandardCharsets.UTF_8));
    SafeTensors.write(into.resolve(WEIGHTS_FILE), tensors,
        Map.of("format", "pt", "written_by", "dpo djl backend"));
    if (fresh) {
      DurableFiles.publishFolder(into, absolute);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the model is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }
}
