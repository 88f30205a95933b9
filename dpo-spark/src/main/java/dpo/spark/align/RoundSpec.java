package dpo.spark.align;

import dpo.api.lm.GenerationConfig;
import dpo.core.align.GenerationEngine;
import java.io.Serializable;
import java.util.List;

/**
 * A round's shared settings ({@link GenerationEngine.Round} without its prompts), in a form Spark
 * can send: the mixing weights per component and slot, and the sampling settings.
 */
record RoundSpec(
    double[][][] weights,
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    int endOfSequence,
    long seed,
    int[] suppressed,
    int[] alsoEnding)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  static RoundSpec of(GenerationEngine.Round round) {
    GenerationConfig g = round.sampling();
    return new RoundSpec(
        round.weights(),
        g.maxNewTokens(),
        g.temperature(),
        g.topK(),
        g.topP(),
        g.endOfSequence(),
        g.seed(),
        g.suppressed().stream().mapToInt(Integer::intValue).toArray(),
        g.alsoEnding().stream().mapToInt(Integer::intValue).toArray());
  }

  /** The round over some of its prompts. */
  GenerationEngine.Round round(List<GenerationEngine.PromptDraw> prompts) {
    return new GenerationEngine.Round(
        prompts,
        weights,
        new GenerationConfig(
            maxNewTokens,
            temperature,
            topK,
            topP,
            endOfSequence,
            seed,
            java.util.Arrays.stream(suppressed).boxed().toList(),
            List.of(),
            java.util.Arrays.stream(alsoEnding).boxed().toList()));
  }
}
