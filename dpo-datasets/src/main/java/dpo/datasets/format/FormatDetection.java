package dpo.datasets.format;

import dpo.api.data.DataFormat;
import java.util.Collection;
import java.util.Optional;

/**
 * Tells a row's {@link DataFormat} from its field names. The most specific schema wins:
 *
 * <ol>
 *   <li>{@code response_0} and {@code response_1}: {@link DataFormat#PKU_SAFERLHF};
 *   <li>{@code responses}: {@link DataFormat#GENERATION};
 *   <li>{@code chosen} and {@code rejected}: {@link DataFormat#TRL_PREFERENCE};
 *   <li>{@code context_messages}: {@link DataFormat#RLHFLOW_PROMPTS};
 *   <li>{@code prompt} and {@code prompt_source}: {@link DataFormat#PKU_SAFERLHF_PROMPTS};
 *   <li>{@code prompt}: {@link DataFormat#PROMPT_ONLY}.
 * </ol>
 *
 * Other fields are ignored, so that rows with extra columns (PKU-SafeRLHF's harm categories, a
 * dataset's ids) are still recognised.
 */
public final class FormatDetection {
  private FormatDetection() {}

  /**
   * The format whose fields a row has.
   *
   * @param fields the row's field names
   * @return the format, or empty if the fields match none
   */
  public static Optional<DataFormat> detect(Collection<String> fields) {
    if (fields.contains("response_0") && fields.contains("response_1")) {
      return Optional.of(DataFormat.PKU_SAFERLHF);
    }
    if (fields.contains("responses")) {
      return Optional.of(DataFormat.GENERATION);
    }
    if (fields.contains("chosen") && fields.contains("rejected")) {
      return Optional.of(DataFormat.TRL_PREFERENCE);
    }
    if (fields.contains("context_messages")) {
      return Optional.of(DataFormat.RLHFLOW_PROMPTS);
    }
    if (fields.contains("prompt")) {
      return Optional.of(
          fields.contains("prompt_source")
              ? DataFormat.PKU_SAFERLHF_PROMPTS
              : DataFormat.PROMPT_ONLY);
    }
    return Optional.empty();
  }
}
