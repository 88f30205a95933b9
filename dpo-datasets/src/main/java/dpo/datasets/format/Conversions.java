package dpo.datasets.format;

import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.api.data.PreferencePair;
import dpo.api.data.PromptRecord;
import dpo.api.data.SafeRlhfRow;

/**
 * Which records can be written in which formats. Every record has a prompt, so every record can be
 * written as prompts; a PKU-SafeRLHF row becomes a preference pair by its helpfulness label ({@link
 * SafeRlhfRow#betterPair()}); otherwise a record is written only in a format of its own type.
 */
public final class Conversions {
  private Conversions() {}

  /**
   * Whether rows of one format can be written in another.
   *
   * @param from the format read
   * @param to the format to write
   * @return true if {@link #convert} succeeds for every record of {@code from}
   */
  public static boolean canConvert(DataFormat from, DataFormat to) {
    Class<? extends DataRecord> source = from.recordType();
    Class<? extends DataRecord> target = to.recordType();
    return target == source
        || target == PromptRecord.class
        || (target == PreferencePair.class && source == SafeRlhfRow.class);
  }

  /**
   * A record as the record type of a format.
   *
   * @param record the record
   * @param to the format
   * @return the record itself, its prompt, or its preference pair
   * @throws IllegalArgumentException if the record cannot be written in the format
   */
  public static DataRecord convert(DataRecord record, DataFormat to) {
    Class<? extends DataRecord> target = to.recordType();
    if (target.isInstance(record)) {
      return record;
    }
    if (target == PromptRecord.class) {
      return new PromptRecord(record.prompt());
    }
    if (target == PreferencePair.class && record instanceof SafeRlhfRow row) {
      return row.betterPair();
    }
    throw new IllegalArgumentException(
        "a "
            + record.getClass().getSimpleName()
            + " cannot be written as "
            + to.id()
            + " rows; write it as its own format or as prompts");
  }
}
