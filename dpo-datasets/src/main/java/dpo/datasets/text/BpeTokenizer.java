package dpo.datasets.text;

import dpo.api.lm.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A byte-level BPE tokenizer in pure Java, giving the ids the Hugging Face tokenizers library gives
 * for the same {@code tokenizer.json} (as {@link BpeTrainer} writes it; {@link TokenizerFiles}
 * reads and writes the files). Encoding: special tokens are cut out of the text first (leftmost,
 * longest first), the rest is optionally lower-cased, split into words by GPT-2's pattern, mapped
 * to the byte alphabet ({@link ByteLevel}), and each word's merges are applied lowest rank first,
 * leftmost first among equals. Immutable and thread-safe.
 */
public final class BpeTokenizer implements Tokenizer {
  private static final int CACHE_LIMIT = 50_000;

  private final List<String> tokens;
  private final Map<String, Integer> ids;
  private final List<String[]> merges;

  /** (left id, right id) -> rank in the high half, merged id in the low half. */
  private final Map<Long, Long> mergeOf;

  private final SpecialTokens specials;
  private final int[] specialIds;
  private final boolean lowercase;
  private final int[] byteIds = new int[256];
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * Builds a tokenizer.
   *
   * @param tokens the vocabulary, token i having id i: the special tokens first, then (at least)
   *     the 256 byte characters, then the merged tokens
   * @param merges the merges in rank order, each a pair of tokens of the vocabulary whose
   *     concatenation is also one
   * @param specials the special tokens, which must be the vocabulary's first tokens, in order
   * @param lowercase whether text is lower-cased before it is split
   * @throws IllegalArgumentException if the vocabulary and merges do not fit together
   */
  public BpeTokenizer(
      List<String> tokens, List<String[]> merges, SpecialTokens specials, boolean lowercase) {
    this.tokens = List.copyOf(tokens);
    this.merges = List.copyOf(merges);
    this.specials = specials;
    this.lowercase = lowercase;
    this.ids = new HashMap<>(tokens.size() * 2);
    for (int i = 0; i < tokens.size(); i++) {
      if (ids.put(tokens.get(i), i) != null) {
        throw new IllegalArgumentException("token " + tokens.get(i) + " appears twice");
      }
    }
    List<String> all = specials.all();
    specialIds = new int[all.size()];
    for (int i = 0; i < all.size(); i++) {
      Integer id = ids.get(all.get(i));
      if (id == null) {
        throw new IllegalArgumentException(
            "special token " + all.get(i) + " is not in the vocabulary");
      }
      specialIds[i] = id;
    }
    for (int b = 0; b < 256; b++) {
      Integer id = ids.get(String.valueOf(ByteLevel.charOf(b)));
      if (id == null) {
        throw new IllegalArgumentException(
            "the vocabulary lacks the byte character "
                + ByteLevel.charOf(b)
                + " (byte "
                + b
                + "); a byte-level vocabulary holds all 256");
      }
      byteIds[b] = id;
    }
    this.mergeOf = new HashMap<>(merges.size() * 2);
    for (int rank = 0; rank < merges.size(); rank++) {
      String[] m = merges.get(rank);
      Integer a = ids.get(m[0]);
      Integer b = ids.get(m[1]);
      Integer c = ids.get(m[0] + m[1]);
      if (a == null || b == null || c == null) {
        throw new IllegalArgumentException(
            "merge "
                + rank
                + " ("
                + m[0]
                + " "
                + m[1]
                + ") uses or makes a token that is not in"
                + " the vocabulary");
      }
      mergeOf.putIfAbsent(pair(a, b), ((long) rank << 32) | c);
    }
  }

  static long pair(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  /**
   * Lower-cases one code point at a time, as the tokenizers library's {@code Lowercase} normalizer
   * does (so without the context rules of {@link String#toLowerCase}, e.g. for a final sigma).
   */
  static String lowercase(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints()
        .forEach(cp -> sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)));
    return sb.toString();
  }

  @Override
  public int[] encode(String text) {
    IntList out = new IntList(text.length() / 3 + 4);
    List<String> all = specials.all();
    int from = 0;
    while (from < text.length()) {
      int at = -1;
      int which = -1;
      for (int i = 0; i < all.size(); i++) {
        int p = text.indexOf(all.get(i), from);
        if (p >= 0
            && (at < 0 || p < at || (p == at && all.get(i).length() > all.get(which).length()))) {
          at = p;
          which = i;
        }
      }
      int end = at < 0 ? text.length() : at;
      if (end > from) {
        encodeOrdinary(text.substring(from, end), out);
      }
      if (at < 0) {
        break;
      }
      out.add(specialIds[which]);
      from = at + all.get(which).length();
    }
    return out.toArray();
  }

  private void encodeOrdinary(String text, IntList out) {
    for (String word : ByteLevel.words(lowercase ? lowercase(text) : text)) {
      int[] ids = cache.get(word);
      if (ids == null) {
        ids = merge(ByteLevel.encode(word));
        if (cache.size() >= CACHE_LIMIT) {
          cache.clear();
        }
        cache.put(word, ids);
      }
      out.addAll(ids);
    }
  }

  /** Applies the merges to one word: lowest rank first, and the leftmost among equal ranks. */
  private int[] merge(String bytes) {
    int n = bytes.length();
    int[] sym = new int[n];
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      sym[i] = byteIds[ByteLevel.byteOf(bytes.charAt(i))];
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Queue entries: rank in the high half, position in the low half; a stale entry (its pair has
    // been merged away) is recognised by the pair's current rank.
    PriorityQueue<Long> queue = new PriorityQueue<>();
    for (int i = 0; i + 1 < n; i++) {
      offer(queue, sym, i, i + 1);
    }
    boolean[] gone = new boolean[n];
    int left = n;
    while (!queue.isEmpty()) {
      long top = queue.poll();
      int rank = (int) (top >>> 32);
      int pos = (int) top;
      if (gone[pos] || next[pos] < 0) {
        continue;
      }
      int right = next[pos];
      Long m = mergeOf.get(pair(sym[pos], sym[right]));
      if (m == null || (int) (m >>> 32) != rank) {
        continue;
      }
      sym[pos] = (int) (long) m;
      gone[right] = true;
      left--;
      next[pos] = next[right];
      if (next[pos] >= 0) {
        prev[next[pos]] = pos;
        offer(queue, sym, pos, next[pos]);
      }
      if (prev[pos] >= 0) {
        offer(queue, sym, prev[pos], pos);
      }
    }
    int[] result = new int[left];
    for (int i = 0, k = 0; i >= 0 && k < left; i = next[i]) {
      result[k++] = sym[i];
    }
    return result;
  }

  private void offer(PriorityQueue<Long> queue, int[] sym, int pos, int right) {
    Long m = mergeOf.get(pair(sym[pos], sym[right]));
    if (m != null) {
      queue.add((m & 0xffffffff00000000L) | pos);
    }
  }

  /**
   * The text of token ids: the bytes of the ordinary tokens, decoded as UTF-8 (an incomplete or
   * invalid sequence becomes U+FFFD); special tokens are left out.
   */
  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : ids) {
      if (id < 0 || id >= tokens.size()) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary (0.." + (tokens.size() - 1) + ")");
      }
      if (!isSpecial(id)) {
        ByteLevel.appendBytes(tokens.get(id), bytes);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private boolean isSpecial(int id) {
    for (int s : specialIds) {
      if (s == id) {
        return true;
      }
    }
    return false;
  }

  /**
   * The padding token (byte-level BPE has no unknown token).
   *
   * @return {padding}
   */
  @Override
  public int[] neverGenerated() {
    return padding() == endOfSequence() ? new int[0] : new int[] {padding()};
  }

  @Override
  public int vocabularySize() {
    return tokens.size();
  }

  @Override
  public int endOfSequence() {
    return specialIds[1];
  }

  /**
   * The beginning-of-sequence token, which starts every sequence the framework trains on.
   *
   * @return its id
   */
  @Override
  public int beginOfSequence() {
    return specialIds[0];
  }

  /**
   * The padding token, never a target of the loss.
   *
   * @return its id
   */
  @Override
  public int padding() {
    return specialIds[2];
  }

  /**
   * The special tokens.
   *
   * @return them
   */
  public SpecialTokens specials() {
    return specials;
  }

  /**
   * Whether text is lower-cased before it is split.
   *
   * @return true if so
   */
  public boolean lowercases() {
    return lowercase;
  }

  /**
   * The vocabulary, token i having id i.
   *
   * @return the tokens
   */
  public List<String> tokens() {
    return tokens;
  }

  /**
   * The merges in rank order.
   *
   * @return pairs of tokens
   */
  public List<String[]> merges() {
    return merges;
  }

  /**
   * The id of a token.
   *
   * @param token the token, in the byte alphabet or special
   * @return its id, or -1 if it is not in the vocabulary
   */
  public int id(String token) {
    return ids.getOrDefault(token, -1);
  }

  /** A growable list of ints. */
  static final class IntList {
    private int[] data;
    private int size;

    IntList(int capacity) {
      data = new int[Math.max(4, capacity)];
    }

    void add(int x) {
      if (size == data.length) {
        data = Arrays.copyOf(data, data.length * 2);
      }
      data[size++] = x;
    }

    void addAll(int[] xs) {
      if (size + xs.length > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, size + xs.length));
      }
      System.arraycopy(xs, 0, data, size, xs.length);
      size += xs.length;
    }

    int size() {
      return size;
    }

    int get(int i) {
      return data[i];
    }

    int[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }
}
