package dpo.datasets.format;

import dpo.api.data.Content;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.PreferencePair;
import dpo.api.data.PromptRecord;
import dpo.api.data.SafeRlhfRow;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Field statistics of a dataset, gathered one record at a time: lengths in characters (code points)
 * and message counts of prompts and responses, the range of rewards and margins, and the balance of
 * labels such as PKU-SafeRLHF's {@code better_response_id}.
 */
public final class DatasetSummary {
  private final Map<String, Accumulator> numbers = new LinkedHashMap<>();
  private final Map<String, Map<String, Long>> labels = new LinkedHashMap<>();
  private long rows;

  /**
   * The count, minimum, mean and maximum of one numeric field.
   *
   * @param count how many values
   * @param min the smallest
   * @param mean the mean
   * @param max the largest
   */
  public record Stats(long count, double min, double mean, double max) {}

  /**
   * Adds a record.
   *
   * @param record the record
   */
  public void add(DataRecord record) {
    rows++;
    content("prompt", record.prompt());
    if (record instanceof PreferencePair p) {
      content("chosen", p.chosen());
      content("rejected", p.rejected());
      number("chosen_reward", p.chosenReward());
      number("rejected_reward", p.rejectedReward());
      number("margin", p.margin());
    } else if (record instanceof GenerationRecord g) {
      number("responses per row", g.responses().size());
      for (String response : g.responses()) {
        number("response chars", Content.of(response).characters());
      }
      for (double reward : g.rewards()) {
        number("rewards", reward);
      }
      label("scored", g.hasRewards() ? "yes" : "no");
    } else if (record instanceof SafeRlhfRow s) {
      number("response_0 chars", Content.of(s.response0()).characters());
      number("response_1 chars", Content.of(s.response1()).characters());
      label("better_response_id", Integer.toString(s.betterResponseId()));
      label("safer_response_id", Integer.toString(s.saferResponseId()));
      label("is_response_0_safe", Boolean.toString(s.response0Safe()));
      label("is_response_1_safe", Boolean.toString(s.response1Safe()));
      label("better is safer", s.betterResponseId() == s.saferResponseId() ? "yes" : "no");
    } else if (!(record instanceof PromptRecord)) {
      throw new IllegalArgumentException("unknown record type " + record.getClass());
    }
  }

  /**
   * How many records were added.
   *
   * @return the count
   */
  public long rows() {
    return rows;
  }

  /**
   * The numeric fields, in the order first seen.
   *
   * @return field name to statistics
   */
  public Map<String, Stats> numbers() {
    Map<String, Stats> out = new LinkedHashMap<>();
    numbers.forEach((k, v) -> out.put(k, v.stats()));
    return Collections.unmodifiableMap(out);
  }

  /**
   * The label fields, in the order first seen, each with its values in sorted order.
   *
   * @return field name to value to count
   */
  public Map<String, Map<String, Long>> labels() {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    labels.forEach((k, v) -> out.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
    return Collections.unmodifiableMap(out);
  }

  private void content(String field, Content content) {
    number(field + " chars", content.characters());
    if (content.isChat()) {
      number(field + " messages", content.messages().size());
    }
  }

  private void number(String field, OptionalDouble value) {
    if (value.isPresent()) {
      number(field, value.getAsDouble());
    }
  }

  private void number(String field, double value) {
    numbers.computeIfAbsent(field, k -> new Accumulator()).add(value);
  }

  private void label(String field, String value) {
    labels.computeIfAbsent(field, k -> new LinkedHashMap<>()).merge(value, 1L, Long::sum);
  }

  private static final class Accumulator {
    private long count;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;

    void add(double x) {
      count++;
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }

    Stats stats() {
      return new Stats(count, min, sum / count, max);
    }
  }
}
