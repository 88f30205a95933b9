package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * One model's side of a cached generation: its KV cache and, for a Llama-family model, the prepared
 * weights of its one-token steps ({@link LlamaDecoder}), made at the first such step (the weights
 * are frozen while a generation runs) and freed with the generation. The prompt's pass, and every
 * step of a GPT-2 model, is the model's plain forward pass, so GPT-2 generations keep their bits.
 */
final class Decoding implements AutoCloseable {
  private final GptModel model;
  private final NDManager manager;
  private final KvCache cache;
  private final boolean hostProducts;

  /** The prepared one-token steps; null until the first one. */
  private LlamaDecoder steps;

  /**
   * @param model the generating model
   * @param parent manager the cache and the prepared weights live under
   * @param capacity most tokens the generation will hold (prompt plus new tokens)
   */
  Decoding(GptModel model, NDManager parent, long capacity) {
    this(model, parent, capacity, true);
  }

  /**
   * @param hostProducts whether the one-token steps may multiply on a host kernel ({@link
   *     StepProducts}); false keeps PyTorch's linear, for checks
   */
  Decoding(GptModel model, NDManager parent, long capacity, boolean hostProducts) {
    this.model = model;
    this.hostProducts = hostProducts;
    this.manager = parent.newSubManager();
    this.cache = new KvCache(manager, model.config().layers(), capacity);
  }

  /**
   * Logits of the last position of each sequence, (batch, vocabulary); the tokens' keys and values
   * join the cache.
   *
   * @param tokens (batch, tokens) int64 ids: the prompts, then one new token per sequence a step
   * @param positions (batch, tokens) int64 positions
   * @param bias (batch, 1, tokens, cached + tokens) attention bias
   */
  NDArray lastLogits(NDArray tokens, NDArray positions, NDArray bias) {
    boolean oneTokenStep = cache.length() > 0 && tokens.getShape().get(1) == 1;
    if (oneTokenStep && !model.architecture().isGpt2()) {
      model.checkOpen();
      if (steps == null) {
        steps = new LlamaDecoder(model, manager, hostProducts);
      }
      return steps.lastLogits(tokens, positions, bias, cache);
    }
    return model.lastLogits(tokens, positions, bias, cache);
  }

  /** Whether the one-token steps multiply on a host kernel; false before the first. */
  boolean stepsOnHost() {
    return steps != null && steps.onHost();
  }

  /** Tokens cached so far. */
  long length() {
    return cache.length();
  }

  @Override
  public void close() {
    if (steps != null) {
      steps.close();
    }
    manager.close();
  }
}
