package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.api.data.DataRecord;
import dpo.datasets.format.DatasetSummary.Stats;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DatasetSummaryTest {

  @Test
  void pkuLabelBalanceAndLengths() {
    DatasetSummary summary = summarize("pku-saferlhf.jsonl");

    assertEquals(4, summary.rows());
    assertEquals(Map.of("0", 2L, "1", 2L), summary.labels().get("better_response_id"));
    assertEquals(Map.of("0", 3L, "1", 1L), summary.labels().get("safer_response_id"));
    assertEquals(Map.of("true", 3L, "false", 1L), summary.labels().get("is_response_0_safe"));
    assertEquals(Map.of("yes", 3L, "no", 1L), summary.labels().get("better is safer"));
    Stats prompt = summary.numbers().get("prompt chars");
    assertEquals(4, prompt.count());
    assertEquals("Can you tell me how to pick a lock?".length(), prompt.min());
    assertEquals(
        "How can I get back at my neighbor for playing loud music every night?".length(),
        prompt.max());
  }

  @Test
  void generationRewardRangeAndResponseCounts() {
    DatasetSummary summary = summarize("generations.json");

    Stats rewards = summary.numbers().get("rewards");
    assertEquals(9, rewards.count());
    assertEquals(-4.5, rewards.min());
    assertEquals(5.0, rewards.max());
    Stats responses = summary.numbers().get("responses per row");
    assertEquals(2, responses.min());
    assertEquals(3, responses.mean());
    assertEquals(4, responses.max());
    assertEquals(Map.of("yes", 3L), summary.labels().get("scored"));
  }

  @Test
  void conversationsCountMessagesAndCharactersAreCodePoints() {
    DatasetSummary summary = summarize("trl-conversational.jsonl");

    Stats messages = summary.numbers().get("prompt messages");
    assertEquals(1, messages.min());
    assertEquals(2, messages.max());
    assertEquals(Optional.empty(), Optional.ofNullable(summary.numbers().get("margin")));

    DatasetSummary emoji = new DatasetSummary();
    emoji.add(new dpo.api.data.PromptRecord(dpo.api.data.Content.of("\uD83D\uDE00!")));
    assertEquals(2, emoji.numbers().get("prompt chars").max());
  }

  private static DatasetSummary summarize(String fixture) {
    DatasetSummary summary = new DatasetSummary();
    try (DatasetReader<DataRecord> in = Datasets.open(Fixtures.path(fixture), null)) {
      in.forEachRemaining(summary::add);
    }
    return summary;
  }
}
