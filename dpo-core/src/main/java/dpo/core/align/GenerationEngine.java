package dpo.core.align;

import dpo.api.data.GenerationRecord;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * The generation-and-scoring stage of a round of the online loop ({@link OnlineDpoLoop}): K
 * responses per prompt drawn from the sampler's pair of logit-mixed distributions, decoded and
 * scored by the oracle. Training stays with the loop; an engine only says where the drawing and
 * scoring run: in this JVM ({@link LocalGeneration}) or spread over machines (the {@code spark}
 * engine of the dpo-spark module).
 *
 * <p>Every draw of a prompt is seeded by that prompt alone ({@link PromptDraw#seeds()}: one seed
 * per response, {@link GenerationConfig#rowSeeds()}), and the oracle scores each response on its
 * own, so any split of a round's prompts over batches, partitions or machines gives the same
 * records.
 *
 * <p>Call order: {@link #generate} any number of times, then {@link #close()}.
 */
public interface GenerationEngine extends AutoCloseable {

  /**
   * The engine's id as {@code dpo align --engine} names it, recorded in run.json.
   *
   * @return e.g. {@code local} or {@code spark}
   */
  String id();

  /**
   * Draws and scores the responses of a round's prompts.
   *
   * @param generator the model whose logits carry the policy weight (read, never changed)
   * @param reference the model whose logits carry the reference weight (read, never changed)
   * @param round the prompts, their seeds and the sampling settings
   * @return one record per prompt, in the order of {@link Round#prompts()}
   */
  List<Generated> generate(LanguageModel generator, LanguageModel reference, Round round);

  /** Releases what the engine holds (a cluster connection, temporary files). */
  @Override
  default void close() {}

  /**
   * One prompt of a round and every seed its draws use.
   *
   * @param index the prompt's index in the run's training prompts
   * @param text the prompt, as the oracle receives it
   * @param ids the prompt's token ids
   * @param component the component of the sampler's plan drawn for this prompt
   * @param seeds one seed per response (K of them)
   */
  record PromptDraw(int index, String text, int[] ids, int component, long[] seeds)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Copies the arrays. */
    public PromptDraw {
      ids = ids.clone();
      seeds = seeds.clone();
    }

    @Override
    public int[] ids() {
      return ids.clone();
    }

    @Override
    public long[] seeds() {
      return seeds.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PromptDraw p
          && index == p.index
          && component == p.component
          && text.equals(p.text)
          && Arrays.equals(ids, p.ids)
          && Arrays.equals(seeds, p.seeds);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(seeds) * 31 + index;
    }

    @Override
    public String toString() {
      return "PromptDraw[" + index + ", component " + component + "]";
    }
  }

  /**
   * What a round draws.
   *
   * @param prompts the prompts, each with its component and seeds
   * @param weights per component of the sampler's plan, per response slot, the mixing weights of
   *     (generator, reference): {@code weights[c][slot] = {w_policy, w_reference}}
   * @param sampling the sampling settings shared by every response (its row seeds are set per call)
   */
  record Round(List<PromptDraw> prompts, double[][][] weights, GenerationConfig sampling) {
    /** Copies the prompts. */
    public Round {
      prompts = List.copyOf(prompts);
    }

    /**
     * Responses per prompt.
     *
     * @return K
     */
    public int responses() {
      return weights.length == 0 ? 0 : weights[0].length;
    }
  }

  /**
   * The responses of one prompt and their rewards.
   *
   * @param index the prompt's index in the run's training prompts
   * @param component the component of the plan the responses were drawn from
   * @param responses the responses' token ids, K of them, in slot order
   * @param record the prompt, the decoded responses and their rewards, as the generation records
   *     {@code {"prompt", "responses", "rewards"}} that {@code dpo data} reads
   */
  record Generated(int index, int component, List<int[]> responses, GenerationRecord record) {
    /** Copies the responses. */
    public Generated {
      responses = List.copyOf(responses);
    }

    /**
     * Whether two records hold the same prompt, component, tokens, texts and rewards.
     *
     * @param other the other record
     * @return true if they are identical
     */
    public boolean sameAs(Generated other) {
      if (index != other.index
          || component != other.component
          || responses.size() != other.responses.size()
          || !record.equals(other.record)) {
        return false;
      }
      for (int i = 0; i < responses.size(); i++) {
        if (!Arrays.equals(responses.get(i), other.responses.get(i))) {
          return false;
        }
      }
      return true;
    }
  }
}
