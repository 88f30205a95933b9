package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.backend.gpu.safetensors.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint folders as Hugging Face writes them (config.json, shards with an index, bf16 and f16
 * weights), built byte by byte here, and every hostile variant the loader must refuse with one line
 * naming the file and the tensor or key.
 */
class CheckpointTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();
  @TempDir Path dir;

  /** Writes a safetensors file in bf16, f16 or f32 with the data placed from {@code gap}. */
  static void writeFile(Path file, Map<String, Tensor> tensors, String dtype, long gap)
      throws IOException {
    int width = dtype.equals("F32") ? 4 : 2;
    StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    if (gap > 0) {
      // The tensors must fill the data bytes: the gap is a rotary buffer the loader ignores.
      header
          .append(",\"model.layers.0.self_attn.rotary_emb.inv_freq\":{\"dtype\":\"")
          .append(dtype)
          .append("\",\"shape\":[")
          .append(gap / width)
          .append("],\"data_offsets\":[0,")
          .append(gap)
          .append("]}");
    }
    long offset = gap;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = (long) width * e.getValue().data().length;
      header
          .append(",\"")
          .append(e.getKey())
          .append("\":{\"dtype\":\"")
          .append(dtype)
          .append("\",\"shape\":")
          .append(java.util.Arrays.toString(e.getValue().shape()))
          .append(",\"data_offsets\":[")
          .append(offset)
          .append(',')
          .append(offset + bytes)
          .append("]}");
      offset += bytes;
    }
    byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
    try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      out.write(length.putLong(h.length).array());
      out.write(h);
      long at = 8 + h.length + gap;
      for (Tensor t : tensors.values()) {
        ByteBuffer b = ByteBuffer.allocate(width * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : t.data()) {
          switch (dtype) {
            case "F32" -> b.putFloat(f);
            case "BF16" -> b.putShort((short) (Float.floatToIntBits(f) >>> 16));
            default -> b.putShort(toHalf(f));
          }
        }
        out.seek(at);
        out.write(b.array());
        at += b.capacity();
      }
    }
  }

  /** float32 to binary16 for values well inside its normal range (test weights are). */
  static short toHalf(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = ((bits >>> 23) & 0xff) - 112;
    if (exponent <= 0) {
      return (short) sign;
    }
    return (short) (sign | (exponent << 10) | ((bits >>> 13) & 0x3ff));
  }

  /** The value a dtype stores for each element. */
  static Map<String, Tensor> rounded(Map<String, Tensor> tensors, String dtype) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          float[] v = t.data().clone();
          for (int i = 0; i < v.length; i++) {
            v[i] =
                dtype.equals("BF16")
                    ? Float.intBitsToFloat(Float.floatToIntBits(v[i]) & 0xffff0000)
                    : dtype.equals("F16")
                        ? dpo.backend.gpu.safetensors.SafeTensorsTestAccess.half(toHalf(v[i]))
                        : v[i];
          }
          out.put(name, new Tensor(t.shape(), v));
        });
    return out;
  }

  /** A Hugging Face folder: config.json and the tensors in {@code shards} files (1: no index). */
  Path folder(String name, GptArchitecture a, Map<String, Tensor> tensors, String dtype, int shards)
      throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    JsonObject config = a.toConfigJson();
    config.addProperty("torch_dtype", dtype.equals("BF16") ? "bfloat16" : "float32");
    Files.writeString(d.resolve("config.json"), config.toString());
    if (shards == 1) {
      writeFile(d.resolve("model.safetensors"), tensors, dtype, 0);
      return d;
    }
    List<Map<String, Tensor>> parts = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      parts.add(new LinkedHashMap<>());
    }
    int i = 0;
    StringBuilder map = new StringBuilder();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      int s = i++ % shards;
      parts.get(s).put(e.getKey(), e.getValue());
      String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
      map.append(map.length() == 0 ? "" : ",")
          .append('"')
          .append(e.getKey())
          .append("\":\"")
          .append(file)
          .append('"');
    }
    for (int s = 0; s < shards; s++) {
      writeFile(
          d.resolve(String.format("model-%05d-of-%05d.safetensors", s + 1, shards)),
          parts.get(s),
          dtype,
          0);
    }
    Files.writeString(
        d.resolve(Checkpoint.INDEX_FILE),
        "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + map + "}}");
    return d;
  }

  static Map<String, Tensor> weights(GptArchitecture a, long seed) {
    try (GptModel m = LlamaModelTest.randomised(ENGINE.root(), a, seed)) {
      return m.tensors();
    }
  }

  String failure(Path folder) {
    BadDataException e =
        assertThrows(BadDataException.class, () -> GptModel.load(ENGINE.root(), folder));
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void shardedBf16AndF16FoldersTiedAndUntiedLoadAndScore() throws IOException {
    List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {5});
    List<int[]> responses = List.of(new int[] {3, 4, 5}, new int[] {6, 7});
    Object[][] cases = {
      {LlamaModelTest.tiny("llama", false, LlamaModelTest.LLAMA3), "BF16", 3},
      {LlamaModelTest.tiny("qwen2", true, null), "BF16", 2},
      {LlamaModelTest.tiny("mistral", false, null), "F16", 1},
    };
    for (Object[] c : cases) {
      GptArchitecture a = (GptArchitecture) c[0];
      String dtype = (String) c[1];
      Map<String, Tensor> tensors = weights(a, 21);
      Path d = folder(a.modelType() + dtype, a, tensors, dtype, (Integer) c[2]);
      try (GptModel loaded = GptModel.load(ENGINE.root(), d);
          GptModel expected =
              GptModel.fromTensors(ENGINE.root(), a, rounded(tensors, dtype), null)) {
        assertEquals(rounded(tensors, dtype), loaded.tensors(), a.modelType() + " " + dtype);
        assertArrayEquals(
            expected.sequenceLogProbs(prompts, responses),
            loaded.sequenceLogProbs(prompts, responses));
      }
    }
  }

  @Test
  void aTiedHeadMayBeStoredAndRotaryBuffersAreIgnored() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", true, null);
    Map<String, Tensor> tensors = new LinkedHashMap<>(weights(a, 22));
    tensors.put("lm_head.weight", tensors.get("model.embed_tokens.weight"));
    tensors.put(
        "model.layers.0.self_attn.rotary_emb.inv_freq",
        new Tensor(new long[] {3}, new float[] {1, 2, 3}));
    try (GptModel loaded = GptModel.load(ENGINE.root(), folder("tied", a, tensors, "F32", 2))) {
      assertEquals(weights(a, 22), loaded.tensors());
    }
  }

  @Test
  void tensorsFarPastTwoGibibytesLoad() throws IOException {
    // 64-bit offsets: the data starts 2.5 GiB into a sparse file.
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Map<String, Tensor> tensors = weights(a, 23);
    Path d = Files.createDirectories(dir.resolve("far"));
    Files.writeString(d.resolve("config.json"), a.toConfigJson().toString());
    writeFile(d.resolve("model.safetensors"), tensors, "F32", 5L << 29);
    try (GptModel loaded = GptModel.load(ENGINE.root(), d)) {
      assertEquals(tensors, loaded.tensors());
    }
  }

  @Test
  void aTensorTheConfigDoesNotUseIsRefusedBeforeLoading() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Map<String, Tensor> tensors = new LinkedHashMap<>(weights(a, 24));
    tensors.put(
        "model.layers.2.mlp.up_proj.weight", new Tensor(new long[] {24, 16}, new float[24 * 16]));
    String m = failure(folder("unused", a, tensors, "BF16", 2));
    assertTrue(
        m.contains("model-0000")
            && m.contains(
                "(model.layers.2.mlp.up_proj.weight):"
                    + " tensor model.layers.2.mlp.up_proj.weight (shape [24, 16]) is not used by"
                    + " config.json's llama model of 2 layers"),
        m);
  }

  @Test
  void anUnusedTensorPastTwoGibibytesIsRefusedWithoutReadingIt() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("huge", a, weights(a, 25), "F32", 1);
    // Rewrite with an extra 2.4 GB tensor declared at the end of a sparse file.
    Path file = d.resolve("model.safetensors");
    Map<String, Tensor> tensors = weights(a, 25);
    Files.delete(file);
    writeFile(file, tensors, "F32", 0);
    long dataBytes = 0;
    for (Tensor t : tensors.values()) {
      dataBytes += 4L * t.data().length;
    }
    long huge = 600_000_000L;
    String extra =
        ",\"extra.weight\":{\"dtype\":\"F32\",\"shape\":["
            + huge
            + "],\"data_offsets\":["
            + dataBytes
            + ","
            + (dataBytes + 4 * huge)
            + "]}}";
    rewriteHeader(file, extra, 4 * huge);
    String m = failure(d);
    assertTrue(
        m.contains("(extra.weight): tensor extra.weight (shape [600000000]) is not used"), m);
  }

  /** Appends entries to a file's header JSON and grows the file (sparsely) by {@code more}. */
  static void rewriteHeader(Path file, String extraEntries, long more) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    int length = (int) b.getLong();
    String header = new String(all, 8, length, StandardCharsets.UTF_8).trim();
    header = header.substring(0, header.length() - 1) + extraEntries;
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
      out.setLength(0);
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      out.write(h);
      out.write(all, 8 + length, all.length - 8 - length);
      out.setLength(out.length() + more);
    }
  }

  @Test
  void shapeAndByteCountMismatchesNameTheTensor() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Map<String, Tensor> tensors = new LinkedHashMap<>(weights(a, 26));
    tensors.put("model.norm.weight", new Tensor(new long[] {15}, new float[15]));
    Path shape = folder("shape", a, tensors, "F32", 1);
    String m = failure(shape);
    assertTrue(
        m.contains(
            "(model.norm.weight): tensor model.norm.weight has shape [15],"
                + " config.json implies [16]"),
        m);
    assertEquals(
        m,
        assertThrows(BadDataException.class, () -> Checkpoints.info(shape)).getMessage(),
        "lm info checks the headers as loading does");
    tensors.remove("model.norm.weight");
    Path missing = folder("missing", a, tensors, "F32", 1);
    assertEquals(
        failure(missing),
        assertThrows(BadDataException.class, () -> Checkpoints.info(missing)).getMessage());

    Path d = folder("bytes", a, weights(a, 26), "F32", 1);
    rewriteHeader(
        d.resolve("model.safetensors"),
        ",\"short\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
        0);
    String bytes = failure(d);
    assertTrue(
        bytes.contains("(short): shape [2,3] of F32 needs 24 bytes, the byte range holds" + " 20"),
        bytes);
  }

  @Test
  void overflowingShapesAndImpossibleHeadersAreRefused() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("overflow", a, weights(a, 27), "F32", 1);
    rewriteHeader(
        d.resolve("model.safetensors"),
        ",\"big\":{\"dtype\":\"F32\",\"shape\":"
            + "[4294967296,4294967296,16],\"data_offsets\":[0,0]}}",
        0);
    assertTrue(failure(d).contains("(big): shape overflows 64 bits"), failure(d));

    Path header = folder("header", a, weights(a, 27), "F32", 1);
    byte[] bytes = Files.readAllBytes(header.resolve("model.safetensors"));
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
    Files.write(header.resolve("model.safetensors"), bytes);
    assertTrue(
        failure(header).contains("header length 1099511627776 is impossible"), failure(header));

    // A config whose embedding alone is past what one array holds, refused before reading.
    Path vocab = folder("vocab", a, weights(a, 27), "F32", 1);
    Files.writeString(
        vocab.resolve("config.json"),
        Files.readString(vocab.resolve("config.json"))
            .replace("\"vocab_size\":20", "\"vocab_size\":200000000"));
    String m = failure(vocab);
    assertTrue(
        m.contains(
            "config.json (model.embed_tokens.weight): config.json implies" + " [200000000, 16]"),
        m);
  }

  @Test
  void aConfigWithAbsurdlyManyLayersFailsAtTheFirstMissingLayer() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("layers", a, weights(a, 28), "F32", 1);
    Files.writeString(
        d.resolve("config.json"),
        Files.readString(d.resolve("config.json"))
            .replace("\"num_hidden_layers\":2", "\"num_hidden_layers\":2147483647"));
    String m = failure(d);
    assertTrue(
        m.contains(
            "(model.layers.2.input_layernorm.weight): missing tensor"
                + " model.layers.2.input_layernorm.weight; config.json declares 2147483647 layers,"
                + " the weights hold 2"),
        m);
  }

  /** The folder's JSON files are read as Python's json module reads them, not leniently. */
  @Test
  void jsonFilesMustBeStrictJson() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("strict", a, weights(a, 30), "F32", 2);
    Path config = d.resolve("config.json");
    String json = Files.readString(config);
    Files.writeString(config, json.replace("\"model_type\":\"llama\"", "model_type:'llama'"));
    int at = json.indexOf("\"model_type\"") + 2;
    assertEquals(
        config + ": not valid JSON at line 1, column " + at + "; restore the checkpoint's file",
        failure(d));
    Files.writeString(config, json + " {}");
    assertEquals(
        config
            + ": not valid JSON at line 1, column "
            + (json.length() + 3)
            + "; restore the checkpoint's file",
        failure(d));
    Files.writeString(config, json.substring(0, 28));
    assertEquals(
        config + ": not valid JSON at line 1, column 29; restore the checkpoint's file",
        failure(d));
    Files.writeString(config, "[" + json + "]");
    assertEquals(config + ": not a JSON object; restore the checkpoint's file", failure(d));
    Files.writeString(config, json);
    Path index = d.resolve(Checkpoint.INDEX_FILE);
    Files.writeString(index, Files.readString(index).replace("\"metadata\"", "'metadata'"));
    assertEquals(
        index + ": not valid JSON at line 1, column 3; restore the checkpoint's file", failure(d));
  }

  @Test
  void nanOrInfiniteWeightsAreRefused() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("qwen2", false, null);
    Map<String, Tensor> tensors = new LinkedHashMap<>(weights(a, 29));
    float[] v = tensors.get("model.layers.1.self_attn.k_proj.bias").data().clone();
    v[5] = Float.NaN;
    tensors.put("model.layers.1.self_attn.k_proj.bias", new Tensor(new long[] {12}, v));
    String m = failure(folder("nan", a, tensors, "BF16", 1));
    assertTrue(
        m.contains(
            "model.safetensors (model.layers.1.self_attn.k_proj.bias): tensor"
                + " model.layers.1.self_attn.k_proj.bias holds NaN at element 5"),
        m);
  }

  @Test
  void shardsMustMatchTheirIndex() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("index", a, weights(a, 30), "F32", 2);
    Files.delete(d.resolve("model-00002-of-00002.safetensors"));
    String m = failure(d);
    assertTrue(
        m.contains(
            "model-00002-of-00002.safetensors: missing; "
                + "model.safetensors.index.json lists it as a shard"),
        m);
    Files.writeString(
        d.resolve(Checkpoint.INDEX_FILE),
        "{\"weight_map\":{\"model.norm.weight\":\"../elsewhere.safetensors\"}}");
    assertTrue(
        failure(d)
            .contains(
                "(model.norm.weight): shard '\"../elsewhere.safetensors\"'"
                    + " must be a file name in the checkpoint folder"),
        failure(d));
  }

  /**
   * transformers 5 writes the rotary settings as one object, {@code rope_parameters}, which may be
   * the only place {@code rope_theta} is: read as the legacy keys are, never ignored (a reader that
   * ignored it would rotate with the default base of 10,000).
   */
  @Test
  void transformers5RopeParametersAreReadOrRefusedByName() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("rope-parameters", a, weights(a, 33), "F32", 1);
    Path config = d.resolve("config.json");
    String good = Files.readString(config);
    String legacy = "\"rope_theta\":500.0,\"rope_scaling\":null";
    assertTrue(good.contains(legacy), good);

    Files.writeString(
        config,
        good.replace(
            legacy, "\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":500000}"));
    try (GptModel m = GptModel.load(ENGINE.root(), d)) {
      assertEquals(500_000, m.architecture().ropeTheta());
      assertNull(m.architecture().ropeScaling());
    }
    Files.writeString(
        config,
        good.replace(
            legacy,
            "\"rope_theta\":500000,\"rope_parameters\":{\"rope_type\":\"llama3\","
                + "\"rope_theta\":500000,\"factor\":8,\"low_freq_factor\":1,"
                + "\"high_freq_factor\":4,\"original_max_position_embeddings\":16}"));
    try (GptModel m = GptModel.load(ENGINE.root(), d)) {
      assertEquals(500_000, m.architecture().ropeTheta());
      assertEquals(LlamaModelTest.LLAMA3, m.architecture().ropeScaling());
    }

    Map<String, String> cases = new LinkedHashMap<>();
    cases.put(
        "\"rope_parameters\":{\"rope_type\":\"yarn\",\"rope_theta\":1e6,\"factor\":4}",
        "(rope_parameters.rope_type): rope scaling 'yarn' is not implemented");
    cases.put(
        "\"rope_parameters\":{\"full_attention\":{\"rope_theta\":1e6}}",
        "(rope_parameters.full_attention): rope_parameters per layer type is not implemented");
    cases.put(
        "\"rope_parameters\":{\"rope_theta\":1e6,\"mrope_section\":[2,1,1]}",
        "(rope_parameters.mrope_section): mrope_section is not implemented for rope_type"
            + " 'default'");
    cases.put(
        "\"rope_parameters\":{\"rope_theta\":1e6,\"partial_rotary_factor\":0.5}",
        "(rope_parameters.partial_rotary_factor): a partial rotary embedding (0.5) is not"
            + " implemented");
    cases.put(
        "\"rope_theta\":500.0,\"rope_parameters\":{\"rope_theta\":1000000}",
        "(rope_theta): rope_theta 500.0 disagrees with rope_parameters.rope_theta 1000000; keep one");
    cases.put(
        "\"rope_parameters\":\"fast\"",
        "(rope_parameters): rope_parameters must be an object or null, got \"fast\"");
    cases.put(
        "\"partial_rotary_factor\":0.5",
        "(partial_rotary_factor): a partial rotary embedding (0.5) is not implemented");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Files.writeString(config, good.replace(legacy, c.getKey()));
      String m = failure(d);
      assertTrue(
          m.startsWith(config.toString()) && m.contains(c.getValue()), c.getKey() + ": " + m);
    }
  }

  @Test
  void configKeysWeDoNotImplementAreRefusedByName() throws IOException {
    GptArchitecture a = LlamaModelTest.tiny("llama", false, null);
    Path d = folder("keys", a, weights(a, 31), "F32", 1);
    Path config = d.resolve("config.json");
    String good = Files.readString(config);
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put(
        good.replace(
            "\"rope_scaling\":null", "\"rope_scaling\":{\"rope_type\":\"yarn\"," + "\"factor\":4}"),
        "(rope_scaling.rope_type): rope scaling 'yarn' is not implemented");
    cases.put(
        good.replace("\"model_type\":\"llama\"", "\"model_type\":\"mistral\"")
            .replace("\"attention_bias\"", "\"sliding_window\":8,\"attention_bias\""),
        "(sliding_window): sliding-window attention (8 tokens, below max_position_embeddings 40)"
            + " is not implemented");
    cases.put(
        good.replace("\"hidden_act\":\"silu\"", "\"hidden_act\":\"relu\""),
        "(hidden_act): activation 'relu' is not supported for llama");
    cases.put(
        good.replace("\"model_type\":\"llama\"", "\"model_type\":\"phi3\""),
        "(model_type): model_type 'phi3' is not supported");
    cases.put(
        good.replace("\"num_key_value_heads\":2", "\"num_key_value_heads\":3"),
        "(num_key_value_heads): num_key_value_heads must divide num_attention_heads 4, got 3");
    cases.put(
        good.replace("\"model_type\":\"llama\",", ""),
        "(model_type): missing; a Hugging Face config.json names its model_type, one of: llama,"
            + " mistral, qwen2, gpt2");
    // ModelConfig's own rules, reported under config.json's keys.
    cases.put(
        good.replace("\"num_attention_heads\":4", "\"num_attention_heads\":3"),
        "(num_attention_heads): hidden_size must be a multiple of num_attention_heads, got"
            + " hidden_size 16 and num_attention_heads 3");
    cases.put(
        good.replaceAll("\"vocab_size\":\\d+", "\"vocab_size\":0"),
        "(vocab_size): vocab_size must be > 0, got 0");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Files.writeString(config, c.getKey());
      String m = failure(d);
      assertTrue(m.startsWith(config.toString()) && m.contains(c.getValue()), m);
    }
    // A window as long as the context does not bind: full attention is exact.
    Files.writeString(
        config,
        good.replace("\"attention_bias\"", "\"sliding_window\":40," + "\"attention_bias\""));
    GptModel.load(ENGINE.root(), d).close();
  }

  @Test
  void gpt2KeysWeDoNotImplementAreRefusedAndTheTanhGeluIsAccepted() throws IOException {
    GptArchitecture a = GptArchitecture.gpt2(new dpo.api.lm.ModelConfig(16, 16, 1, 2, 8));
    Path d = folder("gpt2", a, weights(a, 32), "F32", 1);
    Path config = d.resolve("config.json");
    String good = Files.readString(config);
    Files.writeString(
        config,
        good.replace("\"n_inner\"", "\"scale_attn_by_inverse_layer_idx\":true,\"n_inner\""));
    assertTrue(
        failure(d)
            .contains(
                "(scale_attn_by_inverse_layer_idx):"
                    + " scale_attn_by_inverse_layer_idx true is not implemented"),
        failure(d));
    Files.writeString(config, good.replace("\"gelu_new\"", "\"gelu_pytorch_tanh\""));
    try (GptModel loaded = GptModel.load(ENGINE.root(), d)) {
      assertEquals(GptArchitecture.GELU_NEW, loaded.architecture().activation());
    }
  }
}
