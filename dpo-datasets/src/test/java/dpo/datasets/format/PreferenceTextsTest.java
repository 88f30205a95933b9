package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preference pairs of each row format, as the text {@code dpo train} tokenizes. */
class PreferenceTextsTest {
  @TempDir Path dir;

  private List<PreferenceTexts.Text> read(String name, String rows) throws IOException {
    Path file = Files.writeString(dir.resolve(name), rows);
    List<PreferenceTexts.Text> out = new ArrayList<>();
    PreferenceTexts.read(file, out::add);
    return out;
  }

  @Test
  void plainTrlRowsKeepTheirText() throws IOException {
    List<PreferenceTexts.Text> pairs =
        read(
            "plain.jsonl",
            "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n");
    assertEquals(1, pairs.size());
    PreferenceTexts.Text t = pairs.get(0);
    assertEquals("The sky is", t.prompt());
    assertEquals(" blue.", t.chosen());
    assertEquals(" green.", t.rejected());
    assertTrue(t.source().endsWith("plain.jsonl:1"), t.source());
  }

  @Test
  void conversationalRowsAreRenderedAsTheChatFormat() throws IOException {
    List<PreferenceTexts.Text> pairs =
        read(
            "chat.jsonl",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"What color is the sky?\"}],"
                + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Blue.\"}],"
                + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Green.\"}]}\n");
    PreferenceTexts.Text t = pairs.get(0);
    assertEquals("user: What color is the sky?\nassistant:", t.prompt());
    assertEquals(" Blue.", t.chosen());
    assertEquals(" Green.", t.rejected());
  }

  @Test
  void saferlhfRowsGiveTheBetterResponse() throws IOException {
    List<PreferenceTexts.Text> pairs =
        read(
            "pku.jsonl",
            "{\"prompt\": \"How?\", \"response_0\": \"A\", \"response_1\": \"B\","
                + " \"better_response_id\": 1, \"safer_response_id\": 0,"
                + " \"is_response_0_safe\": true, \"is_response_1_safe\": false}\n");
    assertEquals("How?", pairs.get(0).prompt());
    assertEquals("B", pairs.get(0).chosen());
    assertEquals("A", pairs.get(0).rejected());
  }

  @Test
  void generationRecordsGiveBestAgainstWorstAndSkipTies() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("gen.jsonl"),
            "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\", \"c\"], \"rewards\": [0.5, 2.0,"
                + " -1.0]}\n"
                + "{\"prompt\": \"q\", \"responses\": [\"x\", \"y\"], \"rewards\": [1.0, 1.0]}\n");
    List<PreferenceTexts.Text> out = new ArrayList<>();
    assertEquals(1, PreferenceTexts.read(file, out::add));
    assertEquals(1, out.size());
    assertEquals("b", out.get(0).chosen());
    assertEquals("c", out.get(0).rejected());
  }

  @Test
  void rowsWithoutAPairAreRefusedNamingTheLine() throws IOException {
    Path unscored =
        Files.writeString(
            dir.resolve("unscored.jsonl"),
            "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"rewards\": [1, 0]}\n"
                + "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"]}\n");
    BadDataException e =
        assertThrows(BadDataException.class, () -> PreferenceTexts.read(unscored, t -> {}));
    assertTrue(e.getMessage().startsWith(unscored + ":2"), e.getMessage());
    Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"p\"}\n");
    e = assertThrows(BadDataException.class, () -> PreferenceTexts.read(prompts, t -> {}));
    assertTrue(e.getMessage().contains("no preference pair"), e.getMessage());
    Path malformed =
        Files.writeString(
            dir.resolve("bad.jsonl"),
            "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                + "{\"prompt\": \"p\", \"chosen\": \"a\"}\n");
    e = assertThrows(BadDataException.class, () -> PreferenceTexts.read(malformed, t -> {}));
    assertTrue(e.getMessage().startsWith(malformed + ":2"), e.getMessage());
    assertTrue(e.getMessage().contains("rejected"), e.getMessage());
  }
}
