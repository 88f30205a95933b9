package dpo.datasets.synthetic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/** What the synthetic tasks share: splitting text into words, and word-level measures. */
final class Words {
  private Words() {}

  /** The words of a text: lower-cased, split at runs of whitespace. */
  static List<String> of(String text) {
    String trimmed = text.strip().toLowerCase(Locale.ROOT);
    return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
  }

  /**
   * The share of the n + 1 transitions (start, between words, end) that a grammar over word classes
   * allows; 0 for no words.
   */
  static <C> double fluency(
      List<String> words, Map<String, C> classes, C other, C start, C stop, Map<C, Set<C>> next) {
    if (words.isEmpty()) {
      return 0;
    }
    int allowed = 0;
    C previous = start;
    for (String word : words) {
      C current = classes.getOrDefault(word, other);
      if (next.get(previous).contains(current)) {
        allowed++;
      }
      previous = current;
    }
    if (next.get(previous).contains(stop)) {
      allowed++;
    }
    return allowed / (double) (words.size() + 1);
  }

  /** The share of word bigrams that repeat an earlier one. */
  static double repetition(List<String> words) {
    if (words.size() < 2) {
      return 0;
    }
    Set<String> seen = new HashSet<>();
    int repeated = 0;
    for (int i = 1; i < words.size(); i++) {
      if (!seen.add(words.get(i - 1) + ' ' + words.get(i))) {
        repeated++;
      }
    }
    return repeated / (double) (words.size() - 1);
  }

  /** A copy in the order of a Fisher-Yates shuffle. */
  static List<String> shuffled(List<String> items, SplittableRandom random) {
    List<String> copy = new ArrayList<>(items);
    for (int i = copy.size() - 1; i > 0; i--) {
      Collections.swap(copy, i, random.nextInt(i + 1));
    }
    return copy;
  }
}
