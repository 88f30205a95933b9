package dpo.datasets.format;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.Message;
import dpo.api.data.PreferencePair;
import dpo.api.data.PromptRecord;
import dpo.api.data.SafeRlhfRow;
import java.util.List;
import java.util.OptionalDouble;

/** How the rows of each {@link DataFormat} become records, and records become rows. */
final class Codecs {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Codecs() {}

  static DataRecord read(DataFormat format, RowFields row) {
    return switch (format) {
      case TRL_PREFERENCE -> preference(row);
      case PROMPT_ONLY, PKU_SAFERLHF_PROMPTS -> new PromptRecord(row.content("prompt"));
      case RLHFLOW_PROMPTS -> new PromptRecord(Content.of(row.messages("context_messages")));
      case GENERATION -> generation(row);
      case PKU_SAFERLHF -> safeRlhf(row);
    };
  }

  /**
   * The row for a record, converted to the format first.
   *
   * @throws IllegalArgumentException if the record cannot be written in the format
   */
  static ObjectNode write(DataFormat format, DataRecord record) {
    DataRecord r = Conversions.convert(record, format);
    ObjectNode row = NODES.objectNode();
    switch (format) {
      case TRL_PREFERENCE -> {
        PreferencePair p = (PreferencePair) r;
        row.set("prompt", json(p.prompt()));
        row.set("chosen", json(p.chosen()));
        row.set("rejected", json(p.rejected()));
        putIfPresent(row, "chosen_reward", p.chosenReward());
        putIfPresent(row, "rejected_reward", p.rejectedReward());
        putIfPresent(row, "margin", p.margin());
      }
      case PROMPT_ONLY, PKU_SAFERLHF_PROMPTS -> row.set("prompt", json(r.prompt()));
      case RLHFLOW_PROMPTS -> {
        Content prompt = r.prompt();
        row.set(
            "context_messages",
            messages(prompt.isChat() ? prompt.messages() : List.of(Message.user(prompt.text()))));
      }
      case GENERATION -> {
        GenerationRecord g = (GenerationRecord) r;
        row.set("prompt", json(g.prompt()));
        ArrayNode responses = row.putArray("responses");
        g.responses().forEach(responses::add);
        if (g.hasRewards()) {
          ArrayNode rewards = row.putArray("rewards");
          g.rewards().forEach(rewards::add);
        }
      }
      case PKU_SAFERLHF -> {
        SafeRlhfRow s = (SafeRlhfRow) r;
        row.set("prompt", json(s.prompt()));
        row.put("response_0", s.response0());
        row.put("response_1", s.response1());
        row.put("better_response_id", s.betterResponseId());
        row.put("safer_response_id", s.saferResponseId());
        row.put("is_response_0_safe", s.response0Safe());
        row.put("is_response_1_safe", s.response1Safe());
      }
    }
    return row;
  }

  private static PreferencePair preference(RowFields row) {
    PreferencePair pair;
    if (row.has("prompt")) {
      pair =
          PreferencePair.of(row.content("prompt"), row.content("chosen"), row.content("rejected"));
    } else {
      pair = ImplicitPrompt.split(row, row.content("chosen"), row.content("rejected"));
    }
    return new PreferencePair(
        pair.prompt(),
        pair.chosen(),
        pair.rejected(),
        row.optionalNumber("chosen_reward"),
        row.optionalNumber("rejected_reward"),
        row.optionalNumber("margin"));
  }

  private static GenerationRecord generation(RowFields row) {
    Content prompt = row.content("prompt");
    List<String> responses = row.strings("responses");
    if (!row.has("rewards")) {
      return GenerationRecord.of(prompt, responses);
    }
    List<Double> rewards = row.numbers("rewards");
    if (rewards.size() != responses.size()) {
      throw row.fail(
          "rewards",
          "has "
              + rewards.size()
              + " rewards for "
              + responses.size()
              + " responses; give one reward per response, in the same order, or drop the field"
              + " until the responses are scored");
    }
    return new GenerationRecord(prompt, responses, rewards);
  }

  private static SafeRlhfRow safeRlhf(RowFields row) {
    return new SafeRlhfRow(
        row.content("prompt"),
        row.string("response_0"),
        row.string("response_1"),
        row.responseId("better_response_id"),
        row.responseId("safer_response_id"),
        row.bool("is_response_0_safe"),
        row.bool("is_response_1_safe"));
  }

  private static com.fasterxml.jackson.databind.JsonNode json(Content content) {
    return content.isChat() ? messages(content.messages()) : NODES.textNode(content.text());
  }

  private static ArrayNode messages(List<Message> messages) {
    ArrayNode list = NODES.arrayNode(messages.size());
    for (Message m : messages) {
      list.addObject().put("role", m.role()).put("content", m.content());
    }
    return list;
  }

  private static void putIfPresent(ObjectNode row, String field, OptionalDouble value) {
    if (value.isPresent()) {
      row.put(field, value.getAsDouble());
    }
  }
}
