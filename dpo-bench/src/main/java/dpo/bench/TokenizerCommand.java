package dpo.bench;

import dpo.api.io.DurableFiles;
import dpo.core.io.OutputFolder;
import dpo.datasets.format.TextExample;
import dpo.datasets.format.TextExamples;
import dpo.datasets.io.TextLines;
import dpo.datasets.text.BpeTokenizer;
import dpo.datasets.text.BpeTrainer;
import dpo.datasets.text.SpecialTokens;
import dpo.datasets.text.TokenizerFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo tokenizer}: make tokenizers. */
@Command(
    name = "tokenizer",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    subcommands = {TokenizerCommand.Train.class},
    description = "Make tokenizers for your own models.")
final class TokenizerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing command; try 'dpo tokenizer train --input FILE --vocab-size N --out DIR'");
  }

  /** {@code dpo tokenizer train}. */
  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      description = {
        "Learns a byte-level BPE tokenizer (GPT-2's scheme: every byte is a token, so no text is"
            + " unknown) from your text and writes tokenizer.json and tokenizer_config.json, which"
            + " the Hugging Face tokenizers and transformers libraries load and which give the"
            + " same ids there.",
        "",
        "Input: .txt files (every line one text; line breaks are not learnt) or dataset files"
            + " (.jsonl, .json, .parquet with {text}, {prompt, completion}, {messages} or TRL"
            + " preference rows: all their text). Special tokens: <|bos|> (id 0), <|eos|> (1),"
            + " <|pad|> (2), then --special ones; add_bos_token is true. Ties between pairs of"
            + " equal count go to the pair of smaller token ids, so the result depends on the"
            + " input alone.",
        "",
        "Speed: 4.0 MB of text, 8,000 tokens: 4.1 s reading, 3.3 s merging on 2 shared cores"
            + " (README, 'A tokenizer from your text').",
        ""
      },
      footer = {"", "Example: dpo tokenizer train --input corpus.txt --vocab-size 4096 --out tok/"})
  static final class Train implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--input",
        required = true,
        arity = "1..*",
        paramLabel = "FILE",
        description = "Text to learn from: .txt (one text per line) or dataset files.")
    List<Path> inputs;

    @Option(
        names = "--vocab-size",
        required = true,
        paramLabel = "N",
        description = "Vocabulary size, special tokens and the 256 bytes included.")
    int vocabSize;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description =
            "Folder for tokenizer.json and tokenizer_config.json (created if needed;"
                + " existing files of those names are replaced).")
    Path out;

    @Option(
        names = "--lowercase",
        description = "Lower-case text before learning and encoding (a Lowercase normalizer).")
    boolean lowercase;

    @Option(
        names = "--special",
        arity = "1..*",
        paramLabel = "TOKEN",
        description = "Further special tokens, after <|bos|>, <|eos|> and <|pad|>.")
    List<String> special = new ArrayList<>();

    @Option(
        names = "--model-max-length",
        paramLabel = "T",
        defaultValue = "1024",
        description =
            "model_max_length in tokenizer_config.json: the context of the models that"
                + " will use it (default: ${DEFAULT-VALUE}).")
    int modelMaxLength;

    @Option(
        names = "--max-line-chars",
        paramLabel = "C",
        defaultValue = "1048576",
        description =
            "Longest input line or row, in characters; a longer one is refused"
                + " (default: ${DEFAULT-VALUE}).")
    int maxLineChars = TextLines.DEFAULT_MAX_LINE_CHARS;

    @Override
    public Integer call() {
      if (modelMaxLength < 2) {
        throw new ParameterException(
            spec.commandLine(), "--model-max-length must be >= 2, got " + modelMaxLength);
      }
      if (maxLineChars < 1) {
        throw new ParameterException(
            spec.commandLine(), "--max-line-chars must be >= 1, got " + maxLineChars);
      }
      BpeTrainer trainer;
      try {
        trainer = new BpeTrainer(vocabSize, SpecialTokens.DEFAULT.with(special), lowercase);
      } catch (IllegalArgumentException e) {
        String option = e.getMessage().startsWith("the vocabulary") ? "--vocab-size" : "--special";
        throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
      }
      long started = System.nanoTime();
      long characters = 0;
      for (Path file : inputs) {
        characters += read(file, trainer);
      }
      long read = System.nanoTime();
      BpeTokenizer tokenizer = trainer.train();
      long trained = System.nanoTime();
      try (OutputFolder folder = OutputFolder.claim(out, "out")) {
        DurableFiles.writeAll(folder.path(), TokenizerFiles.contents(tokenizer, modelMaxLength));
      }
      PrintWriter w = spec.commandLine().getOut();
      w.printf(
          Locale.ROOT,
          "read %,d characters, %,d words (%,d distinct) in %.1f s; learnt %,d"
              + " merges in %.1f s%n",
          characters,
          trainer.words(),
          trainer.distinctWords(),
          (read - started) / 1e9,
          tokenizer.merges().size(),
          (trained - read) / 1e9);
      if (tokenizer.vocabularySize() < vocabSize) {
        w.printf(
            Locale.ROOT,
            "the text ran out of pairs to merge: the vocabulary has %,d tokens,"
                + " not %,d; give more text for a larger one%n",
            tokenizer.vocabularySize(),
            vocabSize);
      }
      w.printf(
          Locale.ROOT,
          "wrote %s and %s in %s (%,d tokens)%n",
          TokenizerFiles.TOKENIZER,
          TokenizerFiles.CONFIG,
          out,
          tokenizer.vocabularySize());
      w.flush();
      return 0;
    }

    /** Feeds a file's text to the trainer; returns its characters. */
    private long read(Path file, BpeTrainer trainer) {
      long[] chars = new long[1];
      TextExamples.read(
          file,
          maxLineChars,
          example -> {
            for (TextExample.Segment s : example.segments()) {
              trainer.add(s.text());
              chars[0] += s.text().length();
            }
          });
      return chars[0];
    }
  }
}
