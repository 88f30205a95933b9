package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.TokenBatch;
import dpo.backend.gpu.Scalars;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A decoder-only causal transformer in one of the two layouts of {@link GptArchitecture}: GPT-2
 * (token plus learned position embeddings, pre-LayerNorm blocks with a GELU MLP, a head tied to the
 * token embedding; Conv1D (in, out) weights) or the Llama family (rotary positions, RMSNorm,
 * grouped-query attention, a SwiGLU MLP, tied or untied head; (out, in) weights). Parameter names
 * and shapes are Hugging Face's for the model type. Optional LoRA adapters ({@link LoraAdapters})
 * add (alpha / r) B A x to chosen linear layers; the model then trains only them, saves them as
 * PEFT does, and {@link #withoutAdapters()} is its base on the same weight arrays.
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

  /** Tokenizer and generation files of the folder the model came from, written with it. */
  private final Map<String, byte[]> companions;

  private final double[] inverseFrequencies;
  private boolean closed;

  /** Low-rank adapters, or null; when present they are the only trained parameters. */
  private LoraAdapters adapters;

  /** The folder the base weights were loaded from (absolute), or null. */
  private Path source;

  /** The base view of an adapted model (its weights, no adapters), made on first use. */
  private GptModel baseView;

  /** Whether this is a base view: it shares its owner's weights and does not free them. */
  private boolean view;

  private GptModel(
      GptArchitecture architecture,
      NDManager manager,
      Map<String, NDArray> parameters,
      Map<String, byte[]> companions) {
    this.architecture = architecture;
    this.manager = manager;
    this.parameters = parameters;
    this.companions = Map.copyOf(companions);
    this.inverseFrequencies =
        architecture.isGpt2() ? null : Rotary.inverseFrequencies(architecture);
  }

  /**
   * A model with its family's initialisation drawn from {@code seed} on the host (any device): N(0,
   * 0.02) matrices (GPT-2's residual projections scaled by 1/sqrt(2 layers)), norms at 1, biases at
   * 0.
   */
  static GptModel create(NDManager parent, GptArchitecture architecture, long seed) {
    return create(parent, architecture, seed, Map.of());
  }

  /** {@link #create(NDManager, GptArchitecture, long)} with tokenizer files saved beside it. */
  static GptModel create(
      NDManager parent, GptArchitecture architecture, long seed, Map<String, byte[]> companions) {
    SplittableRandom random = new SplittableRandom(seed);
    ModelConfig c = architecture.model();
    float projectionStd = (float) (INIT_STD / Math.sqrt(2.0 * c.layers()));
    NDManager manager = parent.newSubManager();
    Map<String, NDArray> parameters = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : layout(architecture).entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue();
      int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
      float[] data = new float[size];
      if (name.startsWith("ln") || name.contains(".ln_") || name.contains("norm.")) {
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
      parameters.put(name, parameter(manager, new Tensor(shape, data)));
    }
    return new GptModel(architecture, manager, parameters, companions);
  }

  private static NDArray parameter(NDManager manager, Tensor t) {
    NDArray array = manager.create(t.data(), new Shape(t.shape()));
    array.setRequiresGradient(true);
    return array;
  }

  /** Every parameter of a model, by Hugging Face name, in Hugging Face's order. */
  static Map<String, long[]> layout(GptArchitecture a) {
    ModelConfig c = a.model();
    long d = c.width();
    long inner = a.intermediateSize();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    if (a.isGpt2()) {
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
        shapes.put(h + "mlp.c_fc.weight", new long[] {d, inner});
        shapes.put(h + "mlp.c_fc.bias", new long[] {inner});
        shapes.put(h + "mlp.c_proj.weight", new long[] {inner, d});
        shapes.put(h + "mlp.c_proj.bias", new long[] {d});
      }
      shapes.put("ln_f.weight", new long[] {d});
      shapes.put("ln_f.bias", new long[] {d});
      return shapes;
    }
    long q = (long) c.heads() * a.headDim();
    long kv = (long) a.keyValueHeads() * a.headDim();
    shapes.put("model.embed_tokens.weight", new long[] {c.vocabularySize(), d});
    for (int l = 0; l < c.layers(); l++) {
      String h = "model.layers." + l + ".";
      shapes.put(h + "input_layernorm.weight", new long[] {d});
      linear(shapes, h + "self_attn.q_proj.", q, d, a.qkvBias());
      linear(shapes, h + "self_attn.k_proj.", kv, d, a.qkvBias());
      linear(shapes, h + "self_attn.v_proj.", kv, d, a.qkvBias());
      linear(shapes, h + "self_attn.o_proj.", d, q, a.outputBias());
      shapes.put(h + "post_attention_layernorm.weight", new long[] {d});
      linear(shapes, h + "mlp.gate_proj.", inner, d, a.mlpBias());
      linear(shapes, h + "mlp.up_proj.", inner, d, a.mlpBias());
      linear(shapes, h + "mlp.down_proj.", d, inner, a.mlpBias());
    }
    shapes.put("model.norm.weight", new long[] {d});
    if (!a.tieWordEmbeddings()) {
      shapes.put("lm_head.weight", new long[] {c.vocabularySize(), d});
    }
    return shapes;
  }

  private static void linear(
      Map<String, long[]> shapes, String prefix, long out, long in, boolean bias) {
    shapes.put(prefix + "weight", new long[] {out, in});
    if (bias) {
      shapes.put(prefix + "bias", new long[] {out});
    }
  }

  /** Builds a model from named host tensors (tests); see {@link Checkpoint} for files. */
  static GptModel fromTensors(
      NDManager parent, GptArchitecture architecture, Map<String, Tensor> tensors, Path file) {
    return fromTensors(parent, architecture, tensors::get, file, Map.of());
  }

  /**
   * Builds a model from tensors looked up by name; Hugging Face's {@code transformer.} prefix of
   * GPT-2 files is accepted.
   */
  static GptModel fromTensors(
      NDManager parent,
      GptArchitecture architecture,
      java.util.function.Function<String, Tensor> tensors,
      Path file,
      Map<String, byte[]> companions) {
    NDManager manager = parent.newSubManager();
    Map<String, NDArray> parameters = new LinkedHashMap<>();
    Path where = file == null ? Path.of("<tensors>") : file;
    try {
      for (Map.Entry<String, long[]> e : layout(architecture).entrySet()) {
        String name = e.getKey();
        Tensor t = tensors.apply(name);
        if (t == null && architecture.isGpt2()) {
          t = tensors.apply("transformer." + name);
        }
        if (t == null) {
          throw new BadDataException(
              where,
              0,
              name,
              "missing tensor "
                  + name
                  + "; the weights do not match config.json's "
                  + architecture.modelType()
                  + " model (check config.json against the weights)");
        }
        if (!Arrays.equals(t.shape(), e.getValue())) {
          throw new BadDataException(
              where,
              0,
              name,
              "tensor "
                  + name
                  + " has shape "
                  + Arrays.toString(t.shape())
                  + ", config.json"
                  + " implies "
                  + Arrays.toString(e.getValue()));
        }
        parameters.put(name, parameter(manager, t));
      }
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    return new GptModel(architecture, manager, parameters, companions);
  }

  /**
   * Loads a Hugging Face checkpoint folder: {@code config.json}, {@code model.safetensors} or its
   * shards, and the tokenizer files, which the model writes back when saved.
   */
  static GptModel load(NDManager parent, Path directory) {
    GptModel model = Checkpoint.open(directory).load(parent, java.util.Set.of()).model();
    model.source = directory.toAbsolutePath().normalize();
    return model;
  }

  /**
   * Loads an adapter folder ({@code adapter_config.json}, {@code adapter_model.safetensors}) onto
   * its base: {@code base}, or the folder the config's {@code base_model_name_or_path} names.
   */
  static GptModel loadAdapter(NDManager parent, Path directory, Path base) {
    Path baseFolder = base != null ? base : LoraAdapters.base(directory);
    GptModel model = load(parent, baseFolder);
    try {
      model.attach(LoraAdapters.read(model.manager, model.architecture, directory));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return model;
  }

  /**
   * Adds fresh low-rank adapters (B at zero, so the model's outputs do not change) and freezes the
   * base weights.
   */
  void addLora(dpo.api.lm.LoraConfig config, long seed) {
    checkOpen();
    if (adapters != null) {
      throw new ConfigurationException(
          "lora-rank", "the model already carries LoRA adapters; merge them first");
    }
    attach(LoraAdapters.create(manager, architecture, config, seed));
  }

  private void attach(LoraAdapters lora) {
    if (view) {
      throw new ConfigurationException(
          "model", "the base view of an adapted model takes no adapters; add them to a copy");
    }
    this.adapters = lora;
    for (NDArray p : parameters.values()) {
      p.setRequiresGradient(false);
    }
  }

  /** The model's adapters, or null. */
  LoraAdapters adapters() {
    return adapters;
  }

  @Override
  public boolean hasAdapters() {
    return adapters != null;
  }

  /**
   * The parameters a trainer updates: the adapters' A and B by PEFT tensor name when the model
   * carries adapters, every parameter otherwise (live arrays).
   */
  Map<String, NDArray> trainableParameters() {
    checkOpen();
    if (view) {
      throw new ConfigurationException(
          "model", "the base view of an adapted model is frozen; train the model itself");
    }
    return adapters == null ? parameters : adapters.parameters();
  }

  /**
   * A model without adapters whose weights are the base's with each adapter merged in: W + (alpha /
   * rank) B A. The caller owns it.
   */
  GptModel merged() {
    checkOpen();
    GptModel merged = baseCopy();
    if (adapters != null) {
      try (NDManager m = manager.newSubManager()) {
        adapters.deltas(m).forEach((name, delta) -> merged.parameters.get(name).addi(delta));
      }
    }
    return merged;
  }

  @Override
  public GptModel withoutAdapters() {
    checkOpen();
    if (adapters == null) {
      return this;
    }
    if (baseView == null) {
      // The same weight arrays without the adapters: generation, scoring and the trainer's
      // reference passes take it as any model, and no weight is copied.
      baseView = new GptModel(architecture, manager, parameters, companions);
      baseView.source = source;
      baseView.view = true;
    }
    return baseView;
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

  /** Tokenizer and generation files carried from the folder the model was loaded from. */
  Map<String, byte[]> companions() {
    return companions;
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
    return Linear.linear(hidden(tokens, positions, bias, cache), head()).singletonOrThrow();
  }

  /**
   * Logits of the last position of each sequence, (batch, vocabulary): what a decoding step needs.
   * Only those rows go through the head; at the 135M size with a 49,152-token vocabulary the head
   * of every prompt position was the largest product of a generation's first step.
   */
  NDArray lastLogits(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    NDArray last = hidden(tokens, positions, bias, cache).get(new NDIndex(":, -1, :"));
    return Linear.linear(last, head()).singletonOrThrow();
  }

  /** The output head's (vocabulary, width) matrix: the token embedding when tied. */
  NDArray head() {
    if (architecture.isGpt2()) {
      return p("wte.weight");
    }
    return p(architecture.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
  }

  /**
   * The final hidden states (after the last norm), (batch, tokens, width); see {@link #forward}.
   */
  NDArray hidden(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    checkOpen();
    return architecture.isGpt2()
        ? gpt2Hidden(tokens, positions, bias, cache)
        : llamaHidden(tokens, positions, bias, cache);
  }

  private NDArray gpt2Hidden(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    ModelConfig c = architecture.model();
    long batch = tokens.getShape().get(0);
    long length = tokens.getShape().get(1);
    Shape norm = new Shape(c.width());
    float eps = architecture.normEpsilon();
    NDArray x =
        Embedding.embedding(tokens, p("wte.weight"), SparseFormat.DENSE)
            .singletonOrThrow()
            .add(
                Embedding.embedding(positions, p("wpe.weight"), SparseFormat.DENSE)
                    .singletonOrThrow());
    for (int l = 0; l < c.layers(); l++) {
      String h = "h." + l + ".";
      NDArray a =
          LayerNorm.layerNorm(x, norm, p(h + "ln_1.weight"), p(h + "ln_1.bias"), eps)
              .singletonOrThrow();
      NDArray qkv = conv1d(a, h + "attn.c_attn.");
      NDArray[] parts = qkv.split(3, 2).toArray(new NDArray[0]);
      NDArray y = attention(l, parts[0], parts[1], parts[2], null, bias, cache, batch, length);
      x = x.add(conv1d(y, h + "attn.c_proj."));
      NDArray m =
          LayerNorm.layerNorm(x, norm, p(h + "ln_2.weight"), p(h + "ln_2.bias"), eps)
              .singletonOrThrow();
      m = gelu(conv1d(m, h + "mlp.c_fc."));
      x = x.add(conv1d(m, h + "mlp.c_proj."));
    }
    if (cache != null) {
      cache.advance(length);
    }
    return LayerNorm.layerNorm(x, norm, p("ln_f.weight"), p("ln_f.bias"), eps).singletonOrThrow();
  }

  private NDArray llamaHidden(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    ModelConfig c = architecture.model();
    long batch = tokens.getShape().get(0);
    long length = tokens.getShape().get(1);
    NDArray x =
        Embedding.embedding(tokens, p("model.embed_tokens.weight"), SparseFormat.DENSE)
            .singletonOrThrow();
    NDArray[] rotation = Rotary.cosSin(positions, inverseFrequencies);
    // Grouped-query attention puts each key-value head's query heads in its rows (see attention):
    // the bias repeated per query head is made once per forward pass, not once per layer.
    int perGroup = c.heads() / architecture.keyValueHeads();
    NDArray rowBias = perGroup == 1 ? bias : bias.tile(new long[] {1, 1, perGroup, 1});
    for (int l = 0; l < c.layers(); l++) {
      String h = "model.layers." + l + ".";
      NDArray a = rmsNorm(x, p(h + "input_layernorm.weight"));
      NDArray q = project(a, h + "self_attn.q_proj.", architecture.qkvBias());
      NDArray k = project(a, h + "self_attn.k_proj.", architecture.qkvBias());
      NDArray v = project(a, h + "self_attn.v_proj.", architecture.qkvBias());
      NDArray y = attention(l, q, k, v, rotation, rowBias, cache, batch, length);
      x = x.add(project(y, h + "self_attn.o_proj.", architecture.outputBias()));
      NDArray m = rmsNorm(x, p(h + "post_attention_layernorm.weight"));
      NDArray gate = project(m, h + "mlp.gate_proj.", architecture.mlpBias());
      NDArray up = project(m, h + "mlp.up_proj.", architecture.mlpBias());
      // silu(g) = g * sigmoid(g); sigmoid keeps its output for backward, so no in-place on it
      NDArray swiglu = gate.mul(ai.djl.nn.Activation.sigmoid(gate)).mul(up);
      x = x.add(project(swiglu, h + "mlp.down_proj.", architecture.mlpBias()));
    }
    if (cache != null) {
      cache.advance(length);
    }
    return rmsNorm(x, p("model.norm.weight"));
  }

  /**
   * Causal self-attention of one layer from its projected queries, keys and values (batch, tokens,
   * heads x head width). Grouped-query attention folds each key-value head's query heads into its
   * rows, so keys and values are never repeated; its {@code bias} is then (batch or 1, 1, query
   * heads per key-value head x tokens, keys), the attention bias repeated per query head.
   */
  private NDArray attention(
      int layer,
      NDArray query,
      NDArray key,
      NDArray value,
      NDArray[] rotation,
      NDArray bias,
      KvCache cache,
      long batch,
      long length) {
    int heads = architecture.model().heads();
    int groups = architecture.keyValueHeads();
    int headDim = architecture.headDim();
    NDArray q = heads(query, batch, length, heads, headDim);
    NDArray k = heads(key, batch, length, groups, headDim);
    NDArray v = heads(value, batch, length, groups, headDim);
    if (rotation != null) {
      q = Rotary.apply(q, rotation);
      k = Rotary.apply(k, rotation);
    }
    if (cache != null) {
      k = cache.keys(layer, k);
      v = cache.values(layer, v);
    }
    int perGroup = heads / groups;
    // The scale goes on the queries, a quarter of the scores' size at 256 tokens (the same
    // numbers for power-of-two head widths). Nothing below writes in place into a view: autograd
    // replays such writes in backward through as_strided copies of the whole score tensor (a
    // quarter of a 135M step's profile on a loaded machine, within noise on a quiet one).
    q = q.mul(Scalars.like(q, 1.0 / Math.sqrt(headDim)));
    if (perGroup == 1) {
      // Plain multi-head attention on the strided views: a row's result does not depend on
      // the other rows of its batch (the learned oracle's contract asks for that bit for bit).
      NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).addi(bias).softmax(3);
      return weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, (long) heads * headDim);
    }
    // Rows j * length + t of a key-value head's scores are query head j's at token t: the bias,
    // which the caller repeats per query head, lines up with them, and the softmax over keys is
    // the same per row.
    NDArray weights =
        q.reshape(batch, groups, perGroup * length, headDim)
            .matMul(k.transpose(0, 1, 3, 2))
            .addi(bias)
            .softmax(3);
    return weights
        .matMul(v)
        .reshape(batch, heads, length, headDim)
        .transpose(0, 2, 1, 3)
        .reshape(batch, length, (long) heads * headDim);
  }

  private NDArray project(NDArray x, String prefix, boolean bias) {
    NDArray y = Linear.linear(x, p(prefix + "weight")).singletonOrThrow();
    return adapt(x, prefix, bias ? y.addi(p(prefix + "bias")) : y);
  }

  /** GPT-2's Conv1D: x W + b with W stored (in, out), plus the module's adapter. */
  private NDArray conv1d(NDArray x, String prefix) {
    return adapt(x, prefix, x.matMul(p(prefix + "weight")).addi(p(prefix + "bias")));
  }

  /** A linear layer's output plus its low-rank adapter's, when it has one and they are on. */
  private NDArray adapt(NDArray x, String prefix, NDArray y) {
    return adapters == null ? y : adapters.apply(prefix, x, y);
  }

  /** x / sqrt(mean(x^2) + eps) * weight over the last axis. */
  private NDArray rmsNorm(NDArray x, NDArray weight) {
    return normalized(x, Scalars.like(x, architecture.normEpsilon())).mul(weight);
  }

  /**
   * RMSNorm without its weight: x / sqrt(mean(x^2) + eps) over the last axis. {@link LlamaDecoder}
   * folds the weight into the product that follows.
   *
   * @param epsilon the norm's epsilon, a scalar of x's type
   */
  static NDArray normalized(NDArray x, NDArray epsilon) {
    NDArray meanSquare = x.mul(x).mean(new int[] {-1}, true);
    return x.div(meanSquare.add(epsilon).sqrt());
  }

  private static NDArray heads(NDArray x, long batch, long length, int heads, int headWidth) {
    return x.reshape(batch, length, heads, headWidth).transpose(0, 2, 1, 3);
  }

  private NDArray gelu(NDArray x) {
    if (architecture.activation().equals(GptArchitecture.GELU)) {
      NDArray cdf = x.div(Scalars.like(x, Math.sqrt(2))).erf().addi(Scalars.like(x, 1));
      return x.mul(cdf).muli(Scalars.like(x, 0.5));
    }
    // gelu_new: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    NDArray inner =
        x.mul(x)
            .mul(x)
            .mul(Scalars.like(x, 0.044715))
            .add(x)
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
    int width = config().width();
    int n = responses.stream().mapToInt(r -> r.length).sum();
    if (n == 0) {
      return m.zeros(new Shape(batch));
    }
    // Only the positions that predict a response token go through the head: with a large
    // vocabulary the (tokens, vocabulary) logits are the biggest activation of the step.
    long[] rows = new long[n * width];
    long[] targets = new long[n];
    float[] owner = new float[batch * n];
    int at = 0;
    for (int i = 0; i < batch; i++) {
      int start = i * length + prompts.get(i).length - 1;
      int[] response = responses.get(i);
      for (int t = 0; t < response.length; t++, at++) {
        // The logits at position p predict the token at p + 1.
        Arrays.fill(rows, at * width, (at + 1) * width, start + t);
        targets[at] = response[t];
        owner[i * n + at] = 1f;
      }
    }
    NDArray states =
        hidden(m, grid)
            .reshape((long) batch * length, width)
            .gather(m.create(rows, new Shape(n, width)), 0);
    NDArray picked =
        Linear.linear(states, head())
            .singletonOrThrow()
            .logSoftmax(1)
            .gather(m.create(targets, new Shape(n, 1)), 1);
    return m.create(owner, new Shape(batch, n)).matMul(picked).reshape(batch);
  }

  /**
   * The sum of the log-probabilities of the target tokens of blocks {@code from..to} of a batch,
   * each predicted from the tokens before it in its block, as a scalar of {@code m} (on the tape
   * when a gradient collector is open). Blocks are read as they are: positions 0..length-1 and
   * causal attention, so right padding never changes earlier tokens.
   */
  NDArray targetLogProbSum(NDManager m, TokenBatch batch, int from, int to) {
    int batchSize = to - from;
    int length = batch.length();
    int width = config().width();
    int vocabulary = config().vocabularySize();
    if (length > config().contextLength()) {
      throw new ConfigurationException(
          "context",
          "blocks of "
              + length
              + " tokens are longer than the model's context of "
              + config().contextLength()
              + "; use a context of at most "
              + config().contextLength());
    }
    long[] ids = new long[batchSize * length];
    int n = 0;
    for (int b = 0; b < batchSize; b++) {
      int[] row = batch.tokens()[from + b];
      boolean[] mask = batch.targets()[from + b];
      for (int i = 0; i < length; i++) {
        if (row[i] < 0 || row[i] >= vocabulary) {
          throw new ConfigurationException(
              "tokens",
              "token id " + row[i] + " is outside the model's vocabulary of " + vocabulary);
        }
        ids[b * length + i] = row[i];
        n += mask[i] ? 1 : 0;
      }
    }
    if (n == 0) {
      return m.zeros(new Shape());
    }
    long[] rows = new long[n * width];
    long[] targets = new long[n];
    int at = 0;
    for (int b = 0; b < batchSize; b++) {
      boolean[] mask = batch.targets()[from + b];
      for (int i = 1; i < length; i++) {
        if (mask[i]) {
          // The hidden state at position i - 1 predicts the token at i.
          Arrays.fill(rows, at * width, (at + 1) * width, (long) b * length + i - 1);
          targets[at++] = ids[b * length + i];
        }
      }
    }
    NDArray states =
        hidden(
                m.create(ids, new Shape(batchSize, length)),
                positionsOf(m, batchSize, length),
                causalBias(m, length),
                null)
            .reshape((long) batchSize * length, width)
            .gather(m.create(rows, new Shape(n, width)), 0);
    return Linear.linear(states, head())
        .singletonOrThrow()
        .logSoftmax(1)
        .gather(m.create(targets, new Shape(n, 1)), 1)
        .sum();
  }

  /**
   * The hidden states at the positions that predict response tokens, (n, width), with n the total
   * response length, and the (batch, n) matrix that sums rows back into their sequences.
   */
  private NDArray[] responseStates(
      NDManager m, PaddedPairs grid, List<int[]> prompts, List<int[]> responses, int n) {
    int batch = grid.batch();
    int length = grid.length();
    int width = config().width();
    long[] rows = new long[n * width];
    float[] owner = new float[batch * n];
    int at = 0;
    for (int i = 0; i < batch; i++) {
      int start = i * length + prompts.get(i).length - 1;
      for (int t = 0; t < responses.get(i).length; t++, at++) {
        // The logits at position p predict the token at p + 1.
        Arrays.fill(rows, at * width, (at + 1) * width, start + t);
        owner[i * n + at] = 1f;
      }
    }
    NDArray states =
        hidden(m, grid)
            .reshape((long) batch * length, width)
            .gather(m.create(rows, new Shape(n, width)), 0);
    return new NDArray[] {states, m.create(owner, new Shape(batch, n))};
  }

  @Override
  public double[] sequenceKl(LanguageModel other, List<int[]> prompts, List<int[]> responses) {
    return sequenceKl(other, prompts, responses, KL_CHUNK);
  }

  /** {@link #sequenceKl} in chunks of at most {@code chunkEntries} (position, vocabulary) pairs. */
  double[] sequenceKl(
      LanguageModel other, List<int[]> prompts, List<int[]> responses, long chunkEntries) {
    checkOpen();
    if (!(other instanceof GptModel q)) {
      throw new ConfigurationException(
          "other", "the KL divergence needs two djl models, got " + other.getClass().getName());
    }
    if (q.config().vocabularySize() != config().vocabularySize()) {
      throw new ConfigurationException(
          "other",
          "the KL divergence needs one vocabulary, got sizes "
              + config().vocabularySize()
              + " and "
              + q.config().vocabularySize());
    }
    PaddedPairs.of(config(), prompts, responses); // checks tokens and this model's context
    PaddedPairs.of(q.config(), prompts, responses); // the other model's context must fit too
    double[] out = new double[prompts.size()];
    // Sequences in chunks of at most KL_CHUNK (position, vocabulary) entries, so that a large
    // vocabulary never needs (all positions, vocabulary) arrays at once.
    long budget = Math.max(1, chunkEntries / config().vocabularySize());
    int from = 0;
    while (from < prompts.size()) {
      int to = from;
      long positions = 0;
      do {
        positions += responses.get(to).length;
        to++;
      } while (to < prompts.size() && positions + responses.get(to).length <= budget);
      double[] part = chunkKl(q, prompts.subList(from, to), responses.subList(from, to));
      System.arraycopy(part, 0, out, from, part.length);
      from = to;
    }
    return out;
  }

  /** Most (position, vocabulary) entries of one chunk of {@link #sequenceKl}. */
  static final long KL_CHUNK = 1L << 23;

  private double[] chunkKl(GptModel q, List<int[]> prompts, List<int[]> responses) {
    PaddedPairs grid = PaddedPairs.of(config(), prompts, responses);
    int n = responses.stream().mapToInt(r -> r.length).sum();
    if (n == 0) {
      return new double[grid.batch()];
    }
    try (NDManager m = manager.newSubManager()) {
      // Only the positions that predict a response token go through the heads, as in
      // sequenceLogProbs; the (n, vocabulary) log-distributions of both models never leave the
      // device: each row reduces to its KL there.
      NDArray[] mine = responseStates(m, grid, prompts, responses, n);
      NDArray[] theirs = q.responseStates(m, grid, prompts, responses, n);
      NDArray logP = Linear.linear(mine[0], head()).singletonOrThrow().logSoftmax(1);
      NDArray logQ = Linear.linear(theirs[0], q.head()).singletonOrThrow().logSoftmax(1);
      // Rounding can leave a per-token KL of -1e-8 where the distributions agree: clamp at 0.
      NDArray perToken = logP.exp().mul(logP.sub(logQ)).sum(new int[] {1}, true).maximum(0f);
      return mine[1]
          .matMul(perToken)
          .reshape(grid.batch())
          .toType(DataType.FLOAT64, false)
          .toDoubleArray();
    }
  }

  /** The final hidden states of a padded grid, in {@code m}, on the tape when one is open. */
  NDArray hidden(NDManager m, PaddedPairs grid) {
    return hidden(
        m.create(grid.tokens(), new Shape(grid.batch(), grid.length())),
        positionsOf(m, grid.batch(), grid.length()),
        causalBias(m, grid.length()),
        null);
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
      return sequenceLogProbs(m, prompts, responses)
          .toType(DataType.FLOAT64, false)
          .toDoubleArray();
    }
  }

  @Override
  public GptModel copy() {
    GptModel copy = baseCopy();
    if (adapters != null) {
      copy.attach(adapters.copy(copy.manager));
    }
    copy.source = source;
    return copy;
  }

  /** A copy of the base weights alone, without adapters, all trainable. */
  private GptModel baseCopy() {
    checkOpen();
    NDManager copyManager = manager.getParentManager().newSubManager();
    Map<String, NDArray> copies = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      NDArray copy = e.getValue().duplicate();
      copy.attach(copyManager);
      copy.setRequiresGradient(true);
      copies.put(e.getKey(), copy);
    }
    return new GptModel(architecture, copyManager, copies, companions);
  }

  @Override
  public void copyFrom(LanguageModel other) {
    checkOpen();
    if (view) {
      throw new ConfigurationException(
          "model", "the base view of an adapted model is read-only; copy into the model itself");
    }
    if (!(other instanceof GptModel source) || !source.architecture.equals(architecture)) {
      throw new ConfigurationException(
          "model",
          "can only copy parameters from a djl model of the same architecture " + architecture);
    }
    if ((adapters == null) != (source.adapters == null)) {
      throw new ConfigurationException(
          "model", "can only copy parameters between models that both carry adapters or neither");
    }
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      source.parameters().get(e.getKey()).copyTo(e.getValue());
    }
    if (adapters != null) {
      adapters.copyFrom(source.adapters);
    }
  }

  /** Parameters as host tensors, Hugging Face names. */
  Map<String, Tensor> tensors() {
    checkOpen();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    parameters.forEach(
        (name, array) ->
            tensors.put(name, new Tensor(array.getShape().getShape(), array.toFloatArray())));
    return tensors;
  }

  @Override
  public void save(Path directory) {
    save(directory, CheckpointFormat.DEFAULT);
  }

  /**
   * Saves the model as {@link #save(Path)} does, with its weights in the given dtype and shards. A
   * model with adapters writes only them, in float32, as PEFT does: {@code adapter_config.json}
   * (naming the folder the base was loaded from) and {@code adapter_model.safetensors}.
   *
   * @param directory target directory
   * @param format the weights' dtype and largest shard
   */
  public void save(Path directory, CheckpointFormat format) {
    if (adapters != null) {
      checkOpen();
      // PEFT's layout: only the adapters, naming the base folder; merge for a full checkpoint.
      adapters.write(directory, source, companions);
      return;
    }
    Checkpoint.write(directory, architecture.toConfigJson(), tensors(), companions, format);
  }

  /**
   * Writes {@code config.json}, {@code model.safetensors} and the tokenizer files the model came
   * with, in float32 (see {@link Checkpoint#write}).
   */
  static void writeCheckpoint(
      Path directory,
      JsonObject config,
      Map<String, Tensor> tensors,
      Map<String, byte[]> companions) {
    Checkpoint.write(directory, config, tensors, companions, CheckpointFormat.DEFAULT);
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the model is closed");
    }
  }

  /**
   * Frees the model's memory. A base view frees nothing: its weights belong to the adapted model,
   * whose closing ends the view too.
   */
  @Override
  public void close() {
    if (!closed && !view) {
      closed = true;
      manager.close();
      if (baseView != null) {
        baseView.closed = true;
      }
    }
  }
}
