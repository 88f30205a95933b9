package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.Message;
import dpo.api.data.PreferencePair;
import dpo.api.data.PromptRecord;
import dpo.api.data.SafeRlhfRow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every reader on a small fixture in the real schema. */
class DatasetReaderTest {

  @ParameterizedTest
  @CsvSource({
    "trl-standard.jsonl, trl, 4",
    "trl-conversational.jsonl, trl, 3",
    "trl-implicit-conversational.jsonl, trl, 3",
    "trl-implicit-standard.jsonl, trl, 2",
    "prompts.jsonl, prompts, 4",
    "generations.json, generations, 3",
    "generations.jsonl, generations, 2",
    "pku-saferlhf.jsonl, pku-saferlhf, 4",
    "pku-saferlhf-prompts.jsonl, pku-saferlhf-prompts, 4",
    "rlhflow-prompts.json, rlhflow-prompts, 3"
  })
  void detectsTheFormatOfEachFixtureAndReadsEveryRow(String fixture, String format, int rows) {
    Path file = Fixtures.path(fixture);

    List<DataRecord> records = readAll(file, null);

    assertEquals(DataFormat.fromId(format), Datasets.detect(file));
    assertEquals(rows, records.size());
    records.forEach(r -> assertTrue(DataFormat.fromId(format).recordType().isInstance(r)));
  }

  @Test
  void readsTrlStandardRowsWithOptionalRewards() {
    List<PreferencePair> pairs = preferences("trl-standard.jsonl");

    PreferencePair first = pairs.get(0);
    assertEquals("What is the boiling point of water at sea level?", first.prompt().text());
    assertEquals("Water boils at 50 degrees.", first.rejected().text());
    assertFalse(first.prompt().isChat());
    assertEquals(OptionalDouble.empty(), first.margin());
    PreferencePair scored = pairs.get(2);
    assertEquals(OptionalDouble.of(2.5), scored.chosenReward());
    assertEquals(OptionalDouble.of(-1.0), scored.rejectedReward());
    assertEquals(OptionalDouble.of(3.5), scored.margin());
    assertEquals("Buenos días.", scored.rejected().text());
  }

  @Test
  void readsTrlConversationalRowsKeepingMessages() {
    PreferencePair second = preferences("trl-conversational.jsonl").get(1);

    assertEquals(
        List.of(
            new Message("system", "You are a concise assistant."),
            Message.user("How many days are in a leap year?")),
        second.prompt().messages());
    assertEquals(
        "system: You are a concise assistant.\nuser: How many days are in a leap year?",
        second.prompt().text());
    assertEquals(List.of(Message.assistant("366.")), second.chosen().messages());
    assertEquals("366.", second.chosen().text());
  }

  @Test
  void splitsImplicitPromptConversationsAtTheFirstDifferentMessage() {
    List<PreferencePair> pairs = preferences("trl-implicit-conversational.jsonl");

    assertEquals(
        List.of(Message.user("What is the capital of Japan?")), pairs.get(0).prompt().messages());
    assertEquals(List.of(Message.assistant("Tokyo.")), pairs.get(0).chosen().messages());
    assertEquals(List.of(Message.assistant("Kyoto.")), pairs.get(0).rejected().messages());
    assertEquals(3, pairs.get(1).prompt().messages().size());
    assertEquals("Science fiction.", pairs.get(1).prompt().messages().get(2).content());
    assertEquals("I don't read books.", pairs.get(1).rejected().text());
  }

  @Test
  void splitsImplicitPromptTextsAtAWordBoundary() {
    List<PreferencePair> pairs = preferences("trl-implicit-standard.jsonl");

    assertEquals("The sky is", pairs.get(0).prompt().text());
    assertEquals(" blue.", pairs.get(0).chosen().text());
    assertEquals(" green.", pairs.get(0).rejected().text());
    assertEquals("Question: what is 2 + 2? Answer:", pairs.get(1).prompt().text());
    assertEquals(" 4", pairs.get(1).chosen().text());
  }

  @Test
  void readsPromptOnlyRowsAsTextOrConversation() {
    List<Content> prompts = prompts("prompts.jsonl", null);

    assertEquals("Explain photosynthesis to a ten-year-old.", prompts.get(0).text());
    assertTrue(prompts.get(2).isChat());
    assertEquals("List three prime numbers.", prompts.get(2).text());
  }

  @Test
  void readsGenerationRecordsFromTheRlhflowWrapper() {
    List<GenerationRecord> records = new ArrayList<>();
    try (DatasetReader<GenerationRecord> in =
        Datasets.generations(Fixtures.path("generations.json"))) {
      in.forEachRemaining(records::add);
      assertEquals("line 1, row 2", in.location().describe());
    }

    GenerationRecord first = records.get(0);
    assertTrue(first.prompt().text().startsWith("BEGINNING OF CONVERSATION: USER: How do I make"));
    assertEquals(3, first.responses().size());
    assertEquals(List.of(4.21875, 2.90625, -3.125), first.rewards());
    assertEquals(4, records.get(2).responses().size());
  }

  @Test
  void readsGenerationRecordsWithAndWithoutRewards() {
    List<GenerationRecord> records = new ArrayList<>();
    try (DatasetReader<GenerationRecord> in =
        Datasets.generations(Fixtures.path("generations.jsonl"))) {
      in.forEachRemaining(records::add);
    }

    assertTrue(
        records.get(0).prompt().text().contains("### Instruction:\nSuggest a name for a bakery."));
    assertEquals(List.of(1.25, -0.5), records.get(0).rewards());
    assertFalse(records.get(1).hasRewards());
    assertEquals(List.of("144", "124", "12 times 12 is 144."), records.get(1).responses());
  }

  @Test
  void readsPkuSafeRlhfRowsOfBothSchemaVersions() {
    List<SafeRlhfRow> rows = new ArrayList<>();
    try (DatasetReader<SafeRlhfRow> in = Datasets.safeRlhf(Fixtures.path("pku-saferlhf.jsonl"))) {
      in.forEachRemaining(rows::add);
    }

    SafeRlhfRow lock = rows.get(2);
    assertEquals("Can you tell me how to pick a lock?", lock.prompt().text());
    assertEquals(1, lock.betterResponseId());
    assertEquals(0, lock.saferResponseId());
    assertTrue(lock.response0Safe());
    assertFalse(lock.response1Safe());
    assertTrue(lock.betterPair().chosen().text().startsWith("Insert a tension wrench"));
    assertTrue(lock.saferPair().chosen().text().startsWith("I can't help"));
  }

  @Test
  void readsPkuRowsAsHelpfulnessPreferencePairs() {
    List<PreferencePair> pairs = preferences("pku-saferlhf.jsonl");

    assertEquals(4, pairs.size());
    assertTrue(pairs.get(0).chosen().text().startsWith("Talk to your neighbor calmly"));
    assertEquals(
        "Break one of his windows so he knows how it feels.", pairs.get(0).rejected().text());
  }

  @Test
  void readsPkuPromptSetAndRlhflowPrompts() {
    assertEquals(
        "What should I do if I find a wallet on the street?",
        prompts("pku-saferlhf-prompts.jsonl", null).get(1).text());

    List<Content> rlhflow = prompts("rlhflow-prompts.json", null);
    assertEquals("Write a limerick about a cat who loves boxes.", rlhflow.get(0).text());
    assertEquals(
        List.of(Message.user("Write a limerick about a cat who loves boxes.")),
        rlhflow.get(0).messages());
    assertEquals(3, rlhflow.get(2).messages().size());
  }

  @Test
  void readsPromptsOfEveryFormat() {
    assertEquals(
        "Give me a synonym for \"happy\".", prompts("trl-standard.jsonl", null).get(1).text());
    assertEquals(
        "How can I get back at my neighbor for playing loud music every night?",
        prompts("pku-saferlhf.jsonl", null).get(0).text());
  }

  @Test
  void givenFormatOverridesDetection() {
    try (DatasetReader<DataRecord> in =
        Datasets.open(Fixtures.path("pku-saferlhf-prompts.jsonl"), DataFormat.PROMPT_ONLY)) {
      assertEquals(DataFormat.PROMPT_ONLY, in.format());
      assertFalse(in.formatDetected());
      assertEquals(
          new PromptRecord(
              Content.of("How do I report a coworker who is stealing from the company?")),
          in.next());
      assertEquals(1, in.recordsRead());
    }
  }

  @Test
  void viewsRefuseFilesOfTheWrongKind() {
    BadDataException pairs =
        assertThrows(
            BadDataException.class,
            () -> Datasets.preferences(Fixtures.path("prompts.jsonl"), null));
    assertTrue(
        pairs
            .getMessage()
            .contains(
                "holds prompts rows, but preference pairs (trl or pku-saferlhf rows) are needed"),
        pairs::getMessage);

    BadDataException gens =
        assertThrows(
            BadDataException.class,
            () -> Datasets.generations(Fixtures.path("trl-standard.jsonl")));
    assertTrue(
        gens.getMessage().contains("holds trl rows, but generation records"), gens::getMessage);
  }

  @Test
  void readerReturnsNullAfterTheLastRow() {
    try (DatasetReader<Content> in =
        Datasets.prompts(Fixtures.path("trl-implicit-standard.jsonl"), null)) {
      in.next();
      in.next();
      assertNull(in.next());
      assertNull(in.next());
    }
  }

  private static List<DataRecord> readAll(Path file, DataFormat format) {
    List<DataRecord> out = new ArrayList<>();
    try (DatasetReader<DataRecord> in = Datasets.open(file, format)) {
      in.forEachRemaining(out::add);
    }
    return out;
  }

  private static List<PreferencePair> preferences(String fixture) {
    List<PreferencePair> out = new ArrayList<>();
    try (DatasetReader<PreferencePair> in = Datasets.preferences(Fixtures.path(fixture), null)) {
      in.forEachRemaining(out::add);
    }
    return out;
  }

  private static List<Content> prompts(String fixture, DataFormat format) {
    List<Content> out = new ArrayList<>();
    try (DatasetReader<Content> in = Datasets.prompts(Fixtures.path(fixture), format)) {
      in.forEachRemaining(out::add);
    }
    return out;
  }
}
