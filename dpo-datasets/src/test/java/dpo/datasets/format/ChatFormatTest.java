package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.api.data.Content;
import dpo.api.data.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatFormatTest {
  private static final Content CHAT =
      Content.of(List.of(new Message("system", "be brief"), Message.user("bees?")));

  @Test
  void aConversationPromptEndsWithTheAssistantsHeader() {
    assertEquals("system: be brief\nuser: bees?\nassistant:", ChatFormat.prompt(CHAT));
    assertEquals(
        "user: bees?\nassistant:", ChatFormat.prompt(Content.of(List.of(Message.user("bees?")))));
    assertEquals("bees?", ChatFormat.prompt(Content.of("bees?")), "plain text stays as it is");
  }

  @Test
  void aResponseIsTheAssistantsTurnAfterASpace() {
    assertArrayEquals(
        new String[] {"system: be brief\nuser: bees?\nassistant:", " they hum"},
        ChatFormat.turns(CHAT, Content.of("they hum")));
    assertArrayEquals(
        new String[] {"user: bees?\nassistant:", " they hum"},
        ChatFormat.turns(Content.of("bees?"), Content.of(List.of(Message.assistant("they hum")))),
        "a plain prompt is the user's message when the response is a turn");
    assertArrayEquals(
        new String[] {"bees?", "they hum"},
        ChatFormat.turns(Content.of("bees?"), Content.of("they hum")),
        "two plain texts stay as they are");
  }
}
