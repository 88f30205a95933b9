package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dpo.api.lm.SaveFormat;
import dpo.backend.gpu.safetensors.DType;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.safetensors.Tensor;
import dpo.backend.gpu.text.HfTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written in bfloat16 and in shards with their index, as Hugging Face lays them out,
 * read back by the loader: float32 bit for bit, bfloat16 to its rounding; a tokenizer_config.json
 * for a tokenizer that came without one; and folders rewritten from one layout to another.
 */
class CheckpointWriteTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();
  @TempDir Path dir;

  /** A word-level tokenizer whose post-processor prepends {@code <s>} (id 6), as Llama's does. */
  static final String TOKENIZER =
      """
      {"version": "1.0", "truncation": null, "padding": null,
       "added_tokens": [
         {"id": 0, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false,
          "normalized": false, "special": true},
         {"id": 1, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
          "normalized": false, "special": true},
         {"id": 6, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
          "normalized": false, "special": true}],
       "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
       "post_processor": {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<s>": {"id": "<s>", "ids": [6], "tokens": ["<s>"]}}},
       "decoder": null,
       "model": {"type": "WordLevel", "unk_token": "<unk>",
                 "vocab": {"<pad>": 0, "</s>": 1, "<unk>": 2, "hello": 3, "world": 4, "again": 5,
                           "<s>": 6}}}
      """;

  private static final List<int[]> PROMPTS = List.of(new int[] {6, 3}, new int[] {6});
  private static final List<int[]> RESPONSES = List.of(new int[] {4, 5, 1}, new int[] {3, 3});

  /** A tiny Llama with bos 6, eos 1 and pad 0, its weights random, its tokenizer given. */
  static GptModel model(Map<String, byte[]> companions, boolean tied) {
    GptArchitecture t = LlamaModelTest.tiny("llama", tied, null);
    GptArchitecture a =
        new GptArchitecture(
            t.modelType(),
            t.model(),
            t.keyValueHeads(),
            t.headDim(),
            t.intermediateSize(),
            t.activation(),
            t.normEpsilon(),
            t.ropeTheta(),
            t.ropeScaling(),
            t.qkvBias(),
            t.outputBias(),
            t.mlpBias(),
            t.tieWordEmbeddings(),
            new GptArchitecture.SpecialTokens(6, 1, 0));
    try (GptModel random = LlamaModelTest.randomised(ENGINE.root(), a, 7)) {
      Map<String, Tensor> tensors = random.tensors();
      return GptModel.fromTensors(ENGINE.root(), a, tensors::get, null, companions);
    }
  }

  static Map<String, byte[]> tokenizer() {
    return Map.of("tokenizer.json", TOKENIZER.getBytes(StandardCharsets.UTF_8));
  }

  /** Each value as bfloat16 stores it: rounded to nearest, ties to even. */
  static Map<String, Tensor> bf16(Map<String, Tensor> tensors) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          float[] v = t.data().clone();
          for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat((SafeTensors.toBfloat16(v[i]) & 0xffff) << 16);
          }
          out.put(name, new Tensor(t.shape(), v));
        });
    return out;
  }

  static JsonObject json(Path file) throws IOException {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  static Set<String> files(Path folder) throws IOException {
    Set<String> names = new HashSet<>();
    try (Stream<Path> list = Files.list(folder)) {
      list.forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  @Test
  void bf16ShardsFollowTheHuggingFaceLayoutAndReadBackToTheirRounding() throws IOException {
    Path d = dir.resolve("bf16");
    long limit = 1500;
    try (GptModel m = model(tokenizer(), false)) {
      Map<String, Tensor> original = m.tensors();
      m.save(d, new CheckpointFormat(DType.BF16, limit));
      assertFalse(Files.exists(d.resolve(GptModel.WEIGHTS_FILE)), "sharded: no model.safetensors");
      JsonObject index = json(d.resolve(Checkpoint.INDEX_FILE));
      JsonObject weightMap = index.getAsJsonObject("weight_map");
      assertEquals(original.keySet(), weightMap.keySet(), "the index maps every tensor");
      long total = 0;
      for (Tensor t : original.values()) {
        total += 2L * t.data().length;
      }
      assertEquals(total, index.getAsJsonObject("metadata").get("total_size").getAsLong());
      Set<String> shards = new HashSet<>();
      weightMap.entrySet().forEach(e -> shards.add(e.getValue().getAsString()));
      assertTrue(shards.size() > 2, "a 1500-byte limit splits the model: " + shards);
      for (int i = 1; i <= shards.size(); i++) {
        String name = String.format("model-%05d-of-%05d.safetensors", i, shards.size());
        assertTrue(shards.contains(name), name + " in " + shards);
        List<SafeTensors.Entry> entries = SafeTensors.header(d.resolve(name));
        long bytes = 0;
        for (SafeTensors.Entry e : entries) {
          assertEquals(DType.BF16, e.dtype(), e.name());
          assertEquals(name, weightMap.get(e.name()).getAsString(), e.name());
          bytes += e.bytes();
        }
        assertTrue(
            bytes <= limit || entries.size() == 1,
            name + " holds " + bytes + " bytes in " + entries.size() + " tensors");
      }
      assertEquals("bfloat16", json(d.resolve("config.json")).get("torch_dtype").getAsString());

      Map<String, Tensor> rounded = bf16(original);
      try (GptModel loaded = GptModel.load(ENGINE.root(), d);
          GptModel expected =
              GptModel.fromTensors(ENGINE.root(), m.architecture(), rounded, null)) {
        assertEquals(rounded, loaded.tensors(), "every weight is its bfloat16 rounding");
        for (Map.Entry<String, Tensor> e : original.entrySet()) {
          float[] a = e.getValue().data();
          float[] b = loaded.tensors().get(e.getKey()).data();
          for (int i = 0; i < a.length; i++) {
            assertTrue(
                Math.abs(a[i] - b[i]) <= Math.abs(a[i]) * 0x1p-8f,
                e.getKey() + "[" + i + "]: " + a[i] + " became " + b[i]);
          }
        }
        assertArrayEquals(
            expected.sequenceLogProbs(PROMPTS, RESPONSES),
            loaded.sequenceLogProbs(PROMPTS, RESPONSES));
      }
    }
  }

  @Test
  void float32ShardsOfATiedModelReadBackBitForBit() {
    Path d = dir.resolve("f32");
    try (GptModel m = model(Map.of(), true)) {
      m.save(d, new CheckpointFormat(DType.F32, 2000));
      assertTrue(Files.exists(d.resolve(Checkpoint.INDEX_FILE)));
      try (GptModel loaded = GptModel.load(ENGINE.root(), d)) {
        assertEquals(m.tensors(), loaded.tensors());
        assertArrayEquals(
            m.sequenceLogProbs(PROMPTS, RESPONSES), loaded.sequenceLogProbs(PROMPTS, RESPONSES));
      }
    }
  }

  @Test
  void rewritingAFolderSwitchesItsLayoutAndKeepsOtherFiles() throws IOException {
    Path d = dir.resolve("rewritten");
    try (GptModel m = model(tokenizer(), false)) {
      m.save(d, new CheckpointFormat(DType.F32, 1000));
      int many = json(d.resolve(Checkpoint.INDEX_FILE)).getAsJsonObject("weight_map").size();
      Files.writeString(d.resolve("run.json"), "{\"mine\": true}");
      m.save(d, new CheckpointFormat(DType.F32, 8000));
      Set<String> fewer = files(d);
      assertTrue(fewer.contains("run.json"), "a file the writer does not own stays: " + fewer);
      long shards = fewer.stream().filter(n -> n.matches("model-\\d{5}-of-\\d{5}.*")).count();
      assertEquals(
          shards,
          json(d.resolve(Checkpoint.INDEX_FILE)).getAsJsonObject("weight_map").entrySet().stream()
              .map(e -> e.getValue().getAsString())
              .distinct()
              .count(),
          "only the index's shards remain: " + fewer + " (there were more for " + many + ")");
      m.save(d);
      Set<String> single = files(d);
      assertTrue(single.contains(GptModel.WEIGHTS_FILE), single.toString());
      assertFalse(single.contains(Checkpoint.INDEX_FILE), single.toString());
      assertTrue(single.stream().noneMatch(n -> n.startsWith("model-")), single.toString());
      assertTrue(single.contains("run.json"), single.toString());
      try (GptModel loaded = GptModel.load(ENGINE.root(), d)) {
        assertEquals(m.tensors(), loaded.tensors());
      }
      m.save(d, new CheckpointFormat(DType.BF16, 1000));
      assertFalse(files(d).contains(GptModel.WEIGHTS_FILE), "the single file gives way to shards");
      try (GptModel loaded = GptModel.load(ENGINE.root(), d)) {
        assertEquals(bf16(m.tensors()), loaded.tensors());
      }
    }
  }

  @Test
  void aTokenizerWithoutTokenizerConfigGetsOneWithTheSameSpecialTokens() throws IOException {
    Path source = Files.createDirectories(dir.resolve("source"));
    Files.writeString(source.resolve("tokenizer.json"), TOKENIZER);
    HfTokenizer before = HfTokenizer.load(source);
    Path d = dir.resolve("with-config");
    try (GptModel m = model(tokenizer(), false)) {
      m.save(d);
    }
    JsonObject config = json(d.resolve("tokenizer_config.json"));
    assertEquals("PreTrainedTokenizerFast", config.get("tokenizer_class").getAsString());
    assertEquals("<s>", config.get("bos_token").getAsString());
    assertEquals("</s>", config.get("eos_token").getAsString());
    assertEquals("<pad>", config.get("pad_token").getAsString());
    assertEquals(40, config.get("model_max_length").getAsInt());
    assertFalse(config.has("add_bos_token"), "the post-processor keeps deciding: " + config);
    HfTokenizer after = HfTokenizer.load(d);
    assertEquals(6, after.beginOfSequence());
    assertEquals(1, after.endOfSequence());
    assertEquals(0, after.padding());
    assertArrayEquals(before.encodePrompt("hello world"), after.encodePrompt("hello world"));
    assertArrayEquals(new int[] {6, 3, 4}, after.encodePrompt("hello world"));

    byte[] own = "{\"add_bos_token\": false, \"eos_token\": \"</s>\"}".getBytes();
    Path kept = dir.resolve("kept");
    Map<String, byte[]> companions = new LinkedHashMap<>(tokenizer());
    companions.put("tokenizer_config.json", own);
    try (GptModel m = model(companions, false)) {
      m.save(kept);
    }
    assertArrayEquals(own, Files.readAllBytes(kept.resolve("tokenizer_config.json")));
  }

  /**
   * A tokenizer_config.json made for longer texts than the model takes (the 1024 tokens of {@code
   * dpo tokenizer train}'s default, say) says the model's context in the model's folder; one within
   * it is kept byte for byte.
   */
  @Test
  void aTokenizersMaximumLengthIsCappedAtTheModelsContext() throws IOException {
    Map<String, byte[]> companions = new LinkedHashMap<>(tokenizer());
    companions.put(
        "tokenizer_config.json",
        "{\"model_max_length\": 1024, \"add_bos_token\": false, \"eos_token\": \"</s>\"}"
            .getBytes(StandardCharsets.UTF_8));
    Path capped = dir.resolve("capped");
    try (GptModel m = model(companions, false)) {
      m.save(capped);
    }
    JsonObject config = json(capped.resolve("tokenizer_config.json"));
    assertEquals(40, config.get("model_max_length").getAsInt());
    assertFalse(config.get("add_bos_token").getAsBoolean());
    assertEquals("</s>", config.get("eos_token").getAsString());
    assertEquals(3, config.size(), config.toString());

    byte[] shorter = "{\"model_max_length\": 16}".getBytes(StandardCharsets.UTF_8);
    companions.put("tokenizer_config.json", shorter);
    Path kept = dir.resolve("shorter");
    try (GptModel m = model(companions, false)) {
      m.save(kept);
    }
    assertArrayEquals(shorter, Files.readAllBytes(kept.resolve("tokenizer_config.json")));
  }

  /**
   * config.json states the settings that are off as null, as transformers writes them: a Mistral
   * config without {@code sliding_window} would get transformers' default window of 4096 tokens,
   * which our models do not use.
   */
  @Test
  void settingsThatAreOffAreWrittenAsNull() throws IOException {
    for (String type : List.of("llama", "mistral")) {
      Path d = dir.resolve("nulls-" + type);
      try (GptModel m =
          LlamaModelTest.randomised(ENGINE.root(), LlamaModelTest.tiny(type, false, null), 3)) {
        m.save(d);
      }
      JsonObject config = json(d.resolve("config.json"));
      assertTrue(config.get("rope_scaling").isJsonNull(), type + ": " + config);
      assertEquals(
          type.equals("mistral"),
          config.has("sliding_window") && config.get("sliding_window").isJsonNull(),
          type + ": " + config);
    }
  }

  @Test
  void convertRewritesAFolderInBf16Shards() throws IOException {
    Path source = dir.resolve("f32-single");
    Path target = dir.resolve("bf16-sharded");
    try (GptModel m = model(tokenizer(), false)) {
      m.save(source);
      Checkpoints.convert(ENGINE.root(), source, target, new CheckpointFormat(DType.BF16, 4000));
      assertTrue(Files.exists(target.resolve(Checkpoint.INDEX_FILE)));
      assertTrue(Files.exists(target.resolve("tokenizer.json")));
      assertTrue(Files.exists(target.resolve("tokenizer_config.json")));
      try (GptModel loaded = GptModel.load(ENGINE.root(), target)) {
        assertEquals(bf16(m.tensors()), loaded.tensors());
      }
    }
  }

  @Test
  void shardsKeepTheOrderAndGiveAnOversizedTensorItsOwnShard() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("a", new Tensor(new long[] {10}, new float[10]));
    t.put("b", new Tensor(new long[] {100}, new float[100]));
    t.put("c", new Tensor(new long[] {5}, new float[5]));
    t.put("d", new Tensor(new long[] {5}, new float[5]));
    List<Map<String, Tensor>> shards = Checkpoint.shards(t, new CheckpointFormat(DType.F32, 60));
    assertEquals(List.of(Set.of("a"), Set.of("b"), Set.of("c", "d")), keys(shards));
    assertEquals(
        List.of(Set.of("a", "b", "c", "d")), keys(Checkpoint.shards(t, CheckpointFormat.DEFAULT)));
  }

  private static List<Set<String>> keys(List<Map<String, Tensor>> shards) {
    return shards.stream().map(s -> Set.copyOf(s.keySet())).toList();
  }

  @Test
  void apiFormatsMapToTheWritersDtypes() {
    assertEquals(
        new CheckpointFormat(DType.BF16, 1000),
        CheckpointFormat.of(new SaveFormat(SaveFormat.WeightType.BFLOAT16, 1000)));
    assertEquals(CheckpointFormat.DEFAULT, CheckpointFormat.of(SaveFormat.DEFAULT));
    assertThrows(IllegalArgumentException.class, () -> new CheckpointFormat(DType.F16, 1));
  }
}
