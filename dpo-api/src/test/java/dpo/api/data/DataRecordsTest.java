package dpo.api.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class DataRecordsTest {

  @Test
  void singleMessageRendersAsItsContentAndLongerConversationsAsRoleLines() {
    assertEquals("Hi", Content.of(List.of(Message.user("Hi"))).text());
    assertEquals(
        "system: Be brief.\nuser: Hi",
        Content.of(List.of(new Message("system", "Be brief."), Message.user("Hi"))).text());
    assertTrue(Content.of(List.of(Message.user("Hi"))).isChat());
    assertFalse(Content.of("Hi").isChat());
  }

  @Test
  void contentKeepsAnImmutableCopyAndChecksItsRendering() {
    List<Message> messages = new ArrayList<>(List.of(Message.user("a")));
    Content c = Content.of(messages);
    messages.add(Message.assistant("b"));

    assertEquals(1, c.messages().size());
    assertThrows(UnsupportedOperationException.class, () -> c.messages().add(Message.user("x")));
    assertThrows(
        IllegalArgumentException.class, () -> new Content("other", List.of(Message.user("a"))));
    assertThrows(IllegalArgumentException.class, () -> Content.of(List.of()));
  }

  @Test
  void charactersAreCodePoints() {
    assertEquals(3, Content.of("a\uD83D\uDE00b").characters());
  }

  @Test
  void messageNeedsARole() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Message(" ", "x"));
    assertTrue(e.getMessage().contains("role must name the speaker"));
  }

  @Test
  void withRewardsSetsTheMarginToTheirDifference() {
    PreferencePair p =
        PreferencePair.of(Content.of("p"), Content.of("a"), Content.of("b")).withRewards(2.0, -0.5);

    assertEquals(OptionalDouble.of(2.0), p.chosenReward());
    assertEquals(OptionalDouble.of(-0.5), p.rejectedReward());
    assertEquals(OptionalDouble.of(2.5), p.margin());
    assertEquals(OptionalDouble.of(1.0), p.withMargin(1.0).margin());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> p.withRewards(Double.NaN, 0));
    assertTrue(e.getMessage().startsWith("chosenReward must be finite, got NaN"));
  }

  @Test
  void generationRecordNeedsOneFiniteRewardPerResponse() {
    Content prompt = Content.of("p");

    assertFalse(GenerationRecord.of(prompt, List.of("a", "b")).hasRewards());
    assertEquals(
        "rewards must be empty or hold one reward per response: got 1 rewards for 2 responses",
        assertThrows(
                IllegalArgumentException.class,
                () -> new GenerationRecord(prompt, List.of("a", "b"), List.of(1.0)))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new GenerationRecord(prompt, List.of("a"), List.of(Double.POSITIVE_INFINITY)));
    assertThrows(IllegalArgumentException.class, () -> GenerationRecord.of(prompt, List.of()));
  }

  @Test
  void safeRlhfRowGivesHelpfulnessAndSafetyPairs() {
    SafeRlhfRow row = new SafeRlhfRow(Content.of("p"), "helpful", "safe", 0, 1, false, true);

    assertEquals(
        PreferencePair.of(Content.of("p"), Content.of("helpful"), Content.of("safe")),
        row.betterPair());
    assertEquals(
        PreferencePair.of(Content.of("p"), Content.of("safe"), Content.of("helpful")),
        row.saferPair());
    assertFalse(row.isSafe(0));
    assertTrue(row.isSafe(1));
    assertEquals(
        "betterResponseId must be 0 (response_0) or 1 (response_1), got 2",
        assertThrows(
                IllegalArgumentException.class,
                () -> new SafeRlhfRow(Content.of("p"), "a", "b", 2, 0, true, true))
            .getMessage());
  }

  @Test
  void withPromptKeepsEverythingElse() {
    Content q = Content.of("q");
    SafeRlhfRow row = new SafeRlhfRow(Content.of("p"), "a", "b", 1, 0, true, false);

    assertEquals(new SafeRlhfRow(q, "a", "b", 1, 0, true, false), row.withPrompt(q));
    assertEquals(new PromptRecord(q), new PromptRecord(Content.of("p")).withPrompt(q));
  }

  @Test
  void formatsHaveStableIds() {
    assertEquals(
        List.of(
            "trl",
            "prompts",
            "generations",
            "pku-saferlhf",
            "pku-saferlhf-prompts",
            "rlhflow-prompts"),
        Arrays.stream(DataFormat.values()).map(DataFormat::id).toList());
    assertSame(DataFormat.PKU_SAFERLHF, DataFormat.fromId(" PKU-SafeRLHF "));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DataFormat.fromId("csv"));
    assertEquals(
        "unknown data format 'csv'; known formats: trl, prompts, generations, pku-saferlhf,"
            + " pku-saferlhf-prompts, rlhflow-prompts",
        e.getMessage());
  }
}
