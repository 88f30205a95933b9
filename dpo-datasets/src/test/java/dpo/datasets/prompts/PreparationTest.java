package dpo.datasets.prompts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.ConfigurationException;
import dpo.api.data.DataRecord;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.Datasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparationTest {
  @TempDir Path dir;

  @Test
  void templatesThenFiltersTheTemplatedPromptThenSplitsTheKeptRows() throws IOException {
    // Prompts "p0".."p9" with "x" padding: every third one is too long once templated.
    Path file = prompts(10, i -> i % 3 == 0 ? "p" + i + "x".repeat(50) : "p" + i);
    PromptTemplate template = PromptTemplate.parse("USER: {prompt} ASSISTANT:");
    Preparation prep =
        new Preparation(
            Optional.of(template),
            LengthFilter.atMost(30),
            OptionalLong.empty(),
            Optional.of(Split.parse("1:4")));

    List<String> out = new ArrayList<>();
    Preparation.Report report = run(prep, file, out);

    // Kept: p1 p2 p4 p5 p7 p8 (indices 0..5); the split keeps indices 1..3.
    assertEquals(List.of("USER: p2 ASSISTANT:", "USER: p4 ASSISTANT:", "USER: p5 ASSISTANT:"), out);
    assertEquals(new Preparation.Report(10, 4, 6, 3), report);
  }

  @Test
  void shuffleIsSeededAndAppliedBeforeTheSplit() throws IOException {
    Path file = prompts(10, i -> "p" + i);
    Preparation prep =
        new Preparation(
            Optional.empty(),
            LengthFilter.ANY,
            OptionalLong.of(12345),
            Optional.of(Split.parse("0:4")));

    List<String> out = new ArrayList<>();
    run(prep, file, out);

    // Shuffle.permutation(10, 12345) starts 0, 7, 8, 5.
    assertEquals(List.of("p0", "p7", "p8", "p5"), out);
  }

  @Test
  void splitBeyondTheKeptRowsIsAConfigurationError() throws IOException {
    Path file = prompts(5, i -> "p" + i);
    Preparation prep =
        new Preparation(
            Optional.empty(), LengthFilter.ANY, OptionalLong.empty(), Optional.of(Split.TRAIN));

    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> run(prep, file, new ArrayList<>()));

    assertEquals("split", e.violations().get(0).field());
    assertEquals(
        "the split train needs rows 0 to 9999, but there are only 5 rows; choose a range within"
            + " them (FROM:TO) or loosen the filters",
        e.violations().get(0).message());
  }

  @Test
  void noneChangesNothing() throws IOException {
    Path file = prompts(3, i -> "p" + i);

    List<String> out = new ArrayList<>();
    assertEquals(new Preparation.Report(3, 0, 3, 3), run(Preparation.NONE, file, out));
    assertEquals(List.of("p0", "p1", "p2"), out);
  }

  private static Preparation.Report run(Preparation prep, Path file, List<String> out) {
    try (DatasetReader<DataRecord> in = Datasets.open(file, null)) {
      return prep.run(in, r -> out.add(r.prompt().text()));
    }
  }

  private Path prompts(int n, java.util.function.IntFunction<String> prompt) throws IOException {
    String lines =
        IntStream.range(0, n)
            .mapToObj(i -> "{\"prompt\": \"" + prompt.apply(i) + "\"}\n")
            .collect(Collectors.joining());
    return Files.writeString(dir.resolve("prompts.jsonl"), lines, UTF_8);
  }
}
