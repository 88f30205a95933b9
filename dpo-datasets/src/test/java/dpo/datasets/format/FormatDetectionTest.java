package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.api.data.DataFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FormatDetectionTest {

  @Test
  void mostSpecificSchemaWins() {
    assertEquals(
        Optional.of(DataFormat.PKU_SAFERLHF),
        FormatDetection.detect(List.of("prompt", "prompt_source", "response_0", "response_1")));
    assertEquals(
        Optional.of(DataFormat.GENERATION),
        FormatDetection.detect(List.of("prompt", "responses", "chosen", "rejected")));
    assertEquals(
        Optional.of(DataFormat.TRL_PREFERENCE),
        FormatDetection.detect(List.of("chosen", "rejected", "id")));
    assertEquals(
        Optional.of(DataFormat.RLHFLOW_PROMPTS),
        FormatDetection.detect(List.of("context_messages", "prompt")));
    assertEquals(
        Optional.of(DataFormat.PKU_SAFERLHF_PROMPTS),
        FormatDetection.detect(List.of("prompt_source", "prompt")));
    assertEquals(Optional.of(DataFormat.PROMPT_ONLY), FormatDetection.detect(List.of("prompt")));
  }

  @Test
  void partialSchemasMatchNothingSpecific() {
    assertEquals(Optional.empty(), FormatDetection.detect(List.of("chosen")));
    assertEquals(Optional.empty(), FormatDetection.detect(List.of("response_0", "question")));
    assertEquals(Optional.empty(), FormatDetection.detect(List.of()));
  }
}
