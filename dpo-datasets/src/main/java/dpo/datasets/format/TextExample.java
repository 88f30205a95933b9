package dpo.datasets.format;

import java.util.List;
import java.util.Objects;

/**
 * One training example for a language model: text in segments, each either trained on (its tokens
 * are targets of the loss) or context only (masked, as a prompt is in supervised fine-tuning).
 *
 * @param segments the segments, in order; at least one
 * @param source where the example comes from, e.g. {@code data.jsonl:12}, for messages
 */
public record TextExample(List<Segment> segments, String source) {
  /** Copies the segments. */
  public TextExample {
    segments = List.copyOf(segments);
    Objects.requireNonNull(source, "source");
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("an example needs at least one segment");
    }
  }

  /**
   * A piece of an example.
   *
   * @param text the text, tokenized on its own (so a segment boundary is a token boundary)
   * @param trained whether its tokens, and the end-of-sequence token after it if any, are targets
   *     of the loss
   * @param endOfSequence whether the end-of-sequence token follows it (the end of a completion or
   *     of an assistant turn)
   */
  public record Segment(String text, boolean trained, boolean endOfSequence) {
    /** Validates the segment. */
    public Segment {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * Whether every segment is trained on (plain text) rather than some masked (a prompt).
   *
   * @return true for plain text
   */
  public boolean allTrained() {
    return segments.stream().allMatch(Segment::trained);
  }
}
