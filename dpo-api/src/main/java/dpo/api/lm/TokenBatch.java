package dpo.api.lm;

import dpo.api.ConfigurationException;

/**
 * Token blocks for next-token training, with a per-token loss mask: {@code targets[b][i]} says
 * whether token {@code i} of block {@code b} is a target of the loss, predicted from the tokens
 * before it in the same block (so the first token of a block never is). Prompt tokens (TRL's
 * completion-only loss) and padding are not targets.
 *
 * @param tokens token ids, one row per block, all rows of the same length
 * @param targets the loss mask, same shape as {@code tokens}
 */
public record TokenBatch(int[][] tokens, boolean[][] targets) {

  /**
   * Validates the shapes and copies the arrays.
   *
   * @param tokens token ids, one row per block, all rows of the same length
   * @param targets the loss mask, same shape as {@code tokens}
   */
  public TokenBatch {
    if (tokens.length == 0) {
      throw new ConfigurationException("tokens", "a token batch needs at least one block");
    }
    if (targets.length != tokens.length) {
      throw new ConfigurationException(
          "targets", "got " + tokens.length + " token rows and " + targets.length + " target rows");
    }
    int length = tokens[0].length;
    int[][] t = new int[tokens.length][];
    boolean[][] m = new boolean[tokens.length][];
    for (int b = 0; b < tokens.length; b++) {
      if (tokens[b].length != length || targets[b].length != length) {
        throw new ConfigurationException(
            "tokens",
            "block "
                + b
                + " has "
                + tokens[b].length
                + " tokens and "
                + targets[b].length
                + " targets; every block must have "
                + length);
      }
      if (length > 0 && targets[b][0]) {
        throw new ConfigurationException(
            "targets", "block " + b + ": the first token has no context and cannot be a target");
      }
      t[b] = tokens[b].clone();
      m[b] = targets[b].clone();
    }
    tokens = t;
    targets = m;
  }

  /**
   * Number of blocks.
   *
   * @return the count
   */
  public int size() {
    return tokens.length;
  }

  /**
   * Tokens per block.
   *
   * @return the length
   */
  public int length() {
    return tokens[0].length;
  }

  /**
   * Number of target tokens in all blocks.
   *
   * @return the count
   */
  public long targetCount() {
    long n = 0;
    for (boolean[] row : targets) {
      for (boolean t : row) {
        n += t ? 1 : 0;
      }
    }
    return n;
  }

  /**
   * The blocks {@code from} (inclusive) to {@code to} (exclusive).
   *
   * @param from first block
   * @param to end
   * @return those blocks
   */
  public TokenBatch slice(int from, int to) {
    return new TokenBatch(
        java.util.Arrays.copyOfRange(tokens, from, to),
        java.util.Arrays.copyOfRange(targets, from, to));
  }
}
