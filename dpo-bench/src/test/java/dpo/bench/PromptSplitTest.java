package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.align.AlignExperiment;
import dpo.core.align.Prompt;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a seed changes in {@code dpo align --prompts}: the draws only, or also the split. */
class PromptSplitTest {
  static final List<Prompt> LINES =
      Prompt.of(IntStream.range(0, 50).mapToObj(i -> "prompt " + i).toList());

  @Test
  void aFixedSplitHoldsOutTheLastPromptsForEverySeed() {
    AlignExperiment.Inputs in = AlignCommand.promptSplit(LINES, 30, 10, false, "p.txt");
    for (long seed : new long[] {1, 2, 3}) {
      assertEquals(LINES.subList(40, 50), in.test(seed));
      assertEquals(LINES.subList(0, 30), in.train(seed));
    }
    assertTrue(in.id().contains("split fixed"), in.id());
    assertTrue(in.id().contains("a seed changes only the random draws"), in.id());
  }

  @Test
  void aPerSeedSplitVariesWithTheSeedIsRepeatableAndNeverLeaksTestIntoTrain() {
    AlignExperiment.Inputs in = AlignCommand.promptSplit(LINES, 100, 10, true, "p.txt");
    assertTrue(in.id().contains("split per seed"), in.id());
    assertNotEquals(in.test(1), in.test(2), "seeds hold out different prompts");
    assertEquals(in.test(1), in.test(1), "a seed always gives the same split");
    for (long seed : new long[] {1, 2}) {
      List<Prompt> test = in.test(seed);
      List<Prompt> train = in.train(seed);
      assertEquals(10, test.size());
      assertEquals(40, train.size(), "every other prompt trains");
      Set<Prompt> all = new HashSet<>(train);
      all.addAll(test);
      assertEquals(new HashSet<>(LINES), all, "a split of the prompts, nothing lost or shared");
    }
  }
}
