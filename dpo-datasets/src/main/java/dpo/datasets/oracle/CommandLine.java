package dpo.datasets.oracle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.ConfigurationException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the command oracle's {@code command} option into the program and its arguments, without a
 * shell: either a JSON array of strings ({@code ["python3", "my scorer.py"]}) or words separated by
 * whitespace, where single quotes keep everything literally, double quotes keep everything but
 * {@code \"} and {@code \\}, and a backslash outside quotes escapes the next character. Variables,
 * globs and pipes are not expanded; a command that needs them can run {@code bash -c '...'}.
 */
final class CommandLine {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CommandLine() {}

  static List<String> parse(String field, String text) {
    List<String> argv = text.strip().startsWith("[") ? jsonArray(field, text) : words(field, text);
    if (argv.isEmpty() || argv.get(0).isEmpty()) {
      throw new ConfigurationException(
          field, "option '" + field + "' names no program; give one, e.g. python3 score.py");
    }
    return List.copyOf(argv);
  }

  private static List<String> jsonArray(String field, String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      node = null;
    }
    List<String> argv = new ArrayList<>();
    if (node != null && node.isArray()) {
      for (JsonNode element : node) {
        if (!element.isTextual()) {
          node = null;
          break;
        }
        argv.add(element.asText());
      }
    }
    if (node == null || !node.isArray()) {
      throw new ConfigurationException(
          field,
          "option '"
              + field
              + "' starts with '[' but is not a JSON array of strings: "
              + text
              + "; write e.g. [\"python3\", \"score.py\"]");
    }
    return argv;
  }

  private static List<String> words(String field, String text) {
    List<String> argv = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        if (inWord) {
          argv.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        i++;
        continue;
      }
      inWord = true;
      if (c == '\'' || c == '"') {
        int close = closingQuote(text, i, c);
        if (close < 0) {
          throw new ConfigurationException(
              field,
              "option '"
                  + field
                  + "' has an unterminated "
                  + (c == '"' ? "double" : "single")
                  + " quote at character "
                  + (i + 1)
                  + ": "
                  + text
                  + "; close the quote");
        }
        String quoted = text.substring(i + 1, close);
        word.append(c == '"' ? quoted.replaceAll("\\\\([\"\\\\])", "$1") : quoted);
        i = close + 1;
      } else if (c == '\\' && i + 1 < text.length()) {
        word.append(text.charAt(i + 1));
        i += 2;
      } else {
        word.append(c);
        i++;
      }
    }
    if (inWord) {
      argv.add(word.toString());
    }
    return argv;
  }

  /** The index of the quote that closes the one at {@code open}, or -1. */
  private static int closingQuote(String text, int open, char quote) {
    for (int j = open + 1; j < text.length(); j++) {
      char c = text.charAt(j);
      if (quote == '"' && c == '\\' && j + 1 < text.length()) {
        j++;
      } else if (c == quote) {
        return j;
      }
    }
    return -1;
  }
}
