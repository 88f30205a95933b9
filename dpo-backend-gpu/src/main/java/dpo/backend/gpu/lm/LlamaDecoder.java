package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import dpo.backend.gpu.Scalars;
import java.util.Map;

/**
 * The decoding steps of a Llama-family model with a KV cache: one new token per sequence, on
 * weights prepared once per generation (the weights are frozen while it runs). At the 135M size a
 * step is 30 layers of small operations, each a native call and often a parallel region, so the
 * step is bound by their count as much as by reading the weights. The prepared weights cut that
 * count:
 *
 * <ul>
 *   <li>queries, keys and values come from one product, gate and up from another (concatenated
 *       weights);
 *   <li>each RMSNorm weight is folded into the columns of the product that follows it, and the
 *       attention scale 1/sqrt(head width) into the query rows;
 *   <li>LoRA adapters, when on, are merged into the prepared weights: W + (alpha / r) B A;
 *   <li>the rotary embedding of a query or key at one position is one batched product with a
 *       (batch, head width, head width) rotation built on the host, for queries and keys at once;
 *   <li>one query row needs no causal mask: the padding bias (batch, 1, 1, keys) broadcasts over
 *       the query heads of each key-value head, so it is never repeated.
 * </ul>
 *
 * The results equal {@link GptModel#lastLogits}'s plain forward pass up to float rounding (tested
 * against it). GPT-2 models always take the plain pass, so their generations keep their bits.
 */
final class LlamaDecoder implements AutoCloseable {
  private final GptModel model;
  private final int heads;
  private final int groups;
  private final int headDim;
  private final long inner;
  private final double[] inverseFrequencies;
  private final StepProducts products;
  private final StepProducts.Weight[] qkv;
  private final StepProducts.Weight[] output;
  private final StepProducts.Weight[] gateUp;
  private final StepProducts.Weight[] down;
  private final StepProducts.Weight head;
  private final NDArray finalNorm;
  private final NDArray epsilon;

  /**
   * Prepares the weights of {@code model} in {@code m}, which frees them.
   *
   * @param model a Llama-family model
   * @param m the manager of the generation's decoding state
   * @param hostProducts whether the products may run on a host kernel ({@link StepProducts})
   */
  LlamaDecoder(GptModel model, NDManager m, boolean hostProducts) {
    GptArchitecture a = model.architecture();
    int layers = a.model().layers();
    this.model = model;
    this.heads = a.model().heads();
    this.groups = a.keyValueHeads();
    this.headDim = a.headDim();
    this.inner = a.intermediateSize();
    this.inverseFrequencies = Rotary.inverseFrequencies(a);
    this.products = new StepProducts(model, hostProducts);
    qkv = new StepProducts.Weight[layers];
    output = new StepProducts.Weight[layers];
    gateUp = new StepProducts.Weight[layers];
    down = new StepProducts.Weight[layers];
    Map<String, NDArray> p = model.parameters();
    try (NDManager prep = m.newSubManager()) {
      Map<String, NDArray> deltas =
          model.adapters() == null ? Map.of() : model.adapters().deltas(prep);
      Prep w = new Prep(m, prep, p, deltas, products);
      NDArray scale = w.own(Scalars.like(p.get("model.norm.weight"), 1.0 / Math.sqrt(headDim)));
      for (int l = 0; l < layers; l++) {
        String h = "model.layers." + l + ".";
        NDArray g1 = p.get(h + "input_layernorm.weight");
        NDArray q = w.own(w.weight(h + "self_attn.q_proj.").mul(g1)).muli(scale);
        NDArray k = w.own(w.weight(h + "self_attn.k_proj.").mul(g1));
        NDArray v = w.own(w.weight(h + "self_attn.v_proj.").mul(g1));
        NDArray qkvBias = null;
        if (a.qkvBias()) {
          NDArray qb = w.own(p.get(h + "self_attn.q_proj.bias").mul(scale));
          qkvBias =
              w.own(
                  qb.concat(p.get(h + "self_attn.k_proj.bias"), 0)
                      .concat(p.get(h + "self_attn.v_proj.bias"), 0));
        }
        qkv[l] = w.product(w.own(q.concat(k, 0).concat(v, 0)), qkvBias);
        output[l] =
            w.product(
                w.weight(h + "self_attn.o_proj."),
                a.outputBias() ? p.get(h + "self_attn.o_proj.bias") : null);
        NDArray g2 = p.get(h + "post_attention_layernorm.weight");
        NDArray gate = w.own(w.weight(h + "mlp.gate_proj.").mul(g2));
        NDArray up = w.own(w.weight(h + "mlp.up_proj.").mul(g2));
        NDArray gateUpBias =
            a.mlpBias()
                ? w.own(p.get(h + "mlp.gate_proj.bias").concat(p.get(h + "mlp.up_proj.bias"), 0))
                : null;
        gateUp[l] = w.product(w.own(gate.concat(up, 0)), gateUpBias);
        down[l] =
            w.product(
                w.weight(h + "mlp.down_proj."),
                a.mlpBias() ? p.get(h + "mlp.down_proj.bias") : null);
      }
      head = w.product(model.head(), null);
      finalNorm = p.get("model.norm.weight");
      // Moved as it is, never detached: a scalar made from the host is a view of a direct buffer
      // that its first array keeps alive (see Scalars).
      epsilon = Scalars.like(finalNorm, a.normEpsilon());
      epsilon.attach(m);
    }
  }

  /** Weights as prepared: a layer's own weight, or with its adapter's update merged in. */
  private static final class Prep {
    private final NDManager kept;
    private final NDManager prep;
    private final Map<String, NDArray> parameters;
    private final Map<String, NDArray> deltas;
    private final StepProducts products;

    Prep(
        NDManager kept,
        NDManager prep,
        Map<String, NDArray> parameters,
        Map<String, NDArray> deltas,
        StepProducts products) {
      this.kept = kept;
      this.prep = prep;
      this.parameters = parameters;
      this.deltas = deltas;
      this.products = products;
    }

    /**
     * A weight and bias (or null) for the steps: copied into the host kernel's layout, or kept as
     * arrays for PyTorch's linear.
     */
    StepProducts.Weight product(NDArray weight, NDArray bias) {
      if (products.onHost()) {
        return products.prepare(weight, bias, kept);
      }
      return products.prepare(keep(weight), bias == null ? null : keep(bias), kept);
    }

    /** Puts an operation's result (made in the model's manager) under the temporary manager. */
    NDArray own(NDArray x) {
      x.attach(prep);
      return x;
    }

    /**
     * A prepared array, off the autograd tape, in the generation's manager; a live parameter
     * (nothing to prepare) stays the model's. Only for results of operations, which PyTorch owns:
     * the detached view outlives the closed original.
     */
    NDArray keep(NDArray x) {
      if (x.getManager() != prep) {
        return x;
      }
      NDArray detached = x.stopGradient();
      detached.attach(kept);
      return detached;
    }

    NDArray weight(String prefix) {
      NDArray base = parameters.get(prefix + "weight");
      NDArray delta = deltas.get(prefix + "weight");
      return delta == null ? base : own(base.add(delta));
    }
  }

  /**
   * Logits (batch, vocabulary) of one new token per sequence.
   *
   * @param tokens (batch, 1) int64 ids
   * @param positions (batch, 1) int64 positions
   * @param bias (batch, 1, 1, cached + 1) padding bias
   * @param cache the generation's cache, holding every earlier token
   */
  NDArray lastLogits(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
    long batch = tokens.getShape().get(0);
    int perGroup = heads / groups;
    NDArray x =
        Embedding.embedding(
                tokens, model.parameters().get("model.embed_tokens.weight"), SparseFormat.DENSE)
            .singletonOrThrow()
            .reshape(batch, -1);
    NDArray rotation = rotation(positions).toType(x.getDataType(), false);
    NDIndex queriesAndKeys = new NDIndex(":, :{}", heads + groups);
    NDIndex queries = new NDIndex(":, :{}", heads);
    NDIndex keys = new NDIndex(":, {}:", heads);
    NDIndex values = new NDIndex(":, {}:", heads + groups);
    NDIndex gates = new NDIndex(":, :{}", inner);
    NDIndex ups = new NDIndex(":, {}:", inner);
    for (int l = 0; l < qkv.length; l++) {
      NDArray projected =
          products.apply(normalized(x), qkv[l]).reshape(batch, heads + 2L * groups, headDim);
      NDArray rotated = projected.get(queriesAndKeys).matMul(rotation);
      NDArray q = rotated.get(queries).reshape(batch, groups, perGroup, headDim);
      NDArray k = cache.keys(l, rotated.get(keys).reshape(batch, groups, 1, headDim));
      NDArray v = cache.values(l, projected.get(values).reshape(batch, groups, 1, headDim));
      NDArray y =
          q.matMul(k.transpose(0, 1, 3, 2))
              .addi(bias)
              .softmax(3)
              .matMul(v)
              .reshape(batch, (long) heads * headDim);
      x = x.addi(products.apply(y, output[l]));
      NDArray gu = products.apply(normalized(x), gateUp[l]);
      NDArray gate = gu.get(gates);
      // silu(g) * up
      NDArray swiglu = gate.mul(Activation.sigmoid(gate)).muli(gu.get(ups));
      x = x.addi(products.apply(swiglu, down[l]));
    }
    cache.advance(1);
    return products.apply(normalized(x).muli(finalNorm), head);
  }

  /** Whether the products run on a host kernel. */
  boolean onHost() {
    return products.onHost();
  }

  /** Ends the host kernel's threads, if the products run on one. */
  @Override
  public void close() {
    products.close();
  }

  /** RMSNorm without its weight, which is in the next product. */
  private NDArray normalized(NDArray x) {
    return GptModel.normalized(x, epsilon);
  }

  /**
   * (batch, head width, head width) matrices R with x R the rotary embedding of a row vector x at
   * each sequence's position: frequency i rotates the pair (x[i], x[i + half]) (see {@link
   * Rotary}).
   */
  private NDArray rotation(NDArray positions) {
    long[] p = positions.toLongArray();
    int half = inverseFrequencies.length;
    int dim = 2 * half;
    float[] r = new float[p.length * dim * dim];
    for (int b = 0; b < p.length; b++) {
      int at = b * dim * dim;
      for (int i = 0; i < half; i++) {
        double angle = p[b] * inverseFrequencies[i];
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        // out[i] = x[i] c - x[i + half] s; out[i + half] = x[i + half] c + x[i] s
        r[at + i * dim + i] = c;
        r[at + (i + half) * dim + i] = -s;
        r[at + (i + half) * dim + i + half] = c;
        r[at + i * dim + i + half] = s;
      }
    }
    return positions
        .getManager()
        .create(r, new Shape(p.length, dim, dim))
        .toDevice(positions.getDevice(), false);
  }
}
