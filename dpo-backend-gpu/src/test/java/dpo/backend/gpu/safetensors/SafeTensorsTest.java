package dpo.backend.gpu.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  /** A file with the given header JSON and data bytes, as the format lays them out. */
  Path file(String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Path f = dir.resolve("t.safetensors");
    Files.write(f, b.array());
    return f;
  }

  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  String failure(Path f) {
    return assertThrows(BadDataException.class, () -> SafeTensors.read(f)).getMessage();
  }

  @Test
  void roundTripKeepsNamesShapesValuesAndOrder() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("b", new Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
    tensors.put("a", new Tensor(new long[] {1}, new float[] {Float.MIN_VALUE}));
    tensors.put("scalar", new Tensor(new long[] {}, new float[] {7}));
    Path f = dir.resolve("m.safetensors");
    SafeTensors.write(f, tensors, Map.of("format", "pt"));
    Map<String, Tensor> back = SafeTensors.read(f);
    assertEquals(tensors, back);
    assertEquals(java.util.List.copyOf(tensors.keySet()), java.util.List.copyOf(back.keySet()));
  }

  /**
   * The same tensors and metadata give the same bytes whatever order the metadata map iterates in
   * (a Map.of's order changes from one JVM to the next): the metadata is written in key order.
   */
  @Test
  void metadataIsWrittenInKeyOrderSoTheBytesNeverDependOnTheMapsOrder() throws IOException {
    Map<String, Tensor> tensors = Map.of("w", new Tensor(new long[] {2}, new float[] {1, 2}));
    Map<String, String> forward = new LinkedHashMap<>();
    forward.put("format", "pt");
    forward.put("written_by", "dpo");
    Map<String, String> backward = new LinkedHashMap<>();
    backward.put("written_by", "dpo");
    backward.put("format", "pt");
    Path one = dir.resolve("one.safetensors");
    Path other = dir.resolve("other.safetensors");
    SafeTensors.write(one, tensors, forward);
    SafeTensors.write(other, tensors, backward);
    assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(other));
    assertEquals(forward, SafeTensors.metadata(other));
  }

  @Test
  void halfPrecisionAndDoublesConvert() throws IOException {
    ByteBuffer f16 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    f16.putShort((short) 0x3c00)
        .putShort((short) 0xc000)
        .putShort((short) 0x0001)
        .putShort((short) 0x7c00); // 1, -2, smallest subnormal, +inf
    ByteBuffer bf16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    bf16.putShort((short) 0x3f80).putShort((short) 0x4049); // 1, 3.140625
    ByteBuffer f64 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25);
    byte[] data = new byte[20];
    System.arraycopy(f16.array(), 0, data, 0, 8);
    System.arraycopy(bf16.array(), 0, data, 8, 4);
    System.arraycopy(f64.array(), 0, data, 12, 8);
    Path f =
        file(
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[12,20]}}",
            data);
    Map<String, Tensor> t = SafeTensors.read(f);
    assertArrayEquals(new float[] {1, -2, 0x1p-24f, Float.POSITIVE_INFINITY}, t.get("h").data());
    assertArrayEquals(new float[] {1, 3.140625f}, t.get("b").data());
    assertArrayEquals(new float[] {0.25f}, t.get("d").data());
  }

  @Test
  void aHugeHeaderLengthFailsBeforeAllocating() throws IOException {
    Path f = dir.resolve("huge.safetensors");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(Long.MAX_VALUE - 3).putLong(0);
    Files.write(f, b.array());
    assertTrue(failure(f).contains("header length"), failure(f));
    ByteBuffer negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    negative.putLong(-1).putLong(0);
    Files.write(f, negative.array());
    assertTrue(failure(f).contains("impossible"), failure(f));
  }

  @Test
  void offsetsPastTheEndFail() throws IOException {
    Path f =
        file(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,4000000000]}}",
            floats(1, 2));
    String message = failure(f);
    assertTrue(message.contains("(w)") && message.contains("outside"), message);
  }

  @Test
  void aShapeThatDisagreesWithTheByteRangeFails() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2));
    assertTrue(failure(f).contains("needs 12 bytes"), failure(f));
    Path overflow =
        file(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904, 8],"
                + "\"data_offsets\":[0,8]}}",
            floats(1, 2));
    assertTrue(failure(overflow).contains("overflows"), failure(overflow));
  }

  @Test
  void unknownDtypesFailNamingTheSupportedOnes() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", floats(1, 2));
    String message = failure(f);
    assertTrue(message.contains("unsupported dtype 'I8'") && message.contains("F32"), message);
  }

  @Test
  void overlappingTensorsFail() throws IOException {
    Path f =
        file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            floats(1, 2));
    assertTrue(failure(f).contains("overlaps"), failure(f));
  }

  @Test
  void truncatedOrForeignFilesFail() throws IOException {
    Path empty = dir.resolve("empty.safetensors");
    Files.write(empty, new byte[3]);
    assertTrue(failure(empty).contains("too short"), failure(empty));
    Path json = file("[1, 2]", new byte[0]);
    assertEquals(
        json + ": the header is not a JSON object; the file is not safetensors", failure(json));
    Path garbage = file("{not json", new byte[0]);
    assertEquals(
        garbage
            + ": the header is not valid JSON at line 1, column 3;"
            + " the file is corrupt or not safetensors",
        failure(garbage));
    Path entry = file("{\"w\":[1,2]}", new byte[0]);
    assertTrue(failure(entry).contains("data_offsets"), failure(entry));
    // A valid file cut short.
    Map<String, Tensor> t = Map.of("w", new Tensor(new long[] {4}, new float[] {1, 2, 3, 4}));
    Path whole = dir.resolve("whole.safetensors");
    SafeTensors.write(whole, t, Map.of());
    byte[] bytes = Files.readAllBytes(whole);
    Files.write(whole, Arrays.copyOf(bytes, bytes.length - 5));
    assertTrue(failure(whole).contains("truncated"), failure(whole));
  }

  /** JSON as the format's reference reader takes it: no unquoted names, quotes or trailing text. */
  @Test
  void theHeaderMustBeStrictJson() throws IOException {
    String entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    Path unquoted = file("{w:" + entry + "}", floats(1, 2));
    assertEquals(
        unquoted
            + ": the header is not valid JSON at line 1, column 3;"
            + " the file is corrupt or not safetensors",
        failure(unquoted));
    Path single = file("{'w':" + entry + "}", floats(1, 2));
    assertEquals(
        single
            + ": the header is not valid JSON at line 1, column 3;"
            + " the file is corrupt or not safetensors",
        failure(single));
    Path trailing = file("{\"w\":" + entry + "} x", floats(1, 2));
    assertEquals(
        trailing
            + ": the header is not valid JSON at line 1, column 57;"
            + " the file is corrupt or not safetensors",
        failure(trailing));
    Path cut = file("{\"w\":", floats(1, 2));
    assertEquals(
        cut
            + ": the header is not valid JSON at line 1, column 6;"
            + " the file is corrupt or not safetensors",
        failure(cut));
    // Spaces after the object are the format's padding.
    assertEquals(1, SafeTensors.read(file("{\"w\":" + entry + "}   ", floats(1, 2))).size());
  }

  @Test
  void theTensorsMustFillTheDataBytesExactly() throws IOException {
    Path gap =
        file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            floats(1, 2, 3));
    assertEquals(
        gap
            + " (b): byte range [8, 12) leaves bytes [4, 8) unused before it; the header is corrupt",
        failure(gap));
    Path leading =
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2));
    assertEquals(
        leading
            + " (a): byte range [4, 8) leaves bytes [0, 4) unused before it; the header is corrupt",
        failure(leading));
    Path trailing =
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1, 2, 3));
    assertEquals(
        trailing
            + " (a): 8 bytes follow the last tensor's data, which ends at byte 4 of the 12 data"
            + " bytes; the file is corrupt",
        failure(trailing));
    Path none = file("{\"__metadata__\":{}}", floats(1));
    assertEquals(
        none + ": 4 data bytes follow a header that names no tensor; the file is corrupt",
        failure(none));
    // Empty tensors take no bytes, wherever they sit.
    Path empty =
        file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            floats(1, 2));
    assertEquals(3, SafeTensors.read(empty).size());
  }

  @Test
  void offsetsMustBeWholeNumbersInOrder() throws IOException {
    Path strings =
        file(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]}}",
            floats(1, 2));
    assertEquals(
        strings
            + " (w): data_offsets must be two whole numbers [begin, end], got [\"0\",\"8\"];"
            + " the header is corrupt",
        failure(strings));
    Path fraction =
        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", floats(1, 2));
    assertEquals(
        fraction
            + " (w): data_offsets must be two whole numbers [begin, end], got [0,8.0];"
            + " the header is corrupt",
        failure(fraction));
    Path reversed =
        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", floats(1, 2));
    assertEquals(
        reversed + " (w): byte range [8, 0) ends before it begins; the header is corrupt",
        failure(reversed));
  }

  @Test
  void aFailedWriteLeavesTheOldFile() throws IOException {
    Path f = dir.resolve("keep.safetensors");
    Files.writeString(f, "old");
    Map<String, Tensor> bad = new LinkedHashMap<>();
    bad.put("ok", new Tensor(new long[] {1}, new float[] {1}));
    bad.put("broken", null);
    assertThrows(NullPointerException.class, () -> SafeTensors.write(f, bad, Map.of()));
    assertEquals("old", Files.readString(f));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temp file may remain");
    }
  }
}
