package dpo.datasets.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns a byte-level BPE vocabulary from text (GPT-2's scheme; see {@link ByteLevel}).
 *
 * <p>Feed it text with {@link #add(String)}; the texts are split into words at once and only the
 * distinct words and their counts are kept. {@link #train()} then starts from the special tokens
 * (ids 0, 1, 2, ...) and the 256 byte characters (in byte order) and repeatedly merges the most
 * frequent adjacent pair of tokens inside words, until the vocabulary has the requested size or no
 * pair occurs any more. <b>Ties</b> between pairs of equal count go to the pair whose left token
 * has the smaller id, then whose right token has the smaller id; as ids are given in order of
 * creation, the result depends on the text alone, never on hashing or threads.
 *
 * <p>Pair counts live in a map with a max-heap over them; a merge updates only the words that
 * contain the merged pair (found through an index from pair to words) and pushes the pairs whose
 * counts changed, leaving stale heap entries to be skipped when they surface. The work per merge is
 * proportional to the occurrences of the pair, not to the corpus.
 */
public final class BpeTrainer {
  private final int vocabularySize;
  private final SpecialTokens specials;
  private final boolean lowercase;
  private final Map<String, long[]> wordCounts = new HashMap<>();
  private long words;

  /**
   * Creates a trainer.
   *
   * @param vocabularySize the size of the vocabulary to learn, special tokens and the 256 byte
   *     characters included
   * @param specials the special tokens
   * @param lowercase whether to lower-case text first
   * @throws IllegalArgumentException if the size cannot hold the special tokens and the bytes
   */
  public BpeTrainer(int vocabularySize, SpecialTokens specials, boolean lowercase) {
    int least = specials.all().size() + 256;
    if (vocabularySize < least) {
      throw new IllegalArgumentException(
          "the vocabulary size must be at least "
              + least
              + " ("
              + specials.all().size()
              + " special tokens + 256 bytes), got "
              + vocabularySize);
    }
    this.vocabularySize = vocabularySize;
    this.specials = specials;
    this.lowercase = lowercase;
  }

  /**
   * Adds a text (a line or a document). Special tokens in it are cut out, as when encoding.
   *
   * @param text the text
   */
  public void add(String text) {
    int from = 0;
    List<String> all = specials.all();
    while (from < text.length()) {
      int at = -1;
      int length = 0;
      for (String s : all) {
        int p = text.indexOf(s, from);
        if (p >= 0 && (at < 0 || p < at || (p == at && s.length() > length))) {
          at = p;
          length = s.length();
        }
      }
      int end = at < 0 ? text.length() : at;
      String piece = text.substring(from, end);
      for (String word : ByteLevel.words(lowercase ? BpeTokenizer.lowercase(piece) : piece)) {
        wordCounts.computeIfAbsent(ByteLevel.encode(word), w -> new long[1])[0]++;
        words++;
      }
      if (at < 0) {
        break;
      }
      from = at + length;
    }
  }

  /**
   * How many words were added, repeats included.
   *
   * @return the count
   */
  public long words() {
    return words;
  }

  /**
   * How many distinct words were added.
   *
   * @return the count
   */
  public int distinctWords() {
    return wordCounts.size();
  }

  /**
   * Learns the merges.
   *
   * @return the tokenizer; its vocabulary is smaller than requested only if the text ran out of
   *     pairs
   */
  public BpeTokenizer train() {
    List<String> tokens = new ArrayList<>(specials.all());
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      ids.put(tokens.get(i), i);
    }
    int[] byteIds = new int[256];
    for (int b = 0; b < 256; b++) {
      String c = String.valueOf(ByteLevel.charOf(b));
      byteIds[b] =
          ids.computeIfAbsent(
              c,
              k -> {
                tokens.add(k);
                return tokens.size() - 1;
              });
    }

    // Distinct words in a fixed order (sorted), so that nothing depends on hash order.
    String[] keys = wordCounts.keySet().toArray(new String[0]);
    Arrays.sort(keys);
    int[][] symbols = new int[keys.length][];
    long[] counts = new long[keys.length];
    for (int w = 0; w < keys.length; w++) {
      String k = keys[w];
      symbols[w] = new int[k.length()];
      for (int i = 0; i < k.length(); i++) {
        symbols[w][i] = byteIds[ByteLevel.byteOf(k.charAt(i))];
      }
      counts[w] = wordCounts.get(k)[0];
    }

    Map<Long, Long> pairCounts = new HashMap<>();
    Map<Long, BpeTokenizer.IntList> where = new HashMap<>();
    for (int w = 0; w < symbols.length; w++) {
      int[] s = symbols[w];
      for (int i = 0; i + 1 < s.length; i++) {
        long p = BpeTokenizer.pair(s[i], s[i + 1]);
        pairCounts.merge(p, counts[w], Long::sum);
        where.computeIfAbsent(p, k -> new BpeTokenizer.IntList(4)).add(w);
      }
    }
    PriorityQueue<long[]> heap = new PriorityQueue<>(BpeTrainer::byCountThenIds);
    pairCounts.forEach((p, c) -> heap.add(new long[] {c, p}));

    List<String[]> merges = new ArrayList<>();
    int[] visited = new int[symbols.length];
    Arrays.fill(visited, -1);
    Map<Long, Long> delta = new HashMap<>();
    while (tokens.size() < vocabularySize && !heap.isEmpty()) {
      long[] top = heap.poll();
      long p = top[1];
      Long current = pairCounts.get(p);
      if (current == null || current != top[0]) {
        continue; // stale: the count changed after this entry was pushed
      }
      int a = (int) (p >>> 32);
      int b = (int) p;
      String merged = tokens.get(a) + tokens.get(b);
      Integer existing = ids.get(merged);
      int c;
      if (existing != null) {
        c = existing;
      } else {
        c = tokens.size();
        tokens.add(merged);
        ids.put(merged, c);
      }
      merges.add(new String[] {tokens.get(a), tokens.get(b)});

      int step = merges.size();
      delta.clear();
      BpeTokenizer.IntList hits = where.remove(p);
      for (int h = 0; h < hits.size(); h++) {
        int w = hits.get(h);
        if (visited[w] == step) {
          continue;
        }
        visited[w] = step;
        int[] s = symbols[w];
        int[] t = replace(s, a, b, c);
        if (t == s) {
          continue; // the word lost the pair to an earlier merge
        }
        long f = counts[w];
        for (int i = 0; i + 1 < s.length; i++) {
          delta.merge(BpeTokenizer.pair(s[i], s[i + 1]), -f, Long::sum);
        }
        for (int i = 0; i + 1 < t.length; i++) {
          long q = BpeTokenizer.pair(t[i], t[i + 1]);
          delta.merge(q, f, Long::sum);
          if (t[i] == c || t[i + 1] == c) {
            where.computeIfAbsent(q, k -> new BpeTokenizer.IntList(4)).add(w);
          }
        }
        symbols[w] = t;
      }
      // Apply the changes in a fixed order so that the heap's contents do not depend on hashing.
      long[] changed = delta.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
      for (long q : changed) {
        long d = delta.get(q);
        if (d == 0) {
          continue;
        }
        long n = pairCounts.getOrDefault(q, 0L) + d;
        if (n <= 0) {
          pairCounts.remove(q);
        } else {
          pairCounts.put(q, n);
          heap.add(new long[] {n, q});
        }
      }
      pairCounts.remove(p);
    }
    return new BpeTokenizer(tokens, merges, specials, lowercase);
  }

  /** Higher count first; among equal counts the smaller left id, then the smaller right id. */
  private static int byCountThenIds(long[] x, long[] y) {
    int byCount = Long.compare(y[0], x[0]);
    return byCount != 0 ? byCount : Long.compare(x[1], y[1]);
  }

  /** The word with every non-overlapping (a, b), left to right, replaced by c; s if none. */
  private static int[] replace(int[] s, int a, int b, int c) {
    int[] t = null;
    int k = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
        if (t == null) {
          t = Arrays.copyOf(s, s.length);
          k = i;
        }
        t[k++] = c;
        i++;
      } else if (t != null) {
        t[k++] = s[i];
      }
    }
    return t == null ? s : Arrays.copyOf(t, k);
  }
}
