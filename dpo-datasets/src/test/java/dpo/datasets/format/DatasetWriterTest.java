package dpo.datasets.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.Message;
import dpo.api.data.PreferencePair;
import dpo.api.data.PromptRecord;
import dpo.api.data.SafeRlhfRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DatasetWriterTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "trl-standard.jsonl, out.jsonl",
    "trl-conversational.jsonl, out.json",
    "trl-implicit-conversational.jsonl, out.jsonl.gz",
    "prompts.jsonl, out.jsonl",
    "generations.json, out.jsonl",
    "generations.jsonl, out.json",
    "pku-saferlhf.jsonl, out.jsonl",
    "pku-saferlhf-prompts.jsonl, out.jsonl",
    "rlhflow-prompts.json, out.jsonl"
  })
  void everyFormatRoundTrips(String fixture, String out) {
    Path in = Fixtures.path(fixture);
    Path file = dir.resolve(out);
    DataFormat format = Datasets.detect(in);
    List<DataRecord> records = read(in, null);

    assertEquals(records.size(), DatasetWriter.writeAll(file, format, records));

    assertEquals(records, read(file, format));
  }

  @Test
  void writesTrlRowsWithRewardsAndMargin() throws IOException {
    Path file = dir.resolve("pairs.jsonl");
    PreferencePair pair =
        PreferencePair.of(
                Content.of(List.of(Message.user("Hi"))),
                Content.of("Hello!"),
                Content.of("Go away."))
            .withRewards(1.5, -0.25);

    try (DatasetWriter out = DatasetWriter.preferences(file)) {
      out.write(pair);
      out.commit();
    }

    assertEquals(
        "{\"prompt\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"chosen\":\"Hello!\",\"rejected\":"
            + "\"Go away.\",\"chosen_reward\":1.5,\"rejected_reward\":-0.25,\"margin\":1.75}\n",
        Files.readString(file, UTF_8));
    assertEquals(List.of(pair), read(file, null));
  }

  @Test
  void writesGenerationRecords() throws IOException {
    Path file = dir.resolve("gen.jsonl");
    GenerationRecord scored =
        new GenerationRecord(Content.of("p"), List.of("a", "b"), List.of(0.5, -1.0));
    GenerationRecord unscored = GenerationRecord.of(Content.of("q"), List.of("c"));

    DatasetWriter.writeAll(file, DataFormat.GENERATION, List.of(scored, unscored));

    assertEquals(
        "{\"prompt\":\"p\",\"responses\":[\"a\",\"b\"],\"rewards\":[0.5,-1.0]}\n"
            + "{\"prompt\":\"q\",\"responses\":[\"c\"]}\n",
        Files.readString(file, UTF_8));
  }

  @Test
  void convertsPkuRowsToHelpfulnessPairsAndAnythingToPrompts() {
    SafeRlhfRow row =
        new SafeRlhfRow(Content.of("p"), "unsafe but helpful", "safe", 0, 1, false, true);
    Path pairs = dir.resolve("pairs.jsonl");
    Path prompts = dir.resolve("prompts.jsonl");
    Path rlhflow = dir.resolve("rlhflow.jsonl");

    DatasetWriter.writeAll(pairs, DataFormat.TRL_PREFERENCE, List.of(row));
    DatasetWriter.writeAll(prompts, DataFormat.PROMPT_ONLY, List.of(row));
    DatasetWriter.writeAll(rlhflow, DataFormat.RLHFLOW_PROMPTS, List.of(row));

    assertEquals(List.of(row.betterPair()), read(pairs, null));
    assertEquals(List.of(new PromptRecord(Content.of("p"))), read(prompts, null));
    assertEquals(
        List.of(new PromptRecord(Content.of(List.of(Message.user("p"))))), read(rlhflow, null));
  }

  @Test
  void refusesConversionsThatLoseTheRecord() {
    GenerationRecord g = GenerationRecord.of(Content.of("p"), List.of("a", "b"));
    Path file = dir.resolve("pairs.jsonl");

    try (DatasetWriter out = DatasetWriter.preferences(file)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> out.write(g));
      assertTrue(
          e.getMessage().contains("a GenerationRecord cannot be written as trl rows"),
          e::getMessage);
    }
    assertFalse(Files.exists(file));
    assertFalse(Conversions.canConvert(DataFormat.GENERATION, DataFormat.TRL_PREFERENCE));
    assertTrue(Conversions.canConvert(DataFormat.PKU_SAFERLHF, DataFormat.TRL_PREFERENCE));
    assertTrue(Conversions.canConvert(DataFormat.GENERATION, DataFormat.RLHFLOW_PROMPTS));
  }

  @Test
  void failureWhileProducingRecordsLeavesNoFile() throws IOException {
    Path file = Files.writeString(dir.resolve("gen.jsonl"), "previous contents\n");
    Iterable<DataRecord> failing =
        () ->
            new Iterator<>() {
              int i;

              @Override
              public boolean hasNext() {
                return true;
              }

              @Override
              public DataRecord next() {
                if (i++ == 3) {
                  throw new IllegalStateException("the reward model crashed");
                }
                return GenerationRecord.of(Content.of("p" + i), List.of("r"));
              }
            };

    assertThrows(
        IllegalStateException.class,
        () -> DatasetWriter.writeAll(file, DataFormat.GENERATION, failing));

    assertEquals("previous contents\n", Files.readString(file));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
  }

  private static List<DataRecord> read(Path file, DataFormat format) {
    List<DataRecord> out = new ArrayList<>();
    try (DatasetReader<DataRecord> in = Datasets.open(file, format)) {
      in.forEachRemaining(out::add);
    }
    return out;
  }
}
