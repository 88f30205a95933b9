package dpo.datasets.prompts;

import dpo.api.ConfigurationException;
import dpo.api.data.DataRecord;
import dpo.datasets.format.DatasetReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Prepares the rows of a dataset for a run, in the order of the paper's code: apply the prompt
 * template, keep the rows whose (templated) prompt passes the length filter, shuffle them if a seed
 * is given, and keep the split's index range. For the paper's Safe-RLHF training prompts:
 *
 * <pre>
 * new Preparation(Optional.of(PromptTemplate.SAFE_RLHF), LengthFilter.atMost(128),
 *     OptionalLong.empty(), Optional.of(Split.TRAIN))
 * </pre>
 *
 * <p>Without a shuffle the rows stream through in constant memory; a shuffle holds the kept rows.
 *
 * @param template the template to apply, if any
 * @param filter which prompts to keep
 * @param shuffleSeed the seed of a {@link Shuffle}, if the rows are to be shuffled
 * @param split the index range to keep, if any; it must lie within the kept rows
 */
public record Preparation(
    Optional<PromptTemplate> template,
    LengthFilter filter,
    OptionalLong shuffleSeed,
    Optional<Split> split) {
  /** Passes every row through unchanged. */
  public static final Preparation NONE =
      new Preparation(Optional.empty(), LengthFilter.ANY, OptionalLong.empty(), Optional.empty());

  /**
   * Validates the components.
   *
   * @param template the template to apply, if any
   * @param filter which prompts to keep
   * @param shuffleSeed the seed of a {@link Shuffle}, if the rows are to be shuffled
   * @param split the index range to keep, if any; it must lie within the kept rows
   */
  public Preparation {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(shuffleSeed, "shuffleSeed");
    Objects.requireNonNull(split, "split");
  }

  /**
   * What a run did.
   *
   * @param read rows read
   * @param filteredOut rows dropped by the length filter
   * @param kept rows that passed the filter
   * @param emitted rows passed on (those of the split, or all kept rows)
   */
  public record Report(long read, long filteredOut, long kept, long emitted) {}

  /**
   * Runs the preparation.
   *
   * @param in the rows
   * @param out receives the prepared rows, in order
   * @return the counts
   * @throws ConfigurationException (field {@code split}) if the split reaches past the kept rows;
   *     rows already passed on should then be discarded
   */
  public Report run(DatasetReader<? extends DataRecord> in, Consumer<? super DataRecord> out) {
    long read = 0;
    long kept = 0;
    long emitted = 0;
    List<DataRecord> held = shuffleSeed.isPresent() ? new ArrayList<>() : null;
    for (DataRecord r = in.next(); r != null; r = in.next()) {
      read++;
      DataRecord record = template.isPresent() ? template.get().apply(r) : r;
      if (!filter.accepts(record.prompt())) {
        continue;
      }
      if (held != null) {
        held.add(record);
      } else if (inSplit(kept)) {
        out.accept(record);
        emitted++;
      }
      kept++;
    }
    if (held != null) {
      List<DataRecord> order = Shuffle.shuffled(held, shuffleSeed.getAsLong());
      for (int i = 0; i < order.size(); i++) {
        if (inSplit(i)) {
          out.accept(order.get(i));
          emitted++;
        }
      }
    }
    if (split.isPresent() && kept < split.get().toExclusive()) {
      throw new ConfigurationException("split", split.get().tooFew(kept));
    }
    return new Report(read, read - kept, kept, emitted);
  }

  private boolean inSplit(long index) {
    return split.isEmpty() || split.get().contains(index);
  }
}
