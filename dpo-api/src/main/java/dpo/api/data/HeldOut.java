package dpo.api.data;

import java.util.SplittableRandom;

/**
 * The seeded held-out split that the training commands share: which of {@code n} examples are held
 * out for evaluation. One definition, so the same seed holds out the same examples in every module
 * that splits data.
 */
public final class HeldOut {
  private HeldOut() {}

  /**
   * A uniform draw of {@code held} of {@code n} examples (a partial Fisher-Yates shuffle on a
   * {@link SplittableRandom} seeded with {@code seed}).
   *
   * @param n the number of examples, {@code >= 0}
   * @param held how many to hold out, in {@code [0, n]}
   * @param seed the seed of the draw
   * @return for each example, whether it is held out
   */
  public static boolean[] draw(int n, int held, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < held; i++) {
      int j = i + random.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] isEval = new boolean[n];
    for (int i = 0; i < held; i++) {
      isEval[order[i]] = true;
    }
    return isEval;
  }
}
