package dpo.datasets.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme, as the Hugging Face tokenizers library implements it ({@code
 * ByteLevel} pre-tokenizer and decoder): text is split into words by GPT-2's regular expression,
 * each word's UTF-8 bytes are mapped one to one onto printable characters, and BPE works on those
 * characters. Every byte has a character, so no text is ever unknown.
 */
public final class ByteLevel {
  /**
   * GPT-2's pre-tokenisation pattern: English contractions, letters with an optional leading space,
   * digits with one, other symbols with one, then white space (a run before a non-space keeps its
   * last space for the next word). Java's {@code \s} is made Unicode's White_Space, as in the
   * Oniguruma engine the tokenizers library uses.
   */
  static final Pattern WORDS =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    // Printable Latin-1 bytes stand for themselves; the others (controls, space, 127-160, the soft
    // hyphen) take the characters from U+0100 on, in byte order.
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      char c = (char) (printable ? b : next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /**
   * The character that stands for a byte.
   *
   * @param b the byte, 0 to 255
   * @return its character
   */
  public static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xff];
  }

  /**
   * The byte a character stands for.
   *
   * @param c a character of the byte alphabet
   * @return the byte, or -1 if the character stands for none
   */
  public static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /**
   * The words of a text, as GPT-2's pattern splits it.
   *
   * @param text the text
   * @return its words, in order; their concatenation is the text
   */
  public static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    Matcher m = WORDS.matcher(text);
    int end = 0;
    while (m.find()) {
      if (m.start() > end) {
        words.add(text.substring(end, m.start())); // unreachable for well-formed text; kept whole
      }
      words.add(m.group());
      end = m.end();
    }
    if (end < text.length()) {
      words.add(text.substring(end));
    }
    return words;
  }

  /**
   * A word in the byte alphabet: one character per UTF-8 byte.
   *
   * @param word the word
   * @return its byte-level form
   */
  public static String encode(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    char[] chars = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      chars[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
    }
    return new String(chars);
  }

  /**
   * Appends the bytes a byte-level token stands for.
   *
   * @param token a token of the byte alphabet
   * @param out where the bytes go
   * @return false if the token has a character outside the byte alphabet
   */
  static boolean appendBytes(String token, java.io.ByteArrayOutputStream out) {
    for (int i = 0; i < token.length(); i++) {
      int b = byteOf(token.charAt(i));
      if (b < 0) {
        return false;
      }
      out.write(b);
    }
    return true;
  }
}
