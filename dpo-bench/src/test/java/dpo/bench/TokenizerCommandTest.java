package dpo.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.backend.gpu.text.HfTokenizer;
import dpo.datasets.text.BpeTokenizer;
import dpo.datasets.text.TokenizerFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code dpo tokenizer train} and checks the tokenizer it writes against the Hugging Face
 * tokenizers library (through DJL's binding, offline): the same ids on every line of a varied
 * corpus, and on text it never saw.
 */
class TokenizerCommandTest {
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

  private static final String[] PIECES = {
    "the",
    "The",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "it's",
    "we'll",
    "they're",
    "I'm",
    "you've",
    "she'd",
    "DON'T",
    "naïve",
    "café",
    "Straße",
    "ÉCOLE",
    "Ωμέγα",
    "ΣΟΦΊΑ",
    "λόγος",
    "日本語",
    "中文字",
    "한국어",
    "привет",
    "мир",
    "مرحبا",
    "שלום",
    "😀",
    "🚀🚀",
    "👩‍💻",
    "123",
    "4567",
    "3.14",
    "1,000",
    "٣٤",
    "½",
    "Ⅻ",
    "x²",
    "!!!",
    "?!",
    "...",
    "—",
    "–",
    "(",
    ")",
    "[x]",
    "{y}",
    "<a>",
    "#tag",
    "@user",
    "$5",
    "100%",
    "a+b=c",
    "e-mail",
    "\"quoted\"",
    "'single'",
    "``",
    "~~",
    "\\",
    "/",
    "ﬁ",
    "ǅ",
    "\u00a0",
    "\u3000",
    "\u2009",
    "\t",
    "  ",
    "   "
  };

  /** A deterministic corpus of varied lines. */
  private static List<String> corpus(long seed, int lines) {
    SplittableRandom random = new SplittableRandom(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      StringBuilder sb = new StringBuilder();
      int words = 1 + random.nextInt(25);
      for (int w = 0; w < words; w++) {
        int r = random.nextInt(10);
        String sep = r < 7 ? " " : r == 7 ? "" : r == 8 ? "  " : "\t ";
        sb.append(w == 0 ? "" : sep).append(PIECES[random.nextInt(PIECES.length)]);
      }
      if (random.nextInt(5) == 0) {
        sb.append(random.nextInt(100000));
      }
      if (random.nextInt(7) == 0) {
        sb.append("   ");
      }
      out.add(sb.toString());
    }
    return out;
  }

  private Path train(String name, List<String> lines, String... extra) throws IOException {
    Path corpus = dir.resolve(name + ".txt");
    Files.write(corpus, lines, UTF_8);
    Path out = dir.resolve(name);
    List<String> args =
        new ArrayList<>(
            List.of(
                "tokenizer",
                "train",
                "--input",
                corpus.toString(),
                "--vocab-size",
                "600",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    Result r = dpo(args.toArray(new String[0]));
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.out().contains("wrote tokenizer.json and tokenizer_config.json"), r.toString());
    return out;
  }

  @Test
  void idsEqualThoseOfTheHuggingFaceTokenizersLibrary() throws IOException {
    List<String> lines = corpus(1, 4000);
    Path out = train("tok", lines);
    // A checkpoint names its end-of-sequence token in config.json, which HfTokenizer reads.
    Files.writeString(out.resolve("config.json"), "{\"eos_token_id\": 1}");
    BpeTokenizer ours = TokenizerFiles.load(out);
    HfTokenizer theirs = HfTokenizer.load(out);
    assertEquals(600, ours.vocabularySize());
    assertEquals(600 - 3 - 256, ours.merges().size());
    assertEquals(ours.vocabularySize(), theirs.vocabularySize());
    List<String> texts = new ArrayList<>(lines);
    texts.addAll(corpus(2, 2000)); // text the tokenizer never saw
    texts.add("multi\nline\r\ntext\n\n  with\u2028separators\u0085");
    texts.add("specials <|eos|> inside<|bos|>text<|pad|>");
    texts.add("");
    long tokens = 0;
    for (String text : texts) {
      int[] a = ours.encode(text);
      assertArrayEquals(theirs.encode(text), a, () -> "ids differ for " + text);
      tokens += a.length;
      if (!text.contains("<|")) {
        assertEquals(text, ours.decode(a));
      }
    }
    assertTrue(tokens > 50_000, "the corpus exercises many tokens: " + tokens);
  }

  @Test
  void lowercasingMatchesTooAndTheOutputIsDeterministic() throws IOException {
    List<String> lines = corpus(3, 1500);
    Path a = train("a", lines, "--lowercase", "--special", "<|user|>");
    Path b = train("b", lines, "--lowercase", "--special", "<|user|>");
    assertArrayEquals(
        Files.readAllBytes(a.resolve("tokenizer.json")),
        Files.readAllBytes(b.resolve("tokenizer.json")));
    Files.writeString(a.resolve("config.json"), "{\"eos_token_id\": 1}");
    BpeTokenizer ours = TokenizerFiles.load(a);
    HfTokenizer theirs = HfTokenizer.load(a);
    assertEquals(3, ours.id("<|user|>"));
    for (String text : corpus(4, 500)) {
      assertArrayEquals(theirs.encode(text), ours.encode(text), () -> "ids differ for " + text);
    }
  }

  @Test
  void aTooLongLineIsRefusedWithTheLimitAndTheLine() throws IOException {
    Path corpus = dir.resolve("long.txt");
    Files.writeString(corpus, "short\n" + "x".repeat(5000) + "\n", UTF_8);
    Result r =
        dpo(
            "tokenizer",
            "train",
            "--input",
            corpus.toString(),
            "--vocab-size",
            "300",
            "--out",
            dir.resolve("t").toString(),
            "--max-line-chars",
            "1000");
    assertEquals(2, r.exitCode(), r.toString());
    assertEquals(
        "dpo tokenizer train: --input: "
            + corpus
            + ":2: the line is longer than 1000 characters,"
            + " the limit; break the text into lines (paragraphs), or raise the limit with"
            + " --max-line-chars\n",
        r.err());
    assertTrue(Files.notExists(dir.resolve("t")));
  }

  @Test
  void aVocabularyTooSmallForTheBytesNamesTheOption() throws IOException {
    Path corpus = dir.resolve("c.txt");
    Files.writeString(corpus, "hello\n", UTF_8);
    Result r =
        dpo(
            "tokenizer",
            "train",
            "--input",
            corpus.toString(),
            "--vocab-size",
            "100",
            "--out",
            dir.resolve("t").toString());
    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(
        r.err()
            .contains(
                "--vocab-size: the vocabulary size must be at least 259"
                    + " (3 special tokens + 256 bytes), got 100"),
        r.toString());
  }
}
