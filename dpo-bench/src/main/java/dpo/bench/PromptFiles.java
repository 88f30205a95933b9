package dpo.bench;

import dpo.api.data.Content;
import dpo.core.align.Prompt;
import dpo.core.provenance.Provenance;
import dpo.datasets.format.ChatFormat;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.TextLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The prompt files of the commands that generate: {@code align}, {@code eval}, {@code lm generate}.
 */
final class PromptFiles {
  private PromptFiles() {}

  /**
   * Prompts of a text file with one prompt per line (blank lines skipped; each line plain text), or
   * of a dataset file (JSON lines, JSON or Parquet in any format {@code dpo data} reads).
   *
   * @param file the file
   * @return the prompts in file order
   * @throws IOException if the file cannot be read
   */
  static List<Content> read(Path file) throws IOException {
    List<Content> prompts = new ArrayList<>();
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt")) {
      // A line longer than TextLines.DEFAULT_MAX_LINE_CHARS is refused with its file:line, so a
      // file without line breaks cannot exhaust the memory.
      try (TextLines lines = TextLines.open(file, TextLines.DEFAULT_MAX_LINE_CHARS, null)) {
        for (String l = lines.next(); l != null; l = lines.next()) {
          if (!l.isBlank()) {
            prompts.add(Content.of(l));
          }
        }
      }
      return prompts;
    }
    try (DatasetReader<Content> reader = Datasets.prompts(file, null)) {
      reader.forEachRemaining(prompts::add);
    }
    return prompts;
  }

  /**
   * The prompts of {@code align} and {@code eval}: the models read a conversation as {@code dpo lm
   * train} renders it ({@link ChatFormat#prompt}, ending with {@code assistant:}), as {@code lm
   * generate} gives it to them; the oracle reads it as {@code dpo reward} renders the prompts it
   * learns from ({@link Content#text()}). A plain prompt is the same text for both.
   *
   * @param file the file, as {@link #read} reads it
   * @return the prompts in file order
   * @throws IOException if the file cannot be read
   */
  static List<Prompt> forAlignment(Path file) throws IOException {
    return read(file).stream().map(c -> new Prompt(c.text(), ChatFormat.prompt(c))).toList();
  }

  /**
   * The SHA-256 of prompts as run.json records them: their oracle texts, one per line.
   *
   * @param prompts the prompts
   * @return the hex digest
   */
  static String sha256(List<Prompt> prompts) {
    return Provenance.sha256(
        String.join("\n", Prompt.texts(prompts)).getBytes(StandardCharsets.UTF_8));
  }
}
