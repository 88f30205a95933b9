package dpo.datasets.lm;

import dpo.api.BadDataException;
import dpo.api.data.HeldOut;
import dpo.api.lm.Tokenizer;
import dpo.datasets.format.TextExample;
import dpo.datasets.format.TextExamples;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token blocks a language model trains on, made from text files ({@link TextExamples}): each
 * example becomes {@code bos, tokens..., eos} with a target mask, the examples are split into a
 * training and a held-out set, and each set is laid out in blocks of the context length.
 *
 * <p><b>Targets.</b> {@code targets[i]} says whether token {@code i} is a target of the loss, i.e.
 * predicted from the tokens before it. The beginning-of-sequence token never is; plain text is
 * trained on whole, up to and including its end-of-sequence token; a prompt is context only and its
 * completion is trained on (TRL's completion-only loss); padding never is.
 *
 * <p><b>Layout.</b> {@link Layout#PACK} (for pretraining) concatenates the sequences, in file
 * order, into one stream and cuts it into blocks of exactly the context length, as GPT-2 was
 * trained and as TRL's "wrapped" packing does: a sequence may continue into the next block, and
 * attention crosses sequence boundaries within a block; the first token of a block has no context
 * and is not a target; only the last block is padded. {@link Layout#PAD} (for fine-tuning) puts
 * each sequence in its own block, cut to the context length (its start kept, as TRL's SFT does) and
 * padded on the right; a sequence with no target left after the cut is dropped and counted.
 *
 * <p><b>Held-out split.</b> A fraction of the examples (rounded, at least one when the fraction is
 * above zero), drawn with the seed, before tokens are laid out, so no example is in both sets. Both
 * sets keep file order.
 */
public final class LmData {
  /** How sequences are laid out in blocks. */
  public enum Layout {
    /** Concatenated and cut into full blocks. */
    PACK,
    /** One sequence per block, cut and padded. */
    PAD
  }

  /**
   * What to make.
   *
   * @param context the block length in tokens, >= 2
   * @param layout packing or padding
   * @param evalFraction the held-out fraction of the examples, in [0, 1)
   * @param seed the seed of the split
   * @param maxChars the longest {@code .txt} line or dataset row accepted, in characters
   */
  public record Config(int context, Layout layout, double evalFraction, long seed, int maxChars) {
    /** Validates the configuration. */
    public Config {
      if (context < 2) {
        throw new IllegalArgumentException("context must be >= 2 tokens, got " + context);
      }
      if (!(evalFraction >= 0 && evalFraction < 1)) {
        throw new IllegalArgumentException(
            "the eval fraction must be in [0, 1), got " + evalFraction);
      }
      if (maxChars < 1) {
        throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
      }
      java.util.Objects.requireNonNull(layout, "layout");
    }
  }

  /**
   * The special token ids sequences are built with.
   *
   * @param bos beginning of sequence
   * @param eos end of sequence
   * @param pad padding
   */
  public record SpecialIds(int bos, int eos, int pad) {
    /**
     * A tokenizer's bos, eos and pad; a tokenizer without bos or pad uses its eos for them.
     *
     * @param tokenizer the tokenizer
     * @return its special ids
     */
    public static SpecialIds of(Tokenizer tokenizer) {
      int eos = tokenizer.endOfSequence();
      int bos = tokenizer.beginOfSequence();
      int pad = tokenizer.padding();
      return new SpecialIds(bos >= 0 ? bos : eos, eos, pad >= 0 ? pad : eos);
    }
  }

  /**
   * One example as tokens.
   *
   * @param tokens {@code bos, ..., eos}
   * @param targets whether each token is a target of the loss
   * @param source where the example comes from
   */
  public record Sequence(int[] tokens, boolean[] targets, String source) {}

  /**
   * Blocks of equal length.
   *
   * @param tokens the token ids, one row per block
   * @param targets the loss mask, same shape
   */
  public record Blocks(int[][] tokens, boolean[][] targets) {
    /**
     * The number of blocks.
     *
     * @return the count
     */
    public int size() {
      return tokens.length;
    }

    /**
     * The number of target tokens in all blocks.
     *
     * @return the count
     */
    public long targetCount() {
      long n = 0;
      for (boolean[] row : targets) {
        for (boolean t : row) {
          n += t ? 1 : 0;
        }
      }
      return n;
    }
  }

  /**
   * The training and held-out blocks, with counts for the report.
   *
   * @param train the training blocks
   * @param eval the held-out blocks (empty when the fraction is 0)
   * @param examples the examples read
   * @param evalExamples how many of them are held out
   * @param truncated the sequences cut to the context length (padding only)
   * @param dropped the sequences dropped for having no target within the context (padding only)
   */
  public record Data(
      Blocks train, Blocks eval, int examples, int evalExamples, int truncated, int dropped) {}

  private LmData() {}

  /**
   * Reads files and lays out their tokens.
   *
   * @param files {@code .txt} or dataset files (see {@link TextExamples})
   * @param tokenizer the tokenizer
   * @param specials its special token ids
   * @param config what to make
   * @return the blocks
   * @throws BadDataException if a file is malformed or too few examples are read
   */
  public static Data read(
      List<Path> files, Tokenizer tokenizer, SpecialIds specials, Config config) {
    List<Sequence> sequences = new ArrayList<>();
    for (Path file : files) {
      TextExamples.read(
          file, config.maxChars(), e -> sequences.add(sequence(e, tokenizer, specials)));
    }
    int n = sequences.size();
    int held =
        config.evalFraction() == 0 ? 0 : Math.max(1, (int) Math.round(config.evalFraction() * n));
    if (held >= n) {
      throw new BadDataException(
          files.get(0),
          0,
          null,
          "only "
              + n
              + " example(s) in "
              + files
              + ", too few to hold out a fraction of "
              + config.evalFraction()
              + " and train"
              + " on the rest; give more text or a smaller eval fraction (0 holds out nothing)");
    }
    boolean[] isEval = HeldOut.draw(n, held, config.seed());
    List<Sequence> train = new ArrayList<>(n - held);
    List<Sequence> eval = new ArrayList<>(held);
    for (int i = 0; i < n; i++) {
      (isEval[i] ? eval : train).add(sequences.get(i));
    }
    int[] counts = new int[2];
    Blocks trainBlocks = layout(train, specials.pad(), config, counts);
    Blocks evalBlocks = layout(eval, specials.pad(), config, counts);
    return new Data(trainBlocks, evalBlocks, n, held, counts[0], counts[1]);
  }

  /**
   * The tokens and targets of one example: {@code bos}, then each segment's tokens (and the
   * end-of-sequence token after the segments that end a turn).
   *
   * @param example the example
   * @param tokenizer the tokenizer
   * @param specials its special token ids
   * @return the sequence
   */
  public static Sequence sequence(TextExample example, Tokenizer tokenizer, SpecialIds specials) {
    int[] tokens = new int[16];
    boolean[] targets = new boolean[16];
    int size = 0;
    tokens[size++] = specials.bos();
    for (TextExample.Segment s : example.segments()) {
      int[] ids = tokenizer.encode(s.text());
      int need = size + ids.length + 1;
      if (need > tokens.length) {
        tokens = Arrays.copyOf(tokens, Math.max(need, tokens.length * 2));
        targets = Arrays.copyOf(targets, tokens.length);
      }
      for (int id : ids) {
        targets[size] = s.trained();
        tokens[size++] = id;
      }
      if (s.endOfSequence()) {
        targets[size] = s.trained();
        tokens[size++] = specials.eos();
      }
    }
    return new Sequence(
        Arrays.copyOf(tokens, size), Arrays.copyOf(targets, size), example.source());
  }

  private static Blocks layout(List<Sequence> sequences, int pad, Config config, int[] counts) {
    return config.layout() == Layout.PACK
        ? pack(sequences, pad, config.context())
        : pad(sequences, pad, config.context(), counts);
  }

  static Blocks pack(List<Sequence> sequences, int pad, int context) {
    long total = 0;
    for (Sequence s : sequences) {
      total += s.tokens().length;
    }
    int blocks = Math.toIntExact((total + context - 1) / context);
    int[][] tokens = new int[blocks][context];
    boolean[][] targets = new boolean[blocks][context];
    long at = 0;
    for (Sequence s : sequences) {
      for (int i = 0; i < s.tokens().length; i++, at++) {
        int b = (int) (at / context);
        int j = (int) (at % context);
        tokens[b][j] = s.tokens()[i];
        targets[b][j] = s.targets()[i] && j > 0;
      }
    }
    for (; at < (long) blocks * context; at++) {
      tokens[(int) (at / context)][(int) (at % context)] = pad;
    }
    return new Blocks(tokens, targets);
  }

  static Blocks pad(List<Sequence> sequences, int pad, int context, int[] counts) {
    List<int[]> tokens = new ArrayList<>();
    List<boolean[]> targets = new ArrayList<>();
    for (Sequence s : sequences) {
      int length = Math.min(context, s.tokens().length);
      if (length < s.tokens().length) {
        counts[0]++;
      }
      boolean any = false;
      for (int i = 0; i < length; i++) {
        any |= s.targets()[i];
      }
      if (!any) {
        counts[1]++;
        continue;
      }
      int[] t = Arrays.copyOf(s.tokens(), context);
      Arrays.fill(t, length, context, pad);
      tokens.add(t);
      targets.add(Arrays.copyOf(Arrays.copyOf(s.targets(), length), context));
    }
    return new Blocks(tokens.toArray(new int[0][]), targets.toArray(new boolean[0][]));
  }
}
