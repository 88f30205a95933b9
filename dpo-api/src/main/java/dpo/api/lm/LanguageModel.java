package dpo.api.lm;

import java.nio.file.Path;
import java.util.List;

/** A causal language model owned by a backend. Not thread-safe; close it to free its memory. */
public interface LanguageModel extends AutoCloseable {

  /**
   * The model's shape.
   *
   * @return its config
   */
  ModelConfig config();

  /**
   * Log-probabilities of responses given prompts: the sum over response tokens of log pi(token |
   * prompt, earlier response tokens). Batched; padding never changes the result.
   *
   * @param prompts token ids of each prompt (non-empty)
   * @param responses token ids of each response, same count as prompts
   * @return one log-probability per (prompt, response)
   */
  double[] sequenceLogProbs(List<int[]> prompts, List<int[]> responses);

  /**
   * The exact KL divergence from this model to another along given sequences: for each (prompt,
   * response), the sum over the response's positions t of the per-token divergence between the two
   * models' full next-token distributions at temperature 1,
   *
   * <pre>
   * KL_t = sum over the vocabulary v of p(v | prompt, y&lt;t) (log p(v | prompt, y&lt;t) - log q(v | prompt, y&lt;t))
   * </pre>
   *
   * <p>with p this model and q the other. Each term is a KL divergence between two distributions,
   * so the result is never negative and is 0 for models with the same parameters. When the
   * responses are drawn from this model at temperature 1, the mean over responses is an unbiased
   * estimate of the sequence-level KL(this || other) (by the chain rule), with less variance than
   * the mean log-ratio {@code log p(y) - log q(y)} of the same samples, which can be negative.
   * Batched; padding never changes the result.
   *
   * @param other the second model (q): same vocabulary, created by the same backend
   * @param prompts token ids of each prompt (non-empty)
   * @param responses token ids of each response, same count as prompts
   * @return one divergence (nats, &gt;= 0) per (prompt, response)
   */
  double[] sequenceKl(LanguageModel other, List<int[]> prompts, List<int[]> responses);

  /**
   * A deep copy with the same parameters, for example the frozen reference of a DPO run.
   *
   * @return the copy, owned by the caller
   */
  LanguageModel copy();

  /**
   * Copies another model's parameters into this one (same config, same backend).
   *
   * @param other the source
   */
  void copyFrom(LanguageModel other);

  /**
   * Saves the model as a Hugging Face checkpoint directory ({@code config.json} and {@code
   * model.safetensors} with the model type's tensor names, plus the tokenizer files the model was
   * loaded with), atomically.
   *
   * @param directory target directory; replaced if present
   */
  void save(Path directory);

  /**
   * The same model with its low-rank adapters ({@link LoraConfig}) switched off: a view that shares
   * this model's weights, holds no copy of them and scores as the base model does. With adapters,
   * this view is the DPO reference for free. A model without adapters returns itself. The view
   * lives as long as this model; closing the view does nothing.
   *
   * @return the base model's view
   */
  default LanguageModel withoutAdapters() {
    return this;
  }

  /**
   * Whether this model carries low-rank adapters, which are then its only trained parameters.
   *
   * @return true if adapters were added or loaded
   */
  default boolean hasAdapters() {
    return false;
  }

  @Override
  void close();
}
