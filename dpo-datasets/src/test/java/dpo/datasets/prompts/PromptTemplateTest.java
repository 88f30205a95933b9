package dpo.datasets.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.data.Content;
import dpo.api.data.GenerationRecord;
import dpo.api.data.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {

  @Test
  void safeRlhfTemplateIsThePapers() {
    assertEquals(
        "BEGINNING OF CONVERSATION: USER: Is the sky blue? ASSISTANT:",
        PromptTemplate.SAFE_RLHF.apply("Is the sky blue?"));
  }

  @Test
  void alpacaTemplateIsThePapers() {
    assertEquals(
        "Below is an instruction that describes a task. Write a response that appropriately"
            + " completes the request.\n\n### Instruction:\nName a color.\n\n### Response:\n",
        PromptTemplate.ALPACA.apply("Name a color."));
  }

  @Test
  void userTemplateReplacesEveryPlaceholderLiterally() {
    PromptTemplate t = PromptTemplate.parse("Q: {prompt}\nRepeat: {prompt}\nA:");

    assertEquals("custom", t.name());
    // The prompt is inserted as is: no regex replacement groups, no recursive placeholders.
    assertEquals("Q: $1 {prompt}\nRepeat: $1 {prompt}\nA:", t.apply("$1 {prompt}"));
  }

  @Test
  void parseKnowsTheBuiltInNames() {
    assertSame(PromptTemplate.SAFE_RLHF, PromptTemplate.parse("safe-rlhf"));
    assertSame(PromptTemplate.ALPACA, PromptTemplate.parse("alpaca"));
  }

  @Test
  void templatesWithoutPlaceholderAreRejected() {
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.parse("vicuna"));
    assertTrue(
        unknown.getMessage().contains("use safe-rlhf, alpaca, or a text containing {prompt}"));

    IllegalArgumentException direct =
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("x", "Question:"));
    assertTrue(direct.getMessage().contains("must contain {prompt}"));
  }

  @Test
  void appliesToTheRenderedConversationOfAnyRecord() {
    GenerationRecord record =
        GenerationRecord.of(Content.of(List.of(Message.user("Name a color."))), List.of("Red"));

    GenerationRecord templated = (GenerationRecord) PromptTemplate.ALPACA.apply(record);

    assertEquals(PromptTemplate.ALPACA.apply("Name a color."), templated.prompt().text());
    assertEquals(false, templated.prompt().isChat());
    assertEquals(List.of("Red"), templated.responses());
  }
}
