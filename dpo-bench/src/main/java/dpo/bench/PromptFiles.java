package dpo.bench;

import dpo.api.data.Content;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.TextLines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The prompt files of the commands that generate: {@code align}, {@code eval}, {@code lm generate}.
 */
final class PromptFiles {
  private PromptFiles() {}

  /**
   * Prompts of a text file with one prompt per line (blank lines skipped), or of a dataset file
   * (JSON lines, JSON or Parquet in any format {@code dpo data} reads), each of its prompts
   * rendered by {@code render}.
   *
   * @param file the file
   * @param render how a dataset's prompt becomes text
   * @return the prompts in file order
   * @throws IOException if the file cannot be read
   */
  static List<String> read(Path file, Function<Content, String> render) throws IOException {
    List<String> prompts = new ArrayList<>();
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt")) {
      // A line longer than TextLines.DEFAULT_MAX_LINE_CHARS is refused with its file:line, so a
      // file without line breaks cannot exhaust the memory.
      try (TextLines lines = TextLines.open(file, TextLines.DEFAULT_MAX_LINE_CHARS, null)) {
        for (String l = lines.next(); l != null; l = lines.next()) {
          if (!l.isBlank()) {
            prompts.add(l);
          }
        }
      }
      return prompts;
    }
    try (DatasetReader<Content> reader = Datasets.prompts(file, null)) {
      reader.forEachRemaining(c -> prompts.add(render.apply(c)));
    }
    return prompts;
  }
}
