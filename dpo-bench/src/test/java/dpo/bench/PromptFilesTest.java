package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.core.align.Prompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code align} and {@code eval} read a prompt file: a text for the models, one for the oracle.
 */
class PromptFilesTest {
  @TempDir Path tmp;

  @Test
  void aTextFilesLinesArePlainPromptsForBoth() throws IOException {
    Path file = tmp.resolve("p.txt");
    Files.writeString(file, "The sky is\n\n  \nuser: hi\n");
    assertEquals(
        List.of(Prompt.of("The sky is"), Prompt.of("user: hi")), PromptFiles.forAlignment(file));
  }

  @Test
  void aConversationEndsWithTheAssistantsTurnForTheModelsAndIsItsMessagesForTheOracle()
      throws IOException {
    Path file = tmp.resolve("p.jsonl");
    Files.writeString(
        file,
        """
        {"prompt": [{"role": "user", "content": "Name a colour."}]}
        {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}
        """);
    List<Prompt> prompts = PromptFiles.forAlignment(file);
    assertEquals(2, prompts.size());
    assertEquals(new Prompt("Name a colour.", "user: Name a colour.\nassistant:"), prompts.get(0));
    assertEquals(
        new Prompt("system: Be brief.\nuser: Hi", "system: Be brief.\nuser: Hi\nassistant:"),
        prompts.get(1));
  }

  @Test
  void aPlainDatasetPromptIsTheSameTextForBoth() throws IOException {
    Path file = tmp.resolve("p.jsonl");
    Files.writeString(file, "{\"prompt\": \"The sky is\"}\n{\"prompt\": \"Grass is\"}\n");
    assertEquals(
        List.of(Prompt.of("The sky is"), Prompt.of("Grass is")), PromptFiles.forAlignment(file));
  }
}
