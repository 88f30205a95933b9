package dpo.datasets.rewards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dpo.api.BadDataException;
import dpo.api.backend.TabularProblem;
import dpo.datasets.io.JsonSupport;
import dpo.datasets.io.StrictUtf8Reader;
import dpo.datasets.io.StrictUtf8Reader.MalformedUtf8Exception;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads a reward table: a JSON array of X arrays of Y finite numbers, where entry {@code [x][y]} is
 * the reward of response {@code y} to prompt {@code x}. For example, this file has two prompts with
 * three responses each:
 *
 * <pre>
 * [[0.1, -1.2, 3],
 *  [0.5, 0.0, 2e-1]]
 * </pre>
 *
 * <p>The file must be UTF-8 (a leading byte order mark is allowed). The table needs at least one
 * prompt, at least two responses per prompt, and the same number of responses for every prompt. The
 * file is parsed as a stream, so memory beyond the returned table stays constant.
 *
 * <p>Every problem with the file is a {@link BadDataException} that names the file, the 1-based
 * line (0 when there is none), the element at fault as {@code "top level"}, {@code "prompt x"} or
 * {@code "prompt x, response y"} (indices 0-based), and how to fix it.
 */
public final class RewardTableReader {
  private static final String TOP_LEVEL = "top level";
  private static final String EXAMPLE = "e.g. [[0.1, -1.2], [0.5, 0.0]]";
  private static final String SHAPE =
      "the file must be a JSON array of arrays of numbers, " + EXAMPLE;
  private static final int FIRST_ROW_CAPACITY = 16;
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");

  // NaN and Infinity are still rejected, by this class rather than by Jackson: Jackson's own error
  // tells the user to enable a parser feature, while this way the message can name the prompt and
  // response and say that rewards must be finite.
  private static final JsonFactory JSON =
      new JsonFactoryBuilder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private final Path file;
  private JsonParser parser;
  // The element the parser is reading, so that even Jackson's syntax errors can name it: prompt
  // is -1 until the array of prompts opens, response is -1 outside a row.
  private int prompt = -1;
  private int response = -1;
  private boolean inRow;
  private long topLevelLine;
  private long rowLine;
  // Positive once the array of prompts has closed: anything after it is trailing content.
  private long topLevelCloseLine;

  private RewardTableReader(Path file) {
    this.file = file;
  }

  /**
   * Reads the reward table in a file as the tabular problem of a study ({@code dpo bandit
   * --rewards}).
   *
   * @param file a UTF-8 JSON file holding an array of X arrays of Y numbers
   * @return the problem, {@code X >= 1} prompts of {@code Y >= 2} responses
   * @throws BadDataException if the file cannot be read or is not such a table
   */
  public static TabularProblem problem(Path file) {
    return new TabularProblem(read(file));
  }

  /**
   * Reads the reward table in a file.
   *
   * @param file a UTF-8 JSON file holding an array of X arrays of Y numbers
   * @return the rewards, {@code X} rows of {@code Y} finite values each, with {@code X >= 1} and
   *     {@code Y >= 2}
   * @throws BadDataException if the file cannot be read or is not such a table
   */
  public static double[][] read(Path file) {
    Objects.requireNonNull(file, "file");
    return new RewardTableReader(file).readFile();
  }

  private double[][] readFile() {
    if (Files.isDirectory(file)) {
      throw fail(0, null, "is a directory, not a file; check the path of the reward table");
    }
    StrictUtf8Reader text = null;
    try (StrictUtf8Reader in = new StrictUtf8Reader(Files.newInputStream(file));
        JsonParser p = JSON.createParser(in)) {
      text = in;
      parser = p;
      return parseTable();
    } catch (NoSuchFileException e) {
      throw fail(0, null, "no such file" + resolvedHint() + "; check the path");
    } catch (AccessDeniedException e) {
      throw fail(0, null, "permission denied; check the path and the file's read permission");
    } catch (MalformedUtf8Exception e) {
      throw fail(
          e.line(),
          null,
          "bad encoding: the file is not valid UTF-8 (a byte on this line is not UTF-8); "
              + "save the file as UTF-8");
    } catch (JsonProcessingException e) {
      if (topLevelCloseLine > 0) {
        throw trailingContent(e.getLocation().getLineNr());
      }
      if (endsEarly(e, text)) {
        throw fail(
            e.getLocation().getLineNr(),
            inRow ? "prompt " + prompt : TOP_LEVEL,
            "malformed JSON: the file ends before the array opened on line "
                + (inRow ? rowLine : topLevelLine)
                + " is closed ("
                + JsonSupport.reason(e)
                + "); "
                + SHAPE);
      }
      throw fail(
          e.getLocation().getLineNr(),
          field(),
          "malformed JSON: " + JsonSupport.reason(e) + "; " + SHAPE);
    } catch (IOException e) {
      throw fail(0, null, "cannot read the file (" + e + "); check the path and the disk");
    }
  }

  private double[][] parseTable() throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw fail(0, TOP_LEVEL, "the file is empty; " + SHAPE);
    }
    if (token != JsonToken.START_ARRAY) {
      throw fail(
          tokenLine(),
          TOP_LEVEL,
          "found " + describe(token) + " where the array of prompts should start; " + SHAPE);
    }
    topLevelLine = tokenLine();
    List<double[]> rows = new ArrayList<>();
    double[] row = new double[FIRST_ROW_CAPACITY];
    int width = -1;
    prompt = 0;
    while ((token = next()) != JsonToken.END_ARRAY) {
      if (token != JsonToken.START_ARRAY) {
        throw fail(
            tokenLine(),
            field(),
            "found "
                + describe(token)
                + " where the array of this prompt's rewards should be; "
                + SHAPE);
      }
      rowLine = tokenLine();
      inRow = true;
      response = 0;
      if (width >= 0) {
        row = new double[width];
      }
      int count = 0;
      while ((token = next()) != JsonToken.END_ARRAY) {
        double reward = reward(token);
        if (width < 0 && count == row.length) {
          // Only the first row grows; every later row must match its length.
          row = Arrays.copyOf(row, 2 * count);
        }
        if (count < row.length) {
          row[count] = reward;
        }
        // A row longer than the first keeps being checked, so that the message can give its size.
        count++;
        response = count;
      }
      inRow = false;
      response = -1;
      checkRowLength(count, width);
      if (width < 0) {
        width = count;
        row = Arrays.copyOf(row, width);
      }
      rows.add(row);
      prompt = rows.size();
    }
    prompt = -1;
    if (rows.isEmpty()) {
      throw fail(
          topLevelLine,
          TOP_LEVEL,
          "at least one prompt is needed, but the array is empty; " + SHAPE);
    }
    topLevelCloseLine = tokenLine();
    if (parser.nextToken() != null) {
      throw trailingContent(tokenLine());
    }
    return rows.toArray(new double[0][]);
  }

  private void checkRowLength(int count, int width) {
    if (count < 2) {
      throw fail(
          rowLine,
          field(),
          "prompt "
              + prompt
              + " has "
              + rewards(count)
              + "; each prompt needs at least 2 responses to compare");
    }
    if (width >= 0 && count != width) {
      throw fail(
          rowLine,
          field(),
          "prompt "
              + prompt
              + " has "
              + rewards(count)
              + " but prompt 0 has "
              + width
              + "; every prompt needs the same number of responses");
    }
  }

  /** The reward at the current token, which must be a finite number. */
  private double reward(JsonToken token) throws IOException {
    if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
      String hint =
          token == JsonToken.VALUE_STRING && looksNumeric(parser.getText())
              ? "remove the quotes around the number"
              : "every reward must be a plain JSON number, e.g. 0.5, -2 or 1e-3";
      throw fail(
          tokenLine(), field(), "found " + describe(token) + " instead of a number; " + hint);
    }
    double reward = parser.getDoubleValue();
    if (!Double.isFinite(reward)) {
      String text = parser.getText();
      if (text.chars().anyMatch(Character::isDigit)) {
        throw fail(
            tokenLine(),
            field(),
            "the number "
                + JsonSupport.abbreviate(text)
                + " is too large for a double (at most about 1.8e308 in magnitude); "
                + "rescale the rewards");
      }
      throw fail(
          tokenLine(), field(), text + " is not allowed; every reward must be a finite number");
    }
    return reward;
  }

  /** The next token; never null, since Jackson reports an unclosed array as end-of-input. */
  private JsonToken next() throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new JsonEOFException(parser, null, "unexpected end of input");
    }
    return token;
  }

  private BadDataException trailingContent(long line) {
    return fail(
        line,
        TOP_LEVEL,
        "unexpected content after the array of prompts closed on line "
            + topLevelCloseLine
            + "; the file must hold exactly one JSON array, so delete what follows it");
  }

  private String describe(JsonToken token) throws IOException {
    return switch (token) {
      case START_ARRAY -> inRow ? "a nested array" : "an array";
      case START_OBJECT -> "an object";
      case END_ARRAY, END_OBJECT -> "'" + token.asString() + "'";
      case VALUE_STRING -> "the string " + JsonSupport.quote(parser.getText());
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + parser.getText();
      case VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> token.asString();
      default -> token.toString();
    };
  }

  private String field() {
    if (prompt < 0) {
      return TOP_LEVEL;
    }
    return response < 0 ? "prompt " + prompt : "prompt " + prompt + ", response " + response;
  }

  private long tokenLine() {
    return parser.currentTokenLocation().getLineNr();
  }

  private String resolvedHint() {
    return file.isAbsolute() ? "" : " (resolved to " + file.toAbsolutePath() + ")";
  }

  private BadDataException fail(long line, String field, String problem) {
    return new BadDataException(file, Math.max(line, 0), field, problem);
  }

  /** Whether Jackson failed because the input ran out, which it reports in more than one way. */
  private static boolean endsEarly(JsonProcessingException e, StrictUtf8Reader text) {
    return e instanceof JsonEOFException
        || (text != null
            && text.atEnd()
            && e.getLocation().getCharOffset() >= text.charsDelivered());
  }

  private static boolean looksNumeric(String text) {
    return JSON_NUMBER.matcher(text.strip()).matches();
  }

  private static String rewards(int count) {
    return count == 1 ? "1 reward" : count + " rewards";
  }
}
