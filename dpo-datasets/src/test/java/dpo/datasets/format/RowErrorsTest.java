package dpo.datasets.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.BadDataException;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each kind of bad row fails with the file, the line, the field, what was found and the fix. The
 * bad row is the third line of a file whose first two lines are good.
 */
class RowErrorsTest {
  private static final String GOOD_TRL =
      "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}";
  private static final String GOOD_GEN =
      "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"rewards\": [1, 2]}";
  private static final String GOOD_PKU =
      "{\"prompt\": \"p\", \"response_0\": \"a\", \"response_1\": \"b\", \"better_response_id\": 0,"
          + " \"safer_response_id\": 1, \"is_response_0_safe\": true, \"is_response_1_safe\": false}";

  @TempDir Path dir;

  @Test
  void mistypedChosenNamesFieldValueAndFix() throws IOException {
    Path file = file(GOOD_TRL, "{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"b\"}");

    BadDataException e = fail(file, null);

    assertEquals(
        file
            + ":3 (chosen): expected a string or a list of {\"role\": ..., \"content\": ...}"
            + " messages, got number 5; fix the row, e.g. "
            + DataFormat.TRL_PREFERENCE.example(),
        e.getMessage());
    assertEquals(3, e.line());
    assertEquals("chosen", e.field().orElseThrow());
  }

  @Test
  void missingFieldListsTheRowsFieldsAndTheSchema() throws IOException {
    Path file = file(GOOD_TRL, "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected_text\": \"b\"}");

    BadDataException e = fail(file, null);

    assertEquals(
        file
            + ":3 (rejected): missing field; the row has [prompt, chosen, rejected_text]; add it;"
            + " every trl row needs [chosen, rejected], e.g. "
            + DataFormat.TRL_PREFERENCE.example(),
        e.getMessage());
  }

  @Test
  void missingFieldSuggestsTheFormatTheRowLooksLike() throws IOException {
    Path file = file("{\"prompt\": \"p\"}", "{\"prompt\": \"p\"}");

    BadDataException e = fail(file, DataFormat.TRL_PREFERENCE);

    assertEquals(
        file
            + ":1 (chosen): missing field; the row has [prompt]; the row's fields look like the"
            + " prompts format: read the file with --format prompts",
        e.getMessage());
  }

  @Test
  void nullFieldIsReportedAsNull() throws IOException {
    Path file = file(GOOD_TRL, "{\"prompt\": \"p\", \"chosen\": null, \"rejected\": \"b\"}");

    assertEquals("chosen", fail(file, null).field().orElseThrow());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // row | field | expected message tail
        "{'prompt': 'p', 'chosen': [{'role': 'assistant'}], 'rejected': 'b'} | chosen[0].content"
            + " | missing field; every message needs its text as content",
        "{'prompt': 'p', 'chosen': [{'content': 'x'}], 'rejected': 'b'} | chosen[0].role"
            + " | missing field; every message needs a role such as \"user\"",
        "{'prompt': 'p', 'chosen': [{'role': 'assistant', 'content': 7}], 'rejected': 'b'}"
            + " | chosen[0].content | expected a string, got number 7",
        "{'prompt': 'p', 'chosen': ['hi'], 'rejected': 'b'} | chosen[0]"
            + " | expected a {\"role\": ..., \"content\": ...} message, got string \"hi\"",
        "{'prompt': [], 'chosen': 'a', 'rejected': 'b'} | prompt"
            + " | the message list is empty; a conversation needs at least one message",
        "{'prompt': 'p', 'chosen': 'a', 'rejected': 'b', 'margin': '0.5'} | margin"
            + " | expected a number, got string \"0.5\"; remove the quotes around the number",
        "{'prompt': 'p', 'chosen': 'a', 'rejected': 'b', 'chosen_reward': NaN} | chosen_reward"
            + " | NaN is not a number; every number must be finite, so recompute, rescale or drop"
            + " the value",
      })
  void malformedTrlFields(String row, String field, String tail) throws IOException {
    Path file = file(GOOD_TRL, row.replace('\'', '"'));

    BadDataException e = fail(file, null);

    assertEquals(field, e.field().orElseThrow());
    assertEquals(3, e.line());
    assertEquals(true, e.getMessage().contains(tail), e::getMessage);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{'prompt': 'p', 'responses': [], 'rewards': []} | responses"
            + " | the list is empty; it needs at least one string",
        "{'prompt': 'p', 'responses': ['a', 3]} | responses[1] | expected a string, got number 3",
        "{'prompt': 'p', 'responses': 'a'} | responses | expected a list of strings, got string",
        "{'prompt': 'p', 'responses': ['a', 'b'], 'rewards': [1, 'x']} | rewards[1]"
            + " | expected a number, got string \"x\"",
        "{'prompt': 'p', 'responses': ['a', 'b'], 'rewards': [1]} | rewards"
            + " | has 1 rewards for 2 responses; give one reward per response",
        "{'prompt': 'p', 'responses': ['a', 'b'], 'rewards': [1, Infinity]} | rewards[1]"
            + " | the number is infinite or beyond the range of a double",
        "{'prompt': 'p', 'responses': ['a', 'b'], 'rewards': [1, 1e999]} | rewards[1]"
            + " | the number is infinite or beyond the range of a double (about 1.8e308)",
      })
  void malformedGenerationFields(String row, String field, String tail) throws IOException {
    Path file = file(GOOD_GEN, row.replace('\'', '"'));

    BadDataException e = fail(file, null);

    assertEquals(field, e.field().orElseThrow());
    assertEquals(true, e.getMessage().contains(tail), e::getMessage);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "better_response_id | 2 | expected 0 (response_0) or 1 (response_1), got number 2",
        "better_response_id | `1` | got string \"1\"; remove the quotes around the number",
        "safer_response_id | 0.5 | expected 0 (response_0) or 1 (response_1), got number 0.5",
        "is_response_0_safe | 1 | expected true or false, got number 1",
        "is_response_1_safe | `false` | got string \"false\"; remove the quotes around false",
        "response_0 | [`a`] | expected a string, got an array",
      })
  void malformedPkuFields(String field, String value, String tail) throws IOException {
    String row =
        GOOD_PKU.replaceFirst(
            "\"" + field + "\": [^,}]+", "\"" + field + "\": " + value.replace('`', '"'));
    Path file = file(GOOD_PKU, row);

    BadDataException e = fail(file, null);

    assertEquals(field, e.field().orElseThrow());
    assertEquals(true, e.getMessage().contains(tail), e::getMessage);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{'chosen': 'Hello there', 'rejected': 'Goodbye'} | prompt | share no leading words",
        "{'chosen': 'The answer', 'rejected': 'The answer is 4'} | chosen | is contained in the"
            + " other response",
        "{'chosen': 'a b', 'rejected': [{'role': 'user', 'content': 'a'}]} | prompt | one is a"
            + " message list and the other a string",
        "{'chosen': [{'role': 'user', 'content': 'q'}], 'rejected': [{'role': 'user', 'content':"
            + " 'r'}]} | prompt | start with different messages",
        "{'chosen': [{'role': 'user', 'content': 'q'}], 'rejected': [{'role': 'user', 'content':"
            + " 'q'}, {'role': 'assistant', 'content': 'a'}]} | chosen | holds no messages after"
            + " the prompt",
      })
  void implicitPromptThatCannotBeSplit(String row, String field, String tail) throws IOException {
    Path file = file(GOOD_TRL, row.replace('\'', '"'));

    BadDataException e = fail(file, null);

    assertEquals(field, e.field().orElseThrow());
    assertEquals(true, e.getMessage().contains(tail), e::getMessage);
    assertEquals(true, e.getMessage().contains("add a \"prompt\" field"), e::getMessage);
  }

  @Test
  void rlhflowPromptsMustBeMessages() throws IOException {
    Path file =
        file(
            "{\"context_messages\": [{\"role\": \"user\", \"content\": \"q\"}]}",
            "{\"context_messages\": \"q\"}");

    BadDataException e = fail(file, null);

    assertEquals("context_messages", e.field().orElseThrow());
    assertEquals(true, e.getMessage().contains("expected a list of {\"role\""), e::getMessage);
  }

  @Test
  void undetectableFirstRowAsksForTheFormat() throws IOException {
    Path file = file("{\"question\": \"q\", \"answer\": \"a\"}", GOOD_TRL);

    BadDataException e = assertThrows(BadDataException.class, () -> Datasets.open(file, null));

    assertEquals(
        file
            + ":1: cannot tell the format from the fields [question, answer]; give rows of one of"
            + " the formats "
            + DataFormat.ids()
            + " ('dpo data --help' lists their fields), or name the format with --format where"
            + " the command has that option",
        e.getMessage());
  }

  @Test
  void emptyArrayHasNoRows() throws IOException {
    Path file = Files.writeString(dir.resolve("empty.json"), "[ ]", UTF_8);

    BadDataException e = assertThrows(BadDataException.class, () -> Datasets.open(file, null));

    assertEquals(
        true, e.getMessage().contains("the file holds no rows (an empty array)"), e::getMessage);
  }

  @Test
  void errorsInJsonArraysNameTheRow() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("rows.json"),
            "[\n" + GOOD_TRL + ",\n{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"b\"}\n]",
            UTF_8);

    BadDataException e = fail(file, null);

    assertEquals(3, e.line());
    assertEquals("row 1, chosen", e.field().orElseThrow());
  }

  private Path file(String first, String bad) throws IOException {
    return Files.writeString(
        dir.resolve("rows.jsonl"), first + "\n" + first + "\n" + bad + "\n", UTF_8);
  }

  private static BadDataException fail(Path file, DataFormat format) {
    return assertThrows(
        BadDataException.class,
        () -> {
          try (DatasetReader<DataRecord> in = Datasets.open(file, format)) {
            in.forEachRemaining(r -> {});
          }
        });
  }
}
