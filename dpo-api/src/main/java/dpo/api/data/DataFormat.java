package dpo.api.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The row schemas the framework reads and writes, each with a stable kebab-case {@link #id()} used
 * on the command line. The file containers (JSON lines, a JSON array, Parquet) are independent of
 * the schema.
 */
public enum DataFormat {
  /**
   * TRL preference rows {@code {"prompt", "chosen", "rejected"}}, each a string or a list of {@code
   * {"role", "content"}} messages, optionally with {@code margin}, {@code chosen_reward} and {@code
   * rejected_reward}. Without {@code prompt} the prompt is implicit: the prefix that {@code chosen}
   * and {@code rejected} share.
   */
  TRL_PREFERENCE(
      "trl",
      PreferencePair.class,
      List.of("chosen", "rejected"),
      "{\"prompt\": \"...\", \"chosen\": \"...\", \"rejected\": \"...\"}"),
  /** Prompt-only rows {@code {"prompt"}}, a string or a list of messages. */
  PROMPT_ONLY("prompts", PromptRecord.class, List.of("prompt"), "{\"prompt\": \"...\"}"),
  /**
   * Generation records {@code {"prompt", "responses": [...], "rewards": [...]}} (RLHFlow); {@code
   * rewards} is absent before scoring.
   */
  GENERATION(
      "generations",
      GenerationRecord.class,
      List.of("prompt", "responses"),
      "{\"prompt\": \"...\", \"responses\": [\"...\", \"...\"], \"rewards\": [0.5, -1.2]}"),
  /**
   * PKU-SafeRLHF rows: {@code prompt}, {@code response_0}, {@code response_1}, {@code
   * better_response_id}, {@code safer_response_id}, {@code is_response_0_safe}, {@code
   * is_response_1_safe}.
   */
  PKU_SAFERLHF(
      "pku-saferlhf",
      SafeRlhfRow.class,
      List.of(
          "prompt",
          "response_0",
          "response_1",
          "better_response_id",
          "safer_response_id",
          "is_response_0_safe",
          "is_response_1_safe"),
      "{\"prompt\": \"...\", \"response_0\": \"...\", \"response_1\": \"...\","
          + " \"better_response_id\": 0, \"safer_response_id\": 1,"
          + " \"is_response_0_safe\": false, \"is_response_1_safe\": true}"),
  /** The PKU-SafeRLHF prompt set: {@code {"prompt", "prompt_source"}}; only the prompt is read. */
  PKU_SAFERLHF_PROMPTS(
      "pku-saferlhf-prompts",
      PromptRecord.class,
      List.of("prompt"),
      "{\"prompt\": \"...\", \"prompt_source\": \"...\"}"),
  /** RLHFlow iterative-prompt rows {@code {"context_messages": [{"role", "content"}, ...]}}. */
  RLHFLOW_PROMPTS(
      "rlhflow-prompts",
      PromptRecord.class,
      List.of("context_messages"),
      "{\"context_messages\": [{\"role\": \"user\", \"content\": \"...\"}]}");

  private final String id;
  private final Class<? extends DataRecord> recordType;
  private final List<String> requiredFields;
  private final String example;

  DataFormat(
      String id,
      Class<? extends DataRecord> recordType,
      List<String> requiredFields,
      String example) {
    this.id = id;
    this.recordType = recordType;
    this.requiredFields = requiredFields;
    this.example = example;
  }

  /**
   * The stable name used on the command line, e.g. {@code trl} or {@code pku-saferlhf}.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * The record a row of this format becomes.
   *
   * @return the record class
   */
  public Class<? extends DataRecord> recordType() {
    return recordType;
  }

  /**
   * The fields every row of this format must have.
   *
   * @return the field names, in the order of the schema
   */
  public List<String> requiredFields() {
    return requiredFields;
  }

  /**
   * A one-line example row, for error messages and help.
   *
   * @return a JSON object
   */
  public String example() {
    return example;
  }

  /**
   * The format with an id.
   *
   * @param id e.g. {@code trl}; case-insensitive
   * @return the format
   * @throws IllegalArgumentException if no format has that id; the message lists the ids
   */
  public static DataFormat fromId(String id) {
    String wanted = id.strip().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(f -> f.id.equals(wanted))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown data format '" + id + "'; known formats: " + ids()));
  }

  /**
   * The ids of all formats, comma-separated, for messages.
   *
   * @return e.g. {@code "trl, prompts, ..."}
   */
  public static String ids() {
    return Arrays.stream(values()).map(DataFormat::id).collect(Collectors.joining(", "));
  }
}
