package dpo.datasets.rewards;

import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dpo.api.BadDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RewardTableReaderTest {
  @TempDir Path dir;

  // ---- valid input ----

  @Test
  void readsExponentsNegativesIntegersAndNewlines() throws IOException {
    Path file =
        write(
            "[\n"
                + "  [0.1, -1.2, 3],\n"
                + "  [0.5, 0.0, 2e-1],\n"
                + "\t[-1E+2, 1.5e3, -7]\n"
                + "]\n");

    double[][] rewards = RewardTableReader.read(file);

    assertEquals(3, rewards.length);
    assertArrayEquals(new double[] {0.1, -1.2, 3}, rewards[0]);
    assertArrayEquals(new double[] {0.5, 0.0, 0.2}, rewards[1]);
    assertArrayEquals(new double[] {-100, 1500, -7}, rewards[2]);
  }

  @Test
  void readsCompactSingleLineTable() throws IOException {
    Path file = write("[[1,2],[3,4]]");

    assertArrayEquals(new double[][] {{1, 2}, {3, 4}}, RewardTableReader.read(file));
  }

  @Test
  void acceptsUtf8ByteOrderMarkAndCrlf() throws IOException {
    Path file =
        writeBytes(
            concat(
                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                "[[1, 2],\r\n [3, 4]]\r\n".getBytes(UTF_8)));

    assertArrayEquals(new double[][] {{1, 2}, {3, 4}}, RewardTableReader.read(file));
  }

  @Test
  void readsIntegersBeyondLongRoundedToNearestDouble() throws IOException {
    Path file = write("[[9007199254740993, 123456789012345678901234567890]]");

    double[][] rewards = RewardTableReader.read(file);

    assertEquals(9007199254740992.0, rewards[0][0]);
    assertEquals(
        new java.math.BigInteger("123456789012345678901234567890").doubleValue(), rewards[0][1]);
  }

  @Test
  void readsLargeTable() throws IOException {
    int prompts = 3000;
    int responses = 7;
    StringBuilder json = new StringBuilder("[\n");
    for (int x = 0; x < prompts; x++) {
      json.append(x == 0 ? "  [" : ",\n  [");
      for (int y = 0; y < responses; y++) {
        json.append(y == 0 ? "" : ", ").append(x * 0.25 - y);
      }
      json.append(']');
    }
    Path file = write(json.append("\n]\n").toString());

    double[][] rewards = RewardTableReader.read(file);

    assertEquals(prompts, rewards.length);
    for (int x = 0; x < prompts; x++) {
      assertEquals(responses, rewards[x].length);
      assertEquals(x * 0.25 - 6, rewards[x][6]);
    }
  }

  // ---- writer ----

  @Test
  void roundTripIsBitExactOnRandomDoubles() {
    Random random = new Random(20240917L);
    double[][] rewards = new double[50][33];
    for (double[] row : rewards) {
      for (int y = 0; y < row.length; y++) {
        double value;
        do {
          // Random bit patterns cover subnormals, huge and tiny magnitudes and both zeros.
          value = y % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian();
        } while (!Double.isFinite(value));
        row[y] = value;
      }
    }
    double[] specials = {
      -0.0,
      0.0,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      Double.MIN_NORMAL,
      Double.MAX_VALUE,
      -Double.MAX_VALUE,
      1e-300,
      0.1,
      1.0 / 3,
      9007199254740993.0,
      1e22,
      1e23
    };
    System.arraycopy(specials, 0, rewards[0], 0, specials.length);
    Path file = dir.resolve("rewards.json");

    RewardTableWriter.write(rewards, file);
    double[][] back = RewardTableReader.read(file);

    assertEquals(rewards.length, back.length);
    for (int x = 0; x < rewards.length; x++) {
      assertEquals(rewards[x].length, back[x].length);
      for (int y = 0; y < rewards[x].length; y++) {
        assertEquals(
            Double.doubleToRawLongBits(rewards[x][y]),
            Double.doubleToRawLongBits(back[x][y]),
            "prompt " + x + ", response " + y + ": " + rewards[x][y] + " read as " + back[x][y]);
      }
    }
  }

  @Test
  void writerReplacesExistingFileAndLeavesNoTempFiles() throws IOException {
    Path file = write("[[9, 9, 9]]");
    double[][] rewards = {{0.1, -1.2}, {0.5, 0.0}};

    RewardTableWriter.write(rewards, file);
    RewardTableWriter.write(rewards, file);

    assertArrayEquals(rewards, RewardTableReader.read(file));
    assertEquals(List.of(file.getFileName().toString()), listDir());
  }

  @Test
  void writerAcceptsRelativePath() throws IOException {
    Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("relative.json"));

    RewardTableWriter.write(new double[][] {{1, 2}}, relative);

    assertArrayEquals(
        new double[][] {{1, 2}}, RewardTableReader.read(dir.resolve("relative.json")));
    assertEquals(List.of("relative.json"), listDir());
  }

  @Test
  void writerFailureLeavesNoTempFilesAndKeepsOldTable() throws IOException {
    Path target = dir.resolve("taken");
    Files.createDirectory(target);
    Files.writeString(target.resolve("inside"), "x");

    assertThrows(
        dpo.api.DpoException.class, () -> RewardTableWriter.write(new double[][] {{1, 2}}, target));
    assertEquals(List.of("taken"), listDir());
  }

  @Test
  void writerRejectsTablesTheReaderWouldReject() throws IOException {
    Path file = dir.resolve("out.json");
    assertThrows(
        IllegalArgumentException.class, () -> RewardTableWriter.write(new double[0][], file));
    assertThrows(
        IllegalArgumentException.class, () -> RewardTableWriter.write(new double[][] {{1}}, file));
    assertThrows(
        IllegalArgumentException.class,
        () -> RewardTableWriter.write(new double[][] {{1, 2}, {1, 2, 3}}, file));
    assertThrows(
        IllegalArgumentException.class,
        () -> RewardTableWriter.write(new double[][] {{1, Double.NaN}}, file));
    assertThrows(
        IllegalArgumentException.class,
        () -> RewardTableWriter.write(new double[][] {{1, Double.NEGATIVE_INFINITY}}, file));
    assertEquals(List.of(), listDir());
  }

  // ---- file-level errors ----

  @Test
  void missingFile() {
    Path file = dir.resolve("absent.json");

    BadDataException e = assertFails(file, 0, null, "no such file", "check the path");
    assertEquals(0, e.line());
  }

  @Test
  void directory() {
    assertFails(dir, 0, null, "directory", "check the path");
  }

  @Test
  void unreadableFile() throws IOException {
    Path file = write("[[1, 2]]");
    assumeTrue(
        Files.getFileStore(file).supportsFileAttributeView("posix"), "needs POSIX permissions");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("-w-------"));
    assumeTrue(!Files.isReadable(file), "root can read any file");

    assertFails(file, 0, null, "permission denied", "check the path");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n\n\t  \r\n"})
  void emptyFile(String content) throws IOException {
    assertFails(write(content), 0, "top level", "the file is empty", "JSON array of arrays");
  }

  @Test
  void byteOrderMarkOnlyIsEmpty() throws IOException {
    Path file = writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});

    assertFails(file, 0, "top level", "the file is empty");
  }

  // ---- malformed JSON ----

  @Test
  void malformedJsonInsideRow() throws IOException {
    Path file = write("[[1, 2],\n [3, }]");

    assertFails(
        file,
        2,
        "prompt 1, response 1",
        "malformed JSON: ",
        "the file must be a JSON array of arrays of numbers, e.g. [[0.1, -1.2], [0.5, 0.0]]");
  }

  @Test
  void malformedJsonMissingComma() throws IOException {
    assertFails(write("[[1, 2]\n\n [3, 4]]"), 3, "prompt 1", "malformed JSON: ");
  }

  @Test
  void malformedJsonBareWord() throws IOException {
    assertFails(write("[[1, 2],\n [3, four]]"), 2, "prompt 1, response 1", "malformed JSON: ");
  }

  @Test
  void malformedJsonUnclosedArrays() throws IOException {
    assertFails(
        write("[\n [1, 2],\n [3, 4\n"),
        4,
        "prompt 1",
        "malformed JSON: the file ends before the array opened on line 3 is closed");
    assertFails(
        write("[\n [1, 2],\n [3, 4]\n"),
        4,
        "top level",
        "malformed JSON: the file ends before the array opened on line 1 is closed");
  }

  @Test
  void malformedJsonEndingAfterCommaOrInString() throws IOException {
    assertFails(
        write("[[1, 2],\n [3,"),
        2,
        "prompt 1",
        "malformed JSON: the file ends before the array opened on line 2 is closed");
    assertFails(
        write("[[1, 2],\n"),
        2,
        "top level",
        "malformed JSON: the file ends before the array opened on line 1 is closed");
    assertFails(
        write("[[1, 2],\n [3, \"4"),
        2,
        "prompt 1",
        "malformed JSON: the file ends before the array opened on line 2 is closed",
        "string");
  }

  @Test
  void malformedJsonMessageDoesNotTellUsersToEnableParserFeatures() throws IOException {
    BadDataException e = assertFails(write("[[1, +2]]"), 1, "prompt 0, response 1", "malformed");
    assertTrue(!e.getMessage().contains("enable"), e.getMessage());
  }

  @Test
  void malformedJsonMessageHasNoJacksonSourceNoise() throws IOException {
    BadDataException e = assertFails(write("[[1, 2],\n [3, 4,]]"), 2, "prompt 1, response 2");
    assertTrue(!e.getMessage().contains("Source"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    assertTrue(!e.getMessage().contains("INF"), e.getMessage());
  }

  // ---- wrong shape ----

  static Stream<Arguments> topLevelNotAnArray() {
    return Stream.of(
        arguments("{\"a\": [1, 2]}", 1, "an object"),
        arguments("\n\n42", 3, "the number 42"),
        arguments("\"[[1, 2]]\"", 1, "the string"),
        arguments("null", 1, "null"),
        arguments(" true", 1, "true"));
  }

  @ParameterizedTest
  @MethodSource
  void topLevelNotAnArray(String content, long line, String found) throws IOException {
    assertFails(write(content), line, "top level", "found " + found, "JSON array of arrays");
  }

  static Stream<Arguments> rowNotAnArray() {
    return Stream.of(
        arguments("[[1, 2],\n 3]", 2, "prompt 1", "the number 3"),
        arguments("[[1, 2],\n\n {\"r\": 1}]", 3, "prompt 1", "an object"),
        arguments("[[1, 2], \"x\"]", 1, "prompt 1", "the string \"x\""),
        arguments("[null]", 1, "prompt 0", "null"),
        arguments("[[1, 2],\n false]", 2, "prompt 1", "false"));
  }

  @ParameterizedTest
  @MethodSource
  void rowNotAnArray(String content, long line, String field, String found) throws IOException {
    assertFails(write(content), line, field, "found " + found, "array of this prompt's rewards");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"0.5\"|the string \"0.5\"|remove the quotes",
        "\"high\"|the string \"high\"|plain JSON number",
        "null|null|plain JSON number",
        "true|true|plain JSON number",
        "false|false|plain JSON number",
        "[1]|a nested array|plain JSON number",
        "{}|an object|plain JSON number",
        "\"NaN\"|the string \"NaN\"|plain JSON number",
      })
  void nonNumberInRow(String value, String found, String hint) throws IOException {
    Path file = write("[[1, 2, 3],\n [4,\n  5, " + value + "]]");

    assertFails(file, 3, "prompt 1, response 2", "found " + found + " instead of a number", hint);
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "Infinity", "-Infinity", "-INF"})
  void nonFiniteLiteral(String value) throws IOException {
    Path file = write("[[1, 2],\n [3, " + value + "]]");

    assertFails(file, 2, "prompt 1, response 1", value + " is not allowed", "finite number");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e400", "-1.5E+309", "2e308"})
  void numberOverflowingDouble(String value) throws IOException {
    Path file = write("[[1, 2],\n [3,\n " + value + "]]");

    assertFails(
        file, 3, "prompt 1, response 1", "the number " + value + " is too large for a double");
  }

  @Test
  void hugeIntegerOverflowingDouble() throws IOException {
    String digits = "9".repeat(400);

    BadDataException e =
        assertFails(write("[[" + digits + ", 1]]"), 1, "prompt 0, response 0", "too large");
    assertTrue(e.getMessage().length() < 300, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\n[\n]", "  [ ]  \n"})
  void zeroRows(String content) throws IOException {
    long line = content.startsWith("\n") ? 2 : 1;

    assertFails(write(content), line, "top level", "at least one prompt is needed");
  }

  @Test
  void rowWithOneResponse() throws IOException {
    assertFails(
        write("[\n [1]\n]"),
        2,
        "prompt 0",
        "prompt 0 has 1 reward; each prompt needs at least 2 responses");
  }

  @Test
  void emptyRow() throws IOException {
    assertFails(write("[[1, 2],\n [3, 4],\n []]"), 3, "prompt 2", "prompt 2 has 0 rewards");
  }

  @Test
  void raggedShorterRow() throws IOException {
    String wide = Stream.generate(() -> "1").limit(20).collect(Collectors.joining(", ", "[", "]"));
    Path file =
        write("[" + wide + ",\n" + wide + ",\n" + wide + ",\n [1, 2, 3, 4, 5],\n" + wide + "]");

    BadDataException e =
        assertFails(
            file,
            4,
            "prompt 3",
            "prompt 3 has 5 rewards but prompt 0 has 20; "
                + "every prompt needs the same number of responses");
    assertEquals("prompt 3", e.field().orElseThrow());
  }

  @Test
  void raggedLongerRow() throws IOException {
    assertFails(
        write("[[1, 2],\n [1, 2,\n 3, 4]]"),
        2,
        "prompt 1",
        "prompt 1 has 4 rewards but prompt 0 has 2; "
            + "every prompt needs the same number of responses");
  }

  @Test
  void raggedLongerRowStillChecksItsValues() throws IOException {
    assertFails(write("[[1, 2],\n [1, 2, 3, \"x\"]]"), 2, "prompt 1, response 3", "the string");
  }

  static Stream<Arguments> trailingContent() {
    return Stream.of(
        arguments("[[1, 2]]\nx", 2),
        arguments("[[1, 2]] [[3, 4]]", 1),
        arguments("[[1, 2]]\n\n]", 3),
        arguments("[[1, 2]],", 1),
        arguments("[[1, 2]]\n{}", 2),
        arguments("[[1, 2]]\n// comment", 2));
  }

  @ParameterizedTest
  @MethodSource
  void trailingContent(String content, long line) throws IOException {
    assertFails(
        write(content),
        line,
        "top level",
        "unexpected content after the array of prompts closed on line 1",
        "exactly one JSON array");
  }

  @Test
  void trailingWhitespaceIsFine() throws IOException {
    assertArrayEquals(new double[][] {{1, 2}}, RewardTableReader.read(write("[[1, 2]]\n\n \t")));
  }

  // ---- encoding ----

  @Test
  void latin1ByteInString() throws IOException {
    byte[] bytes =
        concat(
            "[[1, 2],\n [3, 4],\n [5, \"caf".getBytes(UTF_8),
            new byte[] {(byte) 0xE9},
            "\"]]".getBytes(UTF_8));

    assertFails(writeBytes(bytes), 3, null, "bad encoding", "save the file as UTF-8");
  }

  @Test
  void invalidByteBetweenTokens() throws IOException {
    byte[] bytes =
        concat("[[1, 2],\n [3, ".getBytes(UTF_8), new byte[] {(byte) 0xFF}, "4]]".getBytes(UTF_8));

    assertFails(writeBytes(bytes), 2, null, "bad encoding", "save the file as UTF-8");
  }

  @Test
  void truncatedMultiByteSequenceAtEnd() throws IOException {
    byte[] bytes = concat("[[1, 2]]\n".getBytes(UTF_8), new byte[] {(byte) 0xE2, (byte) 0x82});

    assertFails(writeBytes(bytes), 2, null, "bad encoding");
  }

  @Test
  void utf16File() throws IOException {
    byte[] bytes = concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, "[[1, 2]]".getBytes(UTF_16LE));

    assertFails(writeBytes(bytes), 1, null, "bad encoding", "save the file as UTF-8");
  }

  @Test
  void badByteFarIntoFileReportsItsOwnLine() throws IOException {
    StringBuilder json = new StringBuilder("[\n");
    for (int x = 0; x < 5000; x++) {
      json.append(" [1.25, -2.5, 3],\n");
    }
    byte[] bytes =
        concat(
            json.toString().getBytes(UTF_8),
            "[1, ".getBytes(UTF_8),
            new byte[] {(byte) 0xC0, (byte) 0x80},
            "]]".getBytes(UTF_8));

    assertFails(writeBytes(bytes), 5002, null, "bad encoding");
  }

  @Test
  void syntaxErrorBeforeBadByteIsReportedFirst() throws IOException {
    byte[] bytes =
        concat("[[1, x],\n [".getBytes(UTF_8), new byte[] {(byte) 0xFF}, "]]".getBytes(UTF_8));

    assertFails(writeBytes(bytes), 1, "prompt 0, response 1", "malformed JSON");
  }

  @Test
  void nonAsciiUtf8InStringIsReportedAsNonNumberNotEncoding() throws IOException {
    assertFails(write("[[1, \"héllo ✓\"]]"), 1, "prompt 0, response 1", "\"héllo ✓\"");
  }

  // ---- helpers ----

  /**
   * Asserts that reading fails and that the message names the file, the line (when positive), the
   * field (when not null) and each fragment.
   */
  private static BadDataException assertFails(
      Path file, long line, String field, String... fragments) {
    BadDataException e = assertThrows(BadDataException.class, () -> RewardTableReader.read(file));
    String message = e.getMessage();
    String located = line > 0 ? file + ":" + line + " " : file + " ";
    String expectedStart = field == null ? located.strip() + ": " : located + "(" + field + "): ";
    assertTrue(
        message.startsWith(expectedStart),
        () -> "expected <" + expectedStart + "...> in " + message);
    assertEquals(file, e.file());
    assertEquals(line, e.line(), message);
    assertEquals(field, e.field().orElse(null), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "expected <" + fragment + "> in " + message);
    }
    return e;
  }

  private Path write(String content) throws IOException {
    return writeBytes(content.getBytes(UTF_8));
  }

  private Path writeBytes(byte[] content) throws IOException {
    return Files.write(dir.resolve("table.json"), content);
  }

  private List<String> listDir() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
