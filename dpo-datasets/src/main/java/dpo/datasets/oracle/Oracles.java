package dpo.datasets.oracle;

import java.util.List;

/** Checks shared by the oracles of this package. */
final class Oracles {
  private Oracles() {}

  /** Rejects a batch whose prompt and response lists differ in length. */
  static void checkBatch(List<String> prompts, List<String> responses) {
    if (prompts.size() != responses.size()) {
      throw new IllegalArgumentException(
          "a batch needs one response per prompt, got "
              + prompts.size()
              + " prompts and "
              + responses.size()
              + " responses");
    }
  }
}
