package dpo.datasets.prompts;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A range of row indices, 0-based, after filtering and shuffling. The paper trains on prompts
 * 0-9,999 and tests on 10,000-11,999 ({@link #TRAIN}, {@link #TEST}).
 *
 * @param name the split's name, for messages
 * @param from the first index, {@code >= 0}
 * @param toExclusive one past the last index, {@code > from}
 */
public record Split(String name, long from, long toExclusive) {
  /** The paper's training prompts: indices 0 to 9,999. */
  public static final Split TRAIN = new Split("train", 0, 10_000);

  /** The paper's test prompts: indices 10,000 to 11,999. */
  public static final Split TEST = new Split("test", 10_000, 12_000);

  private static final Pattern RANGE = Pattern.compile("(\\d+):(\\d+)");

  /**
   * Validates the range.
   *
   * @param name the split's name, for messages
   * @param from the first index, {@code >= 0}
   * @param toExclusive one past the last index, {@code > from}
   */
  public Split {
    Objects.requireNonNull(name, "name");
    if (from < 0) {
      throw new IllegalArgumentException("from must be >= 0, got " + from);
    }
    if (toExclusive <= from) {
      throw new IllegalArgumentException(
          "the split "
              + name
              + " is empty: toExclusive ("
              + toExclusive
              + ") must be > from ("
              + from
              + ")");
    }
  }

  /**
   * A split by name or range.
   *
   * @param spec {@code train}, {@code test}, or {@code FROM:TO} with TO exclusive, e.g. {@code
   *     0:500}
   * @return the split
   * @throws IllegalArgumentException if {@code spec} is none of these
   */
  public static Split parse(String spec) {
    if (spec.equals(TRAIN.name)) {
      return TRAIN;
    }
    if (spec.equals(TEST.name)) {
      return TEST;
    }
    Matcher m = RANGE.matcher(spec.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "unknown split '" + spec + "'; use train (0:10000), test (10000:12000) or FROM:TO");
    }
    try {
      return new Split(spec.strip(), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("split bounds too large in '" + spec + "'", e);
    }
  }

  /**
   * How many rows the split holds.
   *
   * @return {@code toExclusive - from}
   */
  public long size() {
    return toExclusive - from;
  }

  /**
   * Whether an index is in the split.
   *
   * @param index a 0-based row index
   * @return true if {@code from <= index < toExclusive}
   */
  public boolean contains(long index) {
    return index >= from && index < toExclusive;
  }

  /**
   * The rows of the split.
   *
   * @param <T> the row type
   * @param rows all rows; at least {@code toExclusive} of them
   * @return a view of rows {@code from} to {@code toExclusive - 1}
   * @throws IllegalArgumentException if there are too few rows; the split is never cut short
   *     silently
   */
  public <T> List<T> select(List<T> rows) {
    if (rows.size() < toExclusive) {
      throw new IllegalArgumentException(tooFew(rows.size()));
    }
    return rows.subList((int) from, (int) toExclusive);
  }

  /**
   * The message for a dataset too small for this split.
   *
   * @param rows how many rows there are
   * @return what is wrong and how to fix it
   */
  public String tooFew(long rows) {
    return "the split "
        + name
        + " needs rows "
        + from
        + " to "
        + (toExclusive - 1)
        + ", but there "
        + (rows == 1 ? "is only 1 row" : "are only " + rows + " rows")
        + "; choose a range within them (FROM:TO) or loosen the filters";
  }
}
