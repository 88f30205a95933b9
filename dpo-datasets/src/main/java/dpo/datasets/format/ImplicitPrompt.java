package dpo.datasets.format;

import dpo.api.data.Content;
import dpo.api.data.Message;
import dpo.api.data.PreferencePair;
import java.util.List;

/**
 * TRL's implicit-prompt preference rows: {@code chosen} and {@code rejected} are whole
 * conversations (or texts) that start with the same prompt. The prompt is their longest shared
 * prefix: whole messages for conversations, and for texts the shared characters up to the last
 * white space in them, so that no word is split between prompt and response (the responses keep
 * that white space at their start, and prompt + response is the original text).
 */
final class ImplicitPrompt {
  private static final String FIX = "; add a \"prompt\" field";

  private ImplicitPrompt() {}

  static PreferencePair split(RowFields row, Content chosen, Content rejected) {
    if (chosen.isChat() != rejected.isChat()) {
      throw row.fail(
          "prompt",
          "missing field, and chosen and rejected cannot share an implicit prompt because one is"
              + " a message list and the other a string"
              + FIX);
    }
    return chosen.isChat()
        ? splitMessages(row, chosen.messages(), rejected.messages())
        : splitText(row, chosen.text(), rejected.text());
  }

  private static PreferencePair splitMessages(
      RowFields row, List<Message> chosen, List<Message> rejected) {
    int shared = 0;
    while (shared < chosen.size()
        && shared < rejected.size()
        && chosen.get(shared).equals(rejected.get(shared))) {
      shared++;
    }
    if (shared == 0) {
      throw row.fail(
          "prompt",
          "missing field, and chosen and rejected start with different messages, so there is no"
              + " shared prompt to take"
              + FIX);
    }
    if (shared == chosen.size() || shared == rejected.size()) {
      throw row.fail(
          shared == chosen.size() ? "chosen" : "rejected",
          "holds no messages after the prompt it shares with the other response, so it has no"
              + " response of its own"
              + FIX
              + " or complete the conversation");
    }
    return PreferencePair.of(
        Content.of(chosen.subList(0, shared)),
        Content.of(chosen.subList(shared, chosen.size())),
        Content.of(rejected.subList(shared, rejected.size())));
  }

  private static PreferencePair splitText(RowFields row, String chosen, String rejected) {
    int shared = 0;
    int limit = Math.min(chosen.length(), rejected.length());
    while (shared < limit && chosen.charAt(shared) == rejected.charAt(shared)) {
      shared++;
    }
    if (shared == chosen.length() || shared == rejected.length()) {
      throw row.fail(
          shared == chosen.length() ? "chosen" : "rejected",
          "is contained in the other response, so no response of its own is left after the shared"
              + " prompt"
              + FIX);
    }
    int cut = shared;
    while (cut > 0 && !Character.isWhitespace(chosen.charAt(cut - 1))) {
      cut--;
    }
    // The white space before the cut goes to the responses, as it precedes their first word.
    while (cut > 0 && Character.isWhitespace(chosen.charAt(cut - 1))) {
      cut--;
    }
    if (cut == 0) {
      throw row.fail(
          "prompt",
          "missing field, and chosen and rejected share no leading words to take as the prompt"
              + FIX);
    }
    return PreferencePair.of(
        Content.of(chosen.substring(0, cut)),
        Content.of(chosen.substring(cut)),
        Content.of(rejected.substring(cut)));
  }
}
