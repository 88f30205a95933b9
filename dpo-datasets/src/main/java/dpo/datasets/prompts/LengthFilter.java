package dpo.datasets.prompts;

import dpo.api.data.Content;

/**
 * Keeps prompts whose length in characters (Unicode code points, {@link Content#characters()}) is
 * within bounds, as the paper keeps prompts of at most 128 or 256 characters.
 *
 * @param minChars the shortest length kept, {@code >= 0}
 * @param maxChars the longest length kept, {@code >= minChars}
 */
public record LengthFilter(int minChars, int maxChars) {
  /** Keeps everything. */
  public static final LengthFilter ANY = new LengthFilter(0, Integer.MAX_VALUE);

  /**
   * Validates the bounds.
   *
   * @param minChars the shortest length kept, {@code >= 0}
   * @param maxChars the longest length kept, {@code >= minChars}
   */
  public LengthFilter {
    if (minChars < 0) {
      throw new IllegalArgumentException("minChars must be >= 0, got " + minChars);
    }
    if (maxChars < minChars) {
      throw new IllegalArgumentException(
          "maxChars must be >= minChars (" + minChars + "), got " + maxChars);
    }
  }

  /**
   * A filter with only an upper bound.
   *
   * @param maxChars the longest length kept
   * @return the filter
   */
  public static LengthFilter atMost(int maxChars) {
    return new LengthFilter(0, maxChars);
  }

  /**
   * Whether a prompt is kept.
   *
   * @param prompt the prompt
   * @return true if its length is within the bounds
   */
  public boolean accepts(Content prompt) {
    int n = prompt.characters();
    return n >= minChars && n <= maxChars;
  }
}
