package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import dpo.api.data.DataFormat;
import dpo.datasets.io.RowSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PreferenceTexts}: the pairs {@link Datasets#preferencePairs} reads (its own tests cover
 * each format's pair), as the text {@code dpo train} and {@code dpo reward train} tokenize.
 */
class PreferenceTextsTest {
  private static final PreferenceTexts.Rendering CHAT = PreferenceTexts.Rendering.CHAT_TURNS;

  @TempDir Path dir;

  private static List<PreferenceTexts.Text> read(Path file) {
    List<PreferenceTexts.Text> out = new ArrayList<>();
    PreferenceTexts.read(file, null, RowSources.DEFAULT_MAX_ROW_CHARS, CHAT, out::add);
    return out;
  }

  private List<PreferenceTexts.Text> read(String name, String rows) throws IOException {
    return read(Files.writeString(dir.resolve(name), rows));
  }

  @Test
  void plainTrlRowsKeepTheirTextAndLine() throws IOException {
    List<PreferenceTexts.Text> pairs =
        read(
            "plain.jsonl",
            "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n\n"
                + "{\"prompt\": \"Grass is\", \"chosen\": \" green.\", \"rejected\": \" red.\"}\n");
    assertEquals(2, pairs.size());
    PreferenceTexts.Text t = pairs.get(0);
    assertEquals("The sky is", t.prompt());
    assertEquals(" blue.", t.chosen());
    assertEquals(" green.", t.rejected());
    assertTrue(t.source().endsWith("plain.jsonl:1"), t.source());
    assertTrue(pairs.get(1).source().endsWith("plain.jsonl:3"), pairs.get(1).source());
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
    List<PreferenceTexts.Text> asOracle = new ArrayList<>();
    PreferenceTexts.read(
        dir.resolve("chat.jsonl"),
        null,
        RowSources.DEFAULT_MAX_ROW_CHARS,
        PreferenceTexts.Rendering.ORACLE_TEXT,
        asOracle::add);
    assertEquals("What color is the sky?", asOracle.get(0).prompt());
    assertEquals("Blue.", asOracle.get(0).chosen());
    assertEquals("Green.", asOracle.get(0).rejected());
  }

  @Test
  void tiedGenerationRecordsAreSkippedAndCounted() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("gen.jsonl"),
            "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\", \"c\"], \"rewards\": [0.5, 2.0,"
                + " -1.0]}\n"
                + "{\"prompt\": \"q\", \"responses\": [\"x\", \"y\"], \"rewards\": [1.0, 1.0]}\n");
    List<PreferenceTexts.Text> out = new ArrayList<>();
    PreferenceTexts.Read read =
        PreferenceTexts.read(file, null, RowSources.DEFAULT_MAX_ROW_CHARS, CHAT, out::add);
    assertEquals(new PreferenceTexts.Read(DataFormat.GENERATION, 1, 1), read);
    assertEquals("b", out.get(0).chosen());
    assertEquals("c", out.get(0).rejected());
    Path ties =
        Files.writeString(
            dir.resolve("ties.jsonl"),
            "{\"prompt\": \"q\", \"responses\": [\"x\", \"y\"], \"rewards\": [1.0, 1.0]}\n");
    BadDataException e = assertThrows(BadDataException.class, () -> read(ties));
    assertTrue(e.getMessage().contains("holds no preference pair"), e.getMessage());
  }

  @Test
  void rowsWithoutAPairAreRefusedNamingTheLine() throws IOException {
    Path unscored =
        Files.writeString(
            dir.resolve("unscored.jsonl"),
            "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"rewards\": [1, 0]}\n"
                + "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"]}\n");
    BadDataException e = assertThrows(BadDataException.class, () -> read(unscored));
    assertTrue(e.getMessage().startsWith(unscored + ":2"), e.getMessage());
    Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"p\"}\n");
    e = assertThrows(BadDataException.class, () -> read(prompts));
    assertTrue(e.getMessage().contains("preference pairs are needed"), e.getMessage());
    Path malformed =
        Files.writeString(
            dir.resolve("bad.jsonl"),
            "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                + "{\"prompt\": \"p\", \"chosen\": \"a\"}\n");
    e = assertThrows(BadDataException.class, () -> read(malformed));
    assertTrue(e.getMessage().startsWith(malformed + ":2"), e.getMessage());
    assertTrue(e.getMessage().contains("rejected"), e.getMessage());
  }
}
