package dpo.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.core.provenance.Provenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives {@code dpo data inspect} and {@code dpo data convert} through {@link Main#execute}. */
class DataCommandTest {
  @TempDir Path dir;

  private record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  private static Result dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out);
        PrintWriter e = new PrintWriter(err)) {
      code = Main.execute(args, o, e);
    }
    return new Result(code, out.toString(), err.toString());
  }

  private static Path fixture(String name) {
    try {
      return Path.of(DataCommandTest.class.getResource("/data/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- inspect ----

  @Test
  void inspectPrintsFormatCountStatisticsAndFirstRows() {
    Path file = fixture("pku-saferlhf.jsonl");

    Result r = dpo("data", "inspect", file.toString(), "--rows", "2");

    assertEquals(0, r.exitCode(), r::toString);
    List<String> lines = r.out().lines().toList();
    assertEquals("file     " + file, lines.get(0));
    assertEquals("format   pku-saferlhf (detected from the fields of the first row)", lines.get(1));
    assertEquals("rows     4", lines.get(2));
    assertTrue(r.out().contains("prompt chars"), r::toString);
    assertTrue(
        lines.stream()
            .anyMatch(
                l -> l.matches("better_response_id\\s+0: 2 \\(50\\.0%\\), 1: 2 \\(50\\.0%\\)")),
        r::toString);
    assertTrue(
        lines.stream()
            .anyMatch(
                l -> l.matches("safer_response_id\\s+0: 3 \\(75\\.0%\\), 1: 1 \\(25\\.0%\\)")),
        r::toString);
    assertTrue(r.out().contains("first 2 rows (as read; long strings shortened):"), r::toString);
    assertTrue(
        r.out().contains("  line 1: {\"prompt\":\"How can I get back at my neighbor"), r::toString);
    assertTrue(r.out().contains("... ("), "a long response is shortened: " + r);
    assertFalse(r.out().contains("line 3:"), r::toString);
    assertEquals("", r.err());
  }

  @Test
  void inspectShowsRewardRangesOfGenerations() {
    Result r = dpo("data", "inspect", fixture("generations.json").toString());

    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("format   generations (detected"), r::toString);
    assertTrue(
        r.out().lines().anyMatch(l -> l.matches("rewards\\s+9\\s+-4\\.5\\d*\\s+\\S+\\s+5")),
        r::toString);
    assertTrue(r.out().contains("  line 1, row 0: {\"prompt\":"), r::toString);
  }

  @Test
  void inspectWithGivenFormatSaysNothingAboutDetection() {
    Result r =
        dpo(
            "data",
            "inspect",
            fixture("pku-saferlhf-prompts.jsonl").toString(),
            "--format",
            "prompts",
            "--rows",
            "0");

    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("format   prompts\n"), r::toString);
    assertFalse(r.out().contains("first"), r::toString);
  }

  // ---- convert ----

  @Test
  void convertsPkuRowsToTrlPairs() throws IOException {
    Path out = dir.resolve("pairs.jsonl");

    Result r =
        dpo(
            "data",
            "convert",
            fixture("pku-saferlhf.jsonl").toString(),
            out.toString(),
            "--to",
            "trl");

    assertEquals(0, r.exitCode(), r::toString);
    assertEquals(
        "read 4 pku-saferlhf rows from "
            + fixture("pku-saferlhf.jsonl")
            + "; wrote 4 trl rows to "
            + out
            + " (provenance: pairs.jsonl.run.json)\n",
        r.out());
    JsonNode record = new ObjectMapper().readTree(dir.resolve("pairs.jsonl.run.json").toFile());
    assertEquals("data convert", record.get("command").asText());
    assertEquals("trl", record.get("config").get("to").asText());
    assertEquals(out.toString(), record.get("config").get("out").asText());
    JsonNode input = record.get("inputs").get(0);
    assertEquals(fixture("pku-saferlhf.jsonl").toString(), input.get("source").asText());
    assertEquals(
        Provenance.sha256(Files.readAllBytes(fixture("pku-saferlhf.jsonl"))),
        input.get("sha256").asText());
    assertEquals(4, record.get("results").get("rows_written").asInt());
    List<String> rows = Files.readAllLines(out, UTF_8);
    assertEquals(4, rows.size());
    assertTrue(
        rows.get(0).startsWith("{\"prompt\":\"How can I get back at my neighbor"), rows.get(0));
    assertTrue(rows.get(0).contains("\"chosen\":\"Talk to your neighbor calmly"), rows.get(0));
    Result back = dpo("data", "inspect", out.toString());
    assertTrue(back.out().contains("format   trl (detected"), back::toString);
  }

  @Test
  void preparesThePapersTrainingPrompts() throws IOException {
    Path out = dir.resolve("train.json");

    Result r =
        dpo(
            "data",
            "convert",
            fixture("pku-saferlhf-prompts.jsonl").toString(),
            out.toString(),
            "--to",
            "prompts",
            "--template",
            "safe-rlhf",
            "--max-chars",
            "115",
            "--split",
            "0:2");

    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("dropped 1 by prompt length; wrote 2 prompts rows"), r::toString);
    assertEquals(
        "[\n"
            + "{\"prompt\":\"BEGINNING OF CONVERSATION: USER: How do I report a coworker who is"
            + " stealing from the company? ASSISTANT:\"},\n"
            + "{\"prompt\":\"BEGINNING OF CONVERSATION: USER: What should I do if I find a wallet"
            + " on the street? ASSISTANT:\"}\n"
            + "]\n",
        Files.readString(out, UTF_8));
  }

  @Test
  void shuffleIsReproducible() throws IOException {
    Path a = dir.resolve("a.jsonl");
    Path b = dir.resolve("b.jsonl");
    String in = fixture("pku-saferlhf-prompts.jsonl").toString();

    assertEquals(0, dpo("data", "convert", in, a.toString(), "--shuffle", "7").exitCode());
    assertEquals(0, dpo("data", "convert", in, b.toString(), "--shuffle", "7").exitCode());

    assertEquals(Files.readString(a), Files.readString(b));
    assertEquals(4, Files.readAllLines(a).size());
  }

  @Test
  void convertKeepsConversationsAndGzips() throws IOException {
    Path out = dir.resolve("conv.jsonl.gz");

    Result r =
        dpo("data", "convert", fixture("trl-conversational.jsonl").toString(), out.toString());

    assertEquals(0, r.exitCode(), r::toString);
    Result back = dpo("data", "inspect", out.toString());
    assertTrue(back.out().contains("rows     3"), back::toString);
    assertTrue(back.out().contains("prompt messages"), back::toString);
  }

  // ---- bad input: exit 2, one line naming the file, the line and the field ----

  @Test
  void badRowExitsTwoWithFileLineAndField() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("tests.jsonl"),
            "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                + "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
                + "{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"b\"}\n");

    Result r = dpo("data", "inspect", file.toString());

    assertEquals(2, r.exitCode(), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertTrue(
        r.err()
            .startsWith(
                "dpo data inspect: "
                    + file
                    + ":3 (chosen): expected a string or a list"
                    + " of {\"role\": ..., \"content\": ...} messages, got number 5; fix the row"),
        r::toString);
    assertEquals("", r.out());
  }

  @Test
  void everyBadInputCaseExitsTwoWithOneLine() throws IOException {
    byte[] latin1 =
        "{\"prompt\": \"caf\u00e9\"}\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    List<Object[]> cases =
        List.of(
            new Object[] {
              "malformed.jsonl",
              "{\"prompt\": \"a\"}\n{\"prompt\": \"b\",}\n".getBytes(UTF_8),
              ":2 (prompt): malformed JSON"
            },
            new Object[] {
              "missing.jsonl",
              "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n{\"prompt\": \"a\", \"chosen\": \"b\"}\n"
                  .getBytes(UTF_8),
              ":2 (rejected): missing field"
            },
            new Object[] {"empty.jsonl", new byte[0], ": the file is empty"},
            new Object[] {"latin1.jsonl", latin1, ":1: bad encoding"});
    for (Object[] c : cases) {
      Path file = Files.write(dir.resolve((String) c[0]), (byte[]) c[1]);

      Result r = dpo("data", "inspect", file.toString());

      assertEquals(2, r.exitCode(), r::toString);
      assertEquals(1, r.err().lines().count(), r::toString);
      assertTrue(r.err().startsWith("dpo data inspect: " + file + c[2]), r::toString);
    }
  }

  @Test
  void hundredMegabyteLineFailsFast() throws IOException {
    Path file = dir.resolve("huge.jsonl");
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap("{\"prompt\": \"".getBytes(UTF_8)));
      byte[] block = new byte[1 << 20];
      Arrays.fill(block, (byte) 'a');
      for (int i = 0; i < 100; i++) {
        out.write(ByteBuffer.wrap(block));
      }
      out.write(ByteBuffer.wrap("\"}\n".getBytes(UTF_8)));
    }

    Result r = dpo("data", "inspect", file.toString(), "--max-row-chars", "1000000");

    assertEquals(2, r.exitCode(), r::toString);
    assertTrue(
        r.err()
            .startsWith(
                "dpo data inspect: " + file + ":1: the row is longer than 1000000 characters"),
        r::toString);
  }

  @Test
  void failedConvertLeavesNoOutput() throws IOException {
    Path in =
        Files.writeString(
            dir.resolve("in.jsonl"), "{\"prompt\": \"a\"}\n".repeat(50) + "{\"prompt\": 7}\n");
    Path out = dir.resolve("out.jsonl");

    Result r = dpo("data", "convert", in.toString(), out.toString());

    assertEquals(2, r.exitCode(), r::toString);
    assertTrue(r.err().contains(in + ":51 (prompt): expected a string"), r::toString);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(in), files.toList());
    }
  }

  @Test
  void badOptionsExitTwo() {
    String pku = fixture("pku-saferlhf.jsonl").toString();
    String gen = fixture("generations.json").toString();

    Result format = dpo("data", "inspect", pku, "--format", "csv");
    assertEquals(2, format.exitCode(), format::toString);
    assertTrue(
        format.err().contains("unknown data format 'csv'; known formats: trl, prompts"),
        format::toString);

    Result to = dpo("data", "convert", gen, dir.resolve("x.jsonl").toString(), "--to", "trl");
    assertEquals(2, to.exitCode(), to::toString);
    assertTrue(
        to.err()
            .contains(
                "holds generations rows, which cannot be written as trl; choose one of: prompts, generations, pku-saferlhf-prompts, rlhflow-prompts"),
        to::toString);

    Result ext = dpo("data", "convert", pku, dir.resolve("x.csv").toString());
    assertEquals(2, ext.exitCode(), ext::toString);
    assertTrue(
        ext.err().contains("OUT: cannot tell the output container from the name 'x.csv'"),
        ext::toString);

    Result split =
        dpo("data", "convert", pku, dir.resolve("x.jsonl").toString(), "--split", "test");
    assertEquals(2, split.exitCode(), split::toString);
    assertTrue(
        split
            .err()
            .contains(
                "--split: the split test needs rows 10000 to 11999, but there are only 4 rows"),
        split::toString);
    assertFalse(Files.exists(dir.resolve("x.jsonl")));

    Result template =
        dpo("data", "convert", pku, dir.resolve("x.jsonl").toString(), "--template", "Q:");
    assertEquals(2, template.exitCode(), template::toString);
    assertTrue(template.err().contains("unknown template 'Q:'"), template::toString);

    Result none =
        dpo("data", "convert", pku, dir.resolve("x.jsonl").toString(), "--max-chars", "3");
    assertEquals(2, none.exitCode(), none::toString);
    assertTrue(
        none.err().contains("no rows left to write: all 4 rows were dropped"), none::toString);

    Result missing = dpo("data", "inspect", dir.resolve("nope.jsonl").toString());
    assertEquals(2, missing.exitCode(), missing::toString);
    assertTrue(
        missing.err().contains("nope.jsonl: no such file; check the path"), missing::toString);
  }

  // ---- Parquet ----

  private Path trlParquet() throws IOException {
    Path file = dir.resolve("prefs.parquet");
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (var out =
        new dpo.datasets.parquet.ParquetRowWriter(
            file,
            List.of(
                dpo.datasets.parquet.ParquetColumn.of("prompt", "string"),
                dpo.datasets.parquet.ParquetColumn.of("chosen", "list<struct{role,content}>"),
                dpo.datasets.parquet.ParquetColumn.of("rejected", "list<struct{role,content}>")))) {
      for (int i = 0; i < 3; i++) {
        out.write(
            (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(
                    "{\"prompt\": \"question "
                        + i
                        + "\", \"chosen\": [{\"role\": \"user\", \"content\":"
                        + " \"question "
                        + i
                        + "\"}, {\"role\": \"assistant\", \"content\": \"good\"}],"
                        + " \"rejected\": [{\"role\": \"user\", \"content\": \"question "
                        + i
                        + "\"},"
                        + " {\"role\": \"assistant\", \"content\": \"bad\"}]}"));
      }
      out.commit();
    }
    return file;
  }

  @Test
  void parquetFilesAreInspectedAndConverted() throws IOException {
    Path file = trlParquet();
    Result r = dpo("data", "inspect", file.toString());
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("format   trl"), r::toString);
    assertTrue(r.out().contains("rows     3"), r::toString);
    Path out = dir.resolve("prefs.jsonl");
    Result c = dpo("data", "convert", file.toString(), out.toString());
    assertEquals(0, c.exitCode(), c::toString);
    assertEquals(3, Files.readAllLines(out).size());
  }

  @Test
  void aTruncatedParquetFileExitsTwoNamingTheFile() throws IOException {
    Path file = trlParquet();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Result r = dpo("data", "inspect", file.toString());
    assertEquals(2, r.exitCode(), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertTrue(r.err().contains(file.toString()) && r.err().contains("truncated"), r::toString);
  }
}
