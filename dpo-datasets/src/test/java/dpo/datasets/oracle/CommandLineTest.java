package dpo.datasets.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  @Test
  void splitsWordsWithShellQuoting() {
    assertEquals(
        List.of("python3", "my scorer.py", "--flag", "a \"b\" \\c", "c d", "it's", ""),
        CommandLine.parse(
            "command", "  python3 'my scorer.py'\t--flag \"a \\\"b\\\" \\c\" c\\ d \"it's\" ''"));
  }

  @Test
  void acceptsAJsonArrayOfStrings() {
    assertEquals(
        List.of("python3", "score.py", "--model", "a b"),
        CommandLine.parse("command", "[\"python3\", \"score.py\", \"--model\", \"a b\"]"));
  }

  @Test
  void rejectsWhatIsNotACommand() {
    for (String bad : List.of("", "   ", "[]", "[\"\"]", "''")) {
      ConfigurationException e =
          assertThrows(ConfigurationException.class, () -> CommandLine.parse("command", bad));
      assertTrue(e.getMessage().contains("names no program"), bad + ": " + e.getMessage());
    }
    ConfigurationException quote =
        assertThrows(
            ConfigurationException.class, () -> CommandLine.parse("command", "python3 'score.py"));
    assertTrue(
        quote.getMessage().contains("unterminated single quote at character 9"),
        quote.getMessage());
    ConfigurationException array =
        assertThrows(
            ConfigurationException.class, () -> CommandLine.parse("command", "[\"a\", 1]"));
    assertTrue(array.getMessage().contains("not a JSON array of strings"), array.getMessage());
  }
}
