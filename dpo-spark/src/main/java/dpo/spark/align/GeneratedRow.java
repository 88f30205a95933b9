package dpo.spark.align;

import dpo.api.data.Content;
import dpo.api.data.GenerationRecord;
import dpo.core.align.GenerationEngine;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * A generation record as an executor sends it back: the prompt, its responses and their rewards
 * (the {@code {"prompt", "responses", "rewards"}} record that {@code dpo data} reads), with the
 * prompt's index, the plan's component and the responses' token ids that training needs.
 */
record GeneratedRow(
    int index, int component, int[][] ids, String prompt, String[] responses, double[] rewards)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  static GeneratedRow of(GenerationEngine.Generated g) {
    return new GeneratedRow(
        g.index(),
        g.component(),
        g.responses().toArray(new int[0][]),
        g.record().prompt().text(),
        g.record().responses().toArray(new String[0]),
        g.record().rewards().stream().mapToDouble(Double::doubleValue).toArray());
  }

  GenerationEngine.Generated toGenerated() {
    return new GenerationEngine.Generated(
        index,
        component,
        Arrays.asList(ids),
        new GenerationRecord(
            Content.of(prompt), List.of(responses), Arrays.stream(rewards).boxed().toList()));
  }
}
