package dpo.datasets.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dpo.api.BadDataException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.zip.GZIPInputStream;

/**
 * Opens a dataset file as a {@link RowSource}, choosing the container from the file itself:
 *
 * <ul>
 *   <li>Parquet when the name ends in {@code .parquet} or the file starts with {@code PAR1};
 *   <li>otherwise UTF-8 JSON, gzip-compressed when it starts with the gzip magic bytes (as {@code
 *       .gz} files do), and then, by its first character that is not white space: {@code [} a JSON
 *       array of rows, <code>&#123;</code> JSON lines, unless that first object is the <code>
 *       &#123;"type": ..., "instances": [rows]&#125;</code> wrapper RLHFlow's scripts write.
 * </ul>
 *
 * <p>The extension {@code .json} does not imply an array: Hugging Face writes JSON lines under that
 * name too.
 */
public final class RowSources {
  /** The default longest row, in characters: 16 Mi, far above any real prompt or response. */
  public static final long DEFAULT_MAX_ROW_CHARS = 16L * 1024 * 1024;

  private static final byte[] PARQUET_MAGIC = {'P', 'A', 'R', '1'};
  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;
  private static final int STREAM_BUFFER = 1 << 16;

  private enum Container {
    JSON_LINES,
    JSON_ARRAY,
    WRAPPED_ARRAY
  }

  private RowSources() {}

  /**
   * Opens a file with the default row limit.
   *
   * @param file a JSON-lines, JSON-array or Parquet file, possibly gzip-compressed if JSON
   * @return its rows
   * @throws BadDataException if the file cannot be read, is empty, or is not such a file
   */
  public static RowSource open(Path file) {
    return open(file, DEFAULT_MAX_ROW_CHARS);
  }

  /**
   * Opens a file.
   *
   * @param file a JSON-lines, JSON-array or Parquet file, possibly gzip-compressed if JSON
   * @param maxRowChars the longest row accepted, in characters; a longer row fails without being
   *     read whole
   * @return its rows
   * @throws BadDataException if the file cannot be read, is empty, or is not such a file
   */
  public static RowSource open(Path file, long maxRowChars) {
    if (maxRowChars < 1) {
      throw new IllegalArgumentException("maxRowChars must be >= 1, got " + maxRowChars);
    }
    if (Files.isDirectory(file)) {
      throw new BadDataException(
          file, 0, null, "is a directory, not a file; give the path of a dataset file");
    }
    byte[] head = head(file);
    if (isParquet(file, head)) {
      return openParquet(file);
    }
    boolean gzip =
        head.length >= 2 && (head[0] & 0xff) == GZIP_MAGIC_0 && (head[1] & 0xff) == GZIP_MAGIC_1;
    Container container = sniff(file, gzip, maxRowChars);
    Reader text = text(file, gzip);
    return switch (container) {
      case JSON_LINES -> new JsonlRowSource(file, text, maxRowChars);
      case JSON_ARRAY ->
          new JsonArrayRowSource(file, new RowLimitReader(text, maxRowChars), false, maxRowChars);
      case WRAPPED_ARRAY ->
          new JsonArrayRowSource(file, new RowLimitReader(text, maxRowChars), true, maxRowChars);
    };
  }

  /**
   * Parquet files are read by the {@code dpo-datasets-parquet} module, found through {@link
   * RowSourceProvider}, so that this module does without Parquet's Hadoop dependencies; without
   * that module the file is refused with the way out.
   */
  private static RowSource openParquet(Path file) {
    for (RowSourceProvider provider :
        ServiceLoader.load(RowSourceProvider.class, RowSourceProvider.class.getClassLoader())) {
      if (provider.format().equals("parquet")) {
        return provider.open(file);
      }
    }
    throw new BadDataException(
        file,
        0,
        null,
        "is a Parquet file, but this build of dpo cannot read Parquet: the dpo-datasets-parquet"
            + " module is not on the class path; add it (the dpo command line includes it), or"
            + " convert the file to JSON lines");
  }

  private static boolean isParquet(Path file, byte[] head) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    return name.toLowerCase(Locale.ROOT).endsWith(".parquet") || Arrays.equals(head, PARQUET_MAGIC);
  }

  private static byte[] head(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(PARQUET_MAGIC.length);
    } catch (IOException e) {
      throw ReadErrors.unreadable(file, e);
    }
  }

  private static Reader text(Path file, boolean gzip) {
    try {
      InputStream bytes = new BufferedInputStream(Files.newInputStream(file), STREAM_BUFFER);
      if (gzip) {
        try {
          bytes = new GZIPInputStream(bytes, STREAM_BUFFER);
        } catch (IOException e) {
          bytes.close();
          throw e;
        }
      }
      return new StrictUtf8Reader(bytes);
    } catch (IOException e) {
      throw ReadErrors.of(file, 0, null, DEFAULT_MAX_ROW_CHARS, e);
    }
  }

  /** Decides the container from the first character that is not white space. */
  private static Container sniff(Path file, boolean gzip, long maxRowChars) {
    long line = 1;
    int c;
    try (Reader in = text(file, gzip)) {
      while ((c = in.read()) == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (c == '\n') {
          line++;
        }
      }
    } catch (IOException e) {
      throw ReadErrors.of(file, line, null, maxRowChars, e);
    }
    if (c < 0) {
      throw new BadDataException(
          file,
          0,
          null,
          "the file is empty; a dataset needs at least one row, as one JSON object per line,"
              + " e.g. {\"prompt\": \"...\"}");
    }
    if (c == '[') {
      return Container.JSON_ARRAY;
    }
    if (c == '{') {
      return isWrapper(file, gzip, maxRowChars) ? Container.WRAPPED_ARRAY : Container.JSON_LINES;
    }
    throw new BadDataException(
        file,
        line,
        null,
        "the file starts with '"
            + Character.toString(c)
            + "', not with a JSON object or array; a dataset holds one JSON object per line or"
            + " a JSON array of objects (or is a .parquet file)");
  }

  /**
   * Whether the first JSON object has an {@code instances} array: RLHFlow's wrapper rather than the
   * first of many rows. Any failure means no; the JSON-lines reader then reports it properly.
   */
  private static boolean isWrapper(Path file, boolean gzip, long maxRowChars) {
    try (Reader in = new RowLimitReader(text(file, gzip), maxRowChars);
        JsonParser parser = JsonSupport.MAPPER.createParser(in)) {
      parser.nextToken();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        if (parser.nextToken() == JsonToken.START_ARRAY && "instances".equals(name)) {
          return true;
        }
        parser.skipChildren();
      }
      return false;
    } catch (IOException | BadDataException e) {
      return false;
    }
  }
}
