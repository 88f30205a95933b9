package dpo.backend.gpu.safetensors;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.io.DurableFiles;
import dpo.backend.gpu.JsonFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes safetensors files. Reading trusts nothing in the file: the header length,
 * dtypes, shapes and byte ranges are checked against the file's size before anything is allocated,
 * so a corrupt or hostile file fails with a {@link BadDataException}, never with an
 * OutOfMemoryError.
 */
public final class SafeTensors {
  /** Largest header accepted; real headers are kilobytes. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final String METADATA = "__metadata__";

  private SafeTensors() {}

  /**
   * Reads every tensor of a file as float32.
   *
   * @param file the safetensors file
   * @return tensors by name, in file order
   * @throws BadDataException if the file is malformed
   */
  public static Map<String, Tensor> read(Path file) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Entry e : header(file)) {
      tensors.put(e.name(), read(e));
    }
    return tensors;
  }

  /**
   * One tensor's place in a file, checked against the file's size.
   *
   * @param file the file
   * @param name the tensor's name
   * @param dtype its element type
   * @param shape its dimensions
   * @param elements the product of the dimensions
   * @param offset absolute byte offset of its data in the file
   * @param bytes length of its data
   */
  public record Entry(
      Path file, String name, DType dtype, long[] shape, long elements, long offset, long bytes) {}

  /**
   * The tensors a file holds, read from its header only: nothing of the data is allocated. Every
   * entry's dtype, shape and byte range are checked against the file's size.
   *
   * @param file the safetensors file
   * @return its tensors in data order
   * @throws BadDataException if the header is malformed
   */
  public static List<Entry> header(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw bad(
            file,
            null,
            "file has "
                + size
                + " bytes, too short for a safetensors header;"
                + " the file is truncated or not safetensors");
      }
      JsonObject header = headerObject(channel, file, size);
      long headerLength = headerLength(channel);
      long dataStart = 8 + headerLength;
      List<Entry> entries = new ArrayList<>();
      for (Raw e : entries(file, header, size - dataStart)) {
        entries.add(
            new Entry(
                file, e.name, e.dtype, e.shape, e.elements, dataStart + e.begin, e.end - e.begin));
      }
      return entries;
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
    }
  }

  /**
   * The string pairs of a file's {@code __metadata__} (empty if it has none).
   *
   * @param file the safetensors file
   * @return the pairs
   * @throws BadDataException if the header is malformed
   */
  public static Map<String, String> metadata(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw bad(file, null, "file has " + size + " bytes, too short for a safetensors header");
      }
      JsonObject header = headerObject(channel, file, size);
      Map<String, String> out = new LinkedHashMap<>();
      if (header.has(METADATA) && header.get(METADATA).isJsonObject()) {
        for (Map.Entry<String, JsonElement> e : header.getAsJsonObject(METADATA).entrySet()) {
          if (e.getValue().isJsonPrimitive()) {
            out.put(e.getKey(), e.getValue().getAsString());
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
    }
  }

  private static long headerLength(FileChannel channel) throws IOException {
    ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, lengthBytes, 0);
    return lengthBytes.flip().getLong();
  }

  /** The header's JSON object, its length checked against the file's size. */
  private static JsonObject headerObject(FileChannel channel, Path file, long size)
      throws IOException {
    long headerLength = headerLength(channel);
    if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
      throw bad(
          file,
          null,
          "header length "
              + Long.toUnsignedString(headerLength)
              + " is impossible for a file of "
              + size
              + " bytes (at most "
              + Math.min(size - 8, MAX_HEADER_BYTES)
              + "); the file is corrupt or truncated");
    }
    ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
    readFully(channel, headerBytes, 8);
    return parseHeader(file, headerBytes.array());
  }

  /**
   * Reads one tensor as float32, in chunks: memory beyond the result stays bounded whatever the
   * tensor's size.
   *
   * @param e an entry of {@link #header}
   * @return the tensor
   */
  public static Tensor read(Entry e) {
    float[] out = new float[(int) e.elements()];
    int width = e.dtype().bytes();
    int chunkElements = CHUNK_BYTES / width;
    try (FileChannel channel = FileChannel.open(e.file(), StandardOpenOption.READ)) {
      ByteBuffer raw =
          ByteBuffer.allocate((int) Math.min(e.bytes(), (long) chunkElements * width))
              .order(ByteOrder.LITTLE_ENDIAN);
      for (long done = 0; done < e.elements(); done += chunkElements) {
        int n = (int) Math.min(chunkElements, e.elements() - done);
        raw.clear().limit(n * width);
        readFully(channel, raw, e.offset() + done * width);
        raw.flip();
        toFloats(raw, e.dtype(), out, (int) done, n);
      }
    } catch (IOException ex) {
      throw new BadDataException(e.file(), 0, e.name(), "cannot read: " + ex.getMessage());
    }
    return new Tensor(e.shape(), out);
  }

  /** Bytes read at a time. */
  private static final int CHUNK_BYTES = 1 << 22;

  private static JsonObject parseHeader(Path file, byte[] bytes) {
    JsonElement json =
        JsonFiles.parse(
            file,
            new String(bytes, StandardCharsets.UTF_8),
            "the header",
            "the file is corrupt or not safetensors");
    if (!json.isJsonObject()) {
      throw bad(file, null, "the header is not a JSON object; the file is not safetensors");
    }
    return json.getAsJsonObject();
  }

  private record Raw(String name, DType dtype, long[] shape, long elements, long begin, long end) {}

  private static List<Raw> entries(Path file, JsonObject header, long dataSize) {
    List<Raw> entries = new ArrayList<>();
    for (Map.Entry<String, JsonElement> item : header.entrySet()) {
      String name = item.getKey();
      if (name.equals(METADATA)) {
        continue;
      }
      entries.add(entry(file, name, item.getValue(), dataSize));
    }
    // As the reference implementation has it: the byte ranges, in order, fill the data bytes
    // exactly, with no byte shared and none left over.
    entries.sort(Comparator.comparingLong(Raw::begin).thenComparingLong(Raw::end));
    long previousEnd = 0;
    for (Raw e : entries) {
      if (e.begin < previousEnd) {
        throw bad(
            file,
            e.name,
            range(e.begin, e.end) + " overlaps another tensor; the header is corrupt");
      }
      if (e.begin > previousEnd) {
        throw bad(
            file,
            e.name,
            range(e.begin, e.end)
                + " leaves bytes ["
                + previousEnd
                + ", "
                + e.begin
                + ") unused before it; the header is corrupt");
      }
      previousEnd = e.end;
    }
    if (previousEnd != dataSize) {
      throw entries.isEmpty()
          ? bad(
              file,
              null,
              dataSize
                  + " data bytes follow a header that names no tensor;"
                  + " the file is corrupt")
          : bad(
              file,
              entries.get(entries.size() - 1).name,
              (dataSize - previousEnd)
                  + " bytes follow the last tensor's data, which ends at byte "
                  + previousEnd
                  + " of the "
                  + dataSize
                  + " data bytes; the file is corrupt");
    }
    return entries;
  }

  private static Raw entry(Path file, String name, JsonElement value, long dataSize) {
    try {
      JsonObject o = value.getAsJsonObject();
      String dtypeName = o.get("dtype").getAsString();
      DType dtype =
          DType.of(dtypeName)
              .orElseThrow(
                  () ->
                      bad(
                          file,
                          name,
                          "unsupported dtype '"
                              + dtypeName
                              + "'; supported: F32, F16, BF16, F64 (convert the checkpoint to one of them)"));
      JsonArray shapeJson = o.getAsJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      long elements = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = integer(shapeJson.get(i));
        if (shape[i] < 0) {
          throw bad(file, name, "negative dimension " + shape[i] + " in the shape");
        }
        elements = Math.multiplyExact(elements, shape[i]);
      }
      JsonArray offsets = o.getAsJsonArray("data_offsets");
      if (offsets.size() != 2) {
        throw bad(file, name, "data_offsets must be [begin, end], got " + offsets);
      }
      long begin;
      long end;
      try {
        begin = integer(offsets.get(0));
        end = integer(offsets.get(1));
      } catch (NumberFormatException e) {
        throw bad(
            file,
            name,
            "data_offsets must be two whole numbers [begin, end], got "
                + offsets
                + "; the header is corrupt");
      }
      if (end < begin) {
        throw bad(file, name, range(begin, end) + " ends before it begins; the header is corrupt");
      }
      if (begin < 0 || end > dataSize) {
        throw bad(
            file,
            name,
            range(begin, end)
                + " lies outside the "
                + dataSize
                + " data bytes; the file is truncated or corrupt");
      }
      long bytes = Math.multiplyExact(elements, dtype.bytes());
      if (end - begin != bytes) {
        throw bad(
            file,
            name,
            "shape "
                + shapeJson
                + " of "
                + dtype
                + " needs "
                + bytes
                + " bytes, the byte range holds "
                + (end - begin));
      }
      if (elements > Integer.MAX_VALUE - 8) {
        throw bad(
            file,
            name,
            "tensor of "
                + elements
                + " elements (shape "
                + shapeJson
                + ") is past the 2^31 - 9 elements one array of this backend holds");
      }
      return new Raw(name, dtype, shape, elements, begin, end);
    } catch (ArithmeticException e) {
      throw bad(file, name, "shape overflows 64 bits; the header is corrupt");
    } catch (ClassCastException
        | IllegalStateException
        | NullPointerException
        | NumberFormatException
        | UnsupportedOperationException e) {
      throw bad(
          file,
          name,
          "expected {\"dtype\": ..., \"shape\": [...], \"data_offsets\":"
              + " [begin, end]}, got "
              + value);
    }
  }

  /**
   * A JSON number written as a whole number (no fraction, no exponent, no quotes), as the format's
   * offsets and dimensions are.
   *
   * @throws NumberFormatException for anything else, or one past 64 bits
   */
  private static long integer(JsonElement value) {
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      throw new NumberFormatException("not a number");
    }
    return Long.parseLong(value.getAsString());
  }

  private static void toFloats(ByteBuffer raw, DType dtype, float[] out, int at, int n) {
    switch (dtype) {
      case F32 -> raw.asFloatBuffer().get(out, at, n);
      case F64 -> {
        for (int i = 0; i < n; i++) {
          out[at + i] = (float) raw.getDouble();
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[at + i] = halfToFloat(raw.getShort());
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[at + i] = Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
        }
      }
    }
  }

  /** IEEE binary16 to float32 (Float.float16ToFloat arrived after Java 17). */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13)); // inf or NaN
    }
    if (exponent == 0) {
      float value = mantissa * 0x1p-24f; // zero or subnormal
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /**
   * Writes float32 tensors atomically: a temp file beside the target, then a rename.
   *
   * @param file target file, replaced if present
   * @param tensors tensors by name, written in this order
   * @param metadata string pairs for the header's {@code __metadata__}
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    write(file, tensors, metadata, DType.F32);
  }

  /**
   * Writes tensors atomically in float32 or bfloat16: a temp file beside the target, then a rename.
   * bfloat16 rounds each value to nearest, ties to even (as PyTorch converts), so a value differs
   * from its float32 by at most half a unit in the 8th significant bit.
   *
   * @param file target file, replaced if present
   * @param tensors tensors by name, written in this order
   * @param metadata string pairs for the header's {@code __metadata__}, written in key order
   * @param dtype {@link DType#F32} or {@link DType#BF16}
   * @throws IllegalArgumentException for another dtype
   */
  public static void write(
      Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype) {
    if (dtype != DType.F32 && dtype != DType.BF16) {
      throw new IllegalArgumentException("can write F32 or BF16 tensors, not " + dtype);
    }
    int width = dtype.bytes();
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      // In key order: a Map.of iterates in an order that changes from one JVM to the next, and
      // the same tensors must give the same bytes (checkpoint hashes are provenance).
      new TreeMap<>(metadata).forEach(meta::addProperty);
      header.add(METADATA, meta);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      JsonObject o = new JsonObject();
      o.addProperty("dtype", dtype.name());
      JsonArray shape = new JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      o.add("shape", shape);
      JsonArray offsets = new JsonArray();
      long bytes = (long) width * e.getValue().data().length;
      offsets.add(offset);
      offsets.add(offset + bytes);
      o.add("data_offsets", offsets);
      header.add(e.getKey(), o);
      offset += bytes;
    }
    StringBuilder json = new StringBuilder(new Gson().toJson(header));
    while ((json.length() + 8) % 8 != 0) {
      json.append(' '); // the format pads the header with spaces to 8-byte alignment
    }
    byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
    DurableFiles.write(
        file,
        out -> {
          ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          out.write(length.putLong(headerBytes.length).array());
          out.write(headerBytes);
          int chunk = CHUNK_BYTES / width;
          ByteBuffer data = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
          for (Tensor t : tensors.values()) {
            float[] values = t.data();
            for (int from = 0; from < values.length; from += chunk) {
              int to = Math.min(values.length, from + chunk);
              data.clear();
              for (int i = from; i < to; i++) {
                if (dtype == DType.F32) {
                  data.putFloat(values[i]);
                } else {
                  data.putShort(toBfloat16(values[i]));
                }
              }
              out.write(data.array(), 0, data.position());
            }
          }
        });
  }

  /**
   * float32 to bfloat16, rounding to nearest with ties to even; NaN stays a (quiet) NaN and values
   * past bfloat16's largest finite one become infinite, as in PyTorch.
   *
   * @param value the float
   * @return the bfloat16 bits
   */
  public static short toBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + at);
      }
      at += n;
    }
  }

  private static BadDataException bad(Path file, String tensor, String problem) {
    return new BadDataException(file, 0, tensor, problem);
  }

  /** A tensor's bytes as messages name them: {@code byte range [begin, end)}. */
  private static String range(long begin, long end) {
    return "byte range [" + begin + ", " + end + ")";
  }
}
