package dpo.datasets.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The special tokens of a tokenizer: beginning and end of sequence, padding, and any others. They
 * take the first ids, in this order ({@link #all()}), are never split, and never come out of plain
 * text by BPE.
 *
 * <p>Every sequence the framework trains on is {@code bos, text..., eos}; padding fills batches and
 * is never a target of the loss. Three distinct tokens (rather than GPT-2's single {@code
 * <|endoftext|>}) keep padding apart from the end of a sequence, so masking padding never masks an
 * end of sequence.
 *
 * @param bos the beginning-of-sequence token, e.g. {@code <|bos|>}
 * @param eos the end-of-sequence token, which stops generation, e.g. {@code <|eos|>}
 * @param pad the padding token, e.g. {@code <|pad|>}
 * @param additional further special tokens, e.g. chat markers; may be empty
 */
public record SpecialTokens(String bos, String eos, String pad, List<String> additional) {
  /** {@code <|bos|>}, {@code <|eos|>} and {@code <|pad|>}, nothing else. */
  public static final SpecialTokens DEFAULT =
      new SpecialTokens("<|bos|>", "<|eos|>", "<|pad|>", List.of());

  /** Validates the tokens: none empty, none repeated. */
  public SpecialTokens {
    Objects.requireNonNull(bos, "bos");
    Objects.requireNonNull(eos, "eos");
    Objects.requireNonNull(pad, "pad");
    additional = List.copyOf(additional);
    Set<String> seen = new HashSet<>();
    for (String t : concat(bos, eos, pad, additional)) {
      if (t.isEmpty()) {
        throw new IllegalArgumentException("a special token cannot be empty");
      }
      if (!seen.add(t)) {
        throw new IllegalArgumentException(
            "special token " + t + " is given twice; every special token must be distinct");
      }
    }
  }

  /**
   * These tokens with more additional ones.
   *
   * @param more the additional tokens
   * @return the extended set
   */
  public SpecialTokens with(List<String> more) {
    List<String> all = new ArrayList<>(additional);
    all.addAll(more);
    return new SpecialTokens(bos, eos, pad, all);
  }

  /**
   * All special tokens in id order: bos (id 0), eos (1), pad (2), then the additional ones.
   *
   * @return the tokens
   */
  public List<String> all() {
    return concat(bos, eos, pad, additional);
  }

  private static List<String> concat(String bos, String eos, String pad, List<String> more) {
    List<String> all = new ArrayList<>(3 + more.size());
    all.add(bos);
    all.add(eos);
    all.add(pad);
    all.addAll(more);
    return all;
  }
}
