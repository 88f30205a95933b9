package dpo.backend.gpu.lm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A decoder-only transformer as its Hugging Face {@code config.json} describes it. Two layouts of
 * one decoder: {@code gpt2} (LayerNorm, learned positions, GELU MLP, fused (in, out) projections
 * with biases, head tied to the embedding) and the Llama family {@code llama}, {@code mistral},
 * {@code qwen2} (RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention, (out, in)
 * projections, optional q/k/v biases, tied or untied head).
 *
 * @param modelType {@code gpt2}, {@code llama}, {@code mistral} or {@code qwen2}
 * @param model vocabulary, width, layers, query heads, context
 * @param keyValueHeads key-value heads; divides the query heads
 * @param headDim width of one attention head
 * @param intermediateSize width of the MLP's hidden layer
 * @param activation {@code gelu_new}, {@code gelu} (gpt2) or {@code silu} (Llama family)
 * @param normEpsilon epsilon of every LayerNorm / RMSNorm
 * @param ropeTheta base of the rotary frequencies (unused by gpt2)
 * @param ropeScaling Llama 3's frequency scaling, or null for none
 * @param qkvBias whether the q, k and v projections have biases
 * @param outputBias whether the attention's output projection has a bias
 * @param mlpBias whether the MLP's projections have biases
 * @param tieWordEmbeddings whether the output head is the token embedding
 * @param tokens special token ids recorded in config.json
 */
record GptArchitecture(
    String modelType,
    ModelConfig model,
    int keyValueHeads,
    int headDim,
    int intermediateSize,
    String activation,
    float normEpsilon,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean qkvBias,
    boolean outputBias,
    boolean mlpBias,
    boolean tieWordEmbeddings,
    SpecialTokens tokens) {
  static final String GPT2 = "gpt2";
  static final String LLAMA = "llama";
  static final String MISTRAL = "mistral";
  static final String QWEN2 = "qwen2";
  static final List<String> TYPES = List.of(LLAMA, MISTRAL, QWEN2, GPT2);
  static final String GELU_NEW = "gelu_new";
  static final String GELU = "gelu";
  static final String SILU = "silu";

  /**
   * Llama 3's rotary frequency scaling ({@code rope_scaling} with {@code rope_type: llama3}).
   *
   * @param factor how much longer the context is than the original one
   * @param lowFreqFactor wavelengths above original / lowFreqFactor are divided by factor
   * @param highFreqFactor wavelengths below original / highFreqFactor are kept
   * @param originalContext {@code original_max_position_embeddings}
   */
  record RopeScaling(
      double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {
    RopeScaling {
      if (!(factor > 0)
          || !(lowFreqFactor > 0)
          || !(highFreqFactor > lowFreqFactor)
          || originalContext <= 0) {
        throw new ConfigurationException(
            "rope_scaling",
            "llama3 rope_scaling needs factor > 0,"
                + " 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0");
      }
    }
  }

  /**
   * Special token ids of config.json; -1 where absent.
   *
   * @param bos beginning of sequence
   * @param eos end of sequence (the first of a list)
   * @param pad padding
   */
  record SpecialTokens(int bos, int eos, int pad) {
    static final SpecialTokens NONE = new SpecialTokens(-1, -1, -1);
  }

  GptArchitecture {
    if (!TYPES.contains(modelType)) {
      throw new ConfigurationException(
          "model_type", "model_type '" + modelType + "' is not supported; supported: " + TYPES);
    }
    boolean gpt2 = modelType.equals(GPT2);
    if (gpt2 ? !Set.of(GELU_NEW, GELU).contains(activation) : !activation.equals(SILU)) {
      throw new ConfigurationException(
          gpt2 ? "activation_function" : "hidden_act",
          "activation '"
              + activation
              + "' is not supported for "
              + modelType
              + "; supported: "
              + (gpt2 ? "gelu_new, gelu_pytorch_tanh, gelu" : SILU));
    }
    if (!(normEpsilon > 0)) {
      throw new ConfigurationException(
          gpt2 ? "layer_norm_epsilon" : "rms_norm_eps",
          "the norm's epsilon must be > 0, got " + normEpsilon);
    }
    if (keyValueHeads <= 0 || model.heads() % keyValueHeads != 0) {
      throw new ConfigurationException(
          "num_key_value_heads",
          "num_key_value_heads must divide"
              + " num_attention_heads "
              + model.heads()
              + ", got "
              + keyValueHeads);
    }
    if (headDim <= 0 || (!gpt2 && headDim % 2 != 0)) {
      throw new ConfigurationException(
          "head_dim", "head_dim must be a positive even number," + " got " + headDim);
    }
    if (intermediateSize <= 0) {
      throw new ConfigurationException(
          "intermediate_size", "intermediate_size must be > 0, got " + intermediateSize);
    }
    if (!gpt2 && !(ropeTheta > 0)) {
      throw new ConfigurationException("rope_theta", "rope_theta must be > 0, got " + ropeTheta);
    }
    if (gpt2
        && (keyValueHeads != model.heads()
            || headDim != model.headWidth()
            || !tieWordEmbeddings
            || ropeScaling != null)) {
      throw new ConfigurationException(
          "model_type",
          "gpt2 has one key-value head per head, head_dim = n_embd / n_head and a tied head");
    }
  }

  /** GPT-2's defaults for a shape. */
  static GptArchitecture gpt2(ModelConfig model) {
    return new GptArchitecture(
        GPT2,
        model,
        model.heads(),
        model.headWidth(),
        4 * model.width(),
        GELU_NEW,
        1e-5f,
        10_000,
        null,
        true,
        true,
        true,
        true,
        SpecialTokens.NONE);
  }

  /** A Llama with Llama's defaults (RMSNorm eps 1e-5, rope_theta 10000, no biases, untied head). */
  static GptArchitecture llama(
      ModelConfig model, int keyValueHeads, int intermediateSize, boolean tied) {
    return new GptArchitecture(
        LLAMA,
        model,
        keyValueHeads,
        model.headWidth(),
        intermediateSize,
        SILU,
        1e-5f,
        10_000,
        null,
        false,
        false,
        false,
        tied,
        SpecialTokens.NONE);
  }

  boolean isGpt2() {
    return modelType.equals(GPT2);
  }

  /** Parameters of the model, embeddings and head included once. */
  long parameterCount() {
    long d = model.width();
    long q = (long) model.heads() * headDim;
    long kv = (long) keyValueHeads * headDim;
    long i = intermediateSize;
    long perLayer;
    long rest = (long) model.vocabularySize() * d;
    if (isGpt2()) {
      perLayer = 4 * d + d * 3 * d + 3 * d + d * d + d + d * i + i + i * d + d;
      rest += (long) model.contextLength() * d + 2 * d;
    } else {
      perLayer =
          2 * d
              + d * q
              + 2 * d * kv
              + q * d
              + 3 * d * i
              + (qkvBias ? q + 2 * kv : 0)
              + (outputBias ? d : 0)
              + (mlpBias ? 2 * i + d : 0);
      rest += d + (tieWordEmbeddings ? 0 : (long) model.vocabularySize() * d);
    }
    return rest + perLayer * model.layers();
  }

  /** The Hugging Face {@code config.json} of this architecture. */
  JsonObject toConfigJson() {
    JsonObject o = new JsonObject();
    JsonArray architectures = new JsonArray();
    architectures.add(
        switch (modelType) {
          case GPT2 -> "GPT2LMHeadModel";
          case MISTRAL -> "MistralForCausalLM";
          case QWEN2 -> "Qwen2ForCausalLM";
          default -> "LlamaForCausalLM";
        });
    o.add("architectures", architectures);
    o.addProperty("model_type", modelType);
    o.addProperty("vocab_size", model.vocabularySize());
    if (isGpt2()) {
      o.addProperty("n_embd", model.width());
      o.addProperty("n_layer", model.layers());
      o.addProperty("n_head", model.heads());
      o.addProperty("n_positions", model.contextLength());
      o.addProperty("n_inner", intermediateSize);
      o.addProperty("activation_function", activation);
      o.addProperty("layer_norm_epsilon", normEpsilon);
    } else {
      o.addProperty("hidden_size", model.width());
      o.addProperty("num_hidden_layers", model.layers());
      o.addProperty("num_attention_heads", model.heads());
      o.addProperty("num_key_value_heads", keyValueHeads);
      o.addProperty("head_dim", headDim);
      o.addProperty("intermediate_size", intermediateSize);
      o.addProperty("max_position_embeddings", model.contextLength());
      o.addProperty("hidden_act", activation);
      o.addProperty("rms_norm_eps", normEpsilon);
      o.addProperty("rope_theta", ropeTheta);
      if (ropeScaling != null) {
        JsonObject s = new JsonObject();
        s.addProperty("rope_type", "llama3");
        s.addProperty("factor", ropeScaling.factor());
        s.addProperty("low_freq_factor", ropeScaling.lowFreqFactor());
        s.addProperty("high_freq_factor", ropeScaling.highFreqFactor());
        s.addProperty("original_max_position_embeddings", ropeScaling.originalContext());
        o.add("rope_scaling", s);
      } else {
        o.add("rope_scaling", com.google.gson.JsonNull.INSTANCE);
      }
      if (modelType.equals(QWEN2)) {
        o.addProperty("use_sliding_window", false);
      } else {
        o.addProperty("attention_bias", qkvBias);
        o.addProperty("mlp_bias", mlpBias);
      }
      if (modelType.equals(MISTRAL)) {
        o.add("sliding_window", com.google.gson.JsonNull.INSTANCE);
      }
    }
    if (tokens.bos() >= 0) {
      o.addProperty("bos_token_id", tokens.bos());
    }
    if (tokens.eos() >= 0) {
      o.addProperty("eos_token_id", tokens.eos());
    }
    if (tokens.pad() >= 0) {
      o.addProperty("pad_token_id", tokens.pad());
    }
    o.addProperty("tie_word_embeddings", tieWordEmbeddings);
    o.addProperty("torch_dtype", "float32");
    return o;
  }

  /**
   * Reads a Hugging Face {@code config.json}; every key whose value this decoder does not implement
   * is refused, naming the key. Errors name the file and the key.
   */
  static GptArchitecture fromConfigJson(Path file, JsonObject o) {
    if (!o.has("model_type")) {
      throw new BadDataException(
          file,
          0,
          "model_type",
          "missing; a Hugging Face config.json names its model_type, one of: "
              + String.join(", ", TYPES));
    }
    String type = string(file, o, "model_type");
    if (!TYPES.contains(type)) {
      throw new BadDataException(
          file,
          0,
          "model_type",
          "model_type '" + type + "' is not supported; supported: " + String.join(", ", TYPES));
    }
    try {
      SpecialTokens tokens =
          new SpecialTokens(
              tokenId(file, o, "bos_token_id"),
              tokenId(file, o, "eos_token_id"),
              tokenId(file, o, "pad_token_id"));
      return type.equals(GPT2) ? gpt2(file, o, tokens) : llamaFamily(file, o, type, tokens);
    } catch (ConfigurationException e) {
      // ModelConfig names its own fields; the user sees the keys of the file.
      Map<String, String> keys = type.equals(GPT2) ? GPT2_KEYS : LLAMA_KEYS;
      String field = e.violations().get(0).field();
      String message = e.violations().get(0).message();
      for (Map.Entry<String, String> k : keys.entrySet()) {
        String word = "\\b" + k.getKey() + "\\b";
        field = field == null ? null : field.replaceAll(word, k.getValue());
        message = message.replaceAll(word, k.getValue());
      }
      throw new BadDataException(file, 0, field, message);
    }
  }

  /** config.json's keys for ModelConfig's fields, in GPT-2's config and in the Llama family's. */
  private static final Map<String, String> GPT2_KEYS =
      Map.of(
          "vocabularySize", "vocab_size",
          "width", "n_embd",
          "layers", "n_layer",
          "heads", "n_head",
          "contextLength", "n_positions");

  private static final Map<String, String> LLAMA_KEYS =
      Map.of(
          "vocabularySize", "vocab_size",
          "width", "hidden_size",
          "layers", "num_hidden_layers",
          "heads", "num_attention_heads",
          "contextLength", "max_position_embeddings");

  private static GptArchitecture gpt2(Path file, JsonObject o, SpecialTokens tokens) {
    refuseIf(file, o, "scale_attn_by_inverse_layer_idx", true);
    refuseIf(file, o, "add_cross_attention", true);
    refuseIf(file, o, "scale_attn_weights", false);
    if (o.has("tie_word_embeddings") && !bool(file, o, "tie_word_embeddings")) {
      throw new BadDataException(
          file,
          0,
          "tie_word_embeddings",
          "gpt2 with an untied head is not supported; its head is wte");
    }
    ModelConfig model =
        new ModelConfig(
            intField(file, o, "vocab_size"),
            intField(file, o, "n_embd"),
            intField(file, o, "n_layer"),
            intField(file, o, "n_head"),
            o.has("n_positions") ? intField(file, o, "n_positions") : intField(file, o, "n_ctx"));
    String activation =
        o.has("activation_function") ? string(file, o, "activation_function") : GELU_NEW;
    if (activation.equals("gelu_pytorch_tanh")) {
      activation = GELU_NEW; // the same tanh approximation
    }
    float eps =
        o.has("layer_norm_epsilon") ? number(file, o, "layer_norm_epsilon").floatValue() : 1e-5f;
    int inner = present(o, "n_inner") ? intField(file, o, "n_inner") : 4 * model.width();
    return new GptArchitecture(
        GPT2,
        model,
        model.heads(),
        model.headWidth(),
        inner,
        activation,
        eps,
        10_000,
        null,
        true,
        true,
        true,
        true,
        tokens);
  }

  private static GptArchitecture llamaFamily(
      Path file, JsonObject o, String type, SpecialTokens tokens) {
    int context = intField(file, o, "max_position_embeddings");
    ModelConfig model =
        new ModelConfig(
            intField(file, o, "vocab_size"),
            intField(file, o, "hidden_size"),
            intField(file, o, "num_hidden_layers"),
            intField(file, o, "num_attention_heads"),
            context);
    int kv =
        present(o, "num_key_value_heads")
            ? intField(file, o, "num_key_value_heads")
            : model.heads();
    int headDim = present(o, "head_dim") ? intField(file, o, "head_dim") : model.headWidth();
    String act = o.has("hidden_act") ? string(file, o, "hidden_act") : SILU;
    float eps = o.has("rms_norm_eps") ? number(file, o, "rms_norm_eps").floatValue() : 1e-6f;
    if (present(o, "partial_rotary_factor")) {
      refusePartialRotation(file, o, "partial_rotary_factor");
    }
    double theta = o.has("rope_theta") ? number(file, o, "rope_theta").doubleValue() : 10_000;
    RopeScaling scaling =
        present(o, "rope_scaling")
            ? ropeScaling(file, object(file, o, "rope_scaling"), "rope_scaling")
            : null;
    if (present(o, "rope_parameters")) {
      double legacyTheta = theta;
      RopeScaling legacyScaling = scaling;
      JsonObject rp = object(file, o, "rope_parameters");
      theta =
          rp.has("rope_theta")
              ? number(file, rp, "rope_parameters.rope_theta", "rope_theta").doubleValue()
              : theta;
      scaling = ropeScaling(file, rp, "rope_parameters");
      if (o.has("rope_theta") && legacyTheta != theta) {
        throw disagree(
            file,
            "rope_theta",
            o.get("rope_theta"),
            "rope_parameters.rope_theta",
            rp.get("rope_theta"));
      }
      if (present(o, "rope_scaling") && !Objects.equals(legacyScaling, scaling)) {
        throw disagree(file, "rope_scaling", o.get("rope_scaling"), "rope_parameters", rp);
      }
    }
    boolean qkvBias;
    boolean outputBias;
    boolean mlpBias = false;
    if (type.equals(QWEN2)) {
      qkvBias = true;
      outputBias = false;
      if (present(o, "use_sliding_window") && bool(file, o, "use_sliding_window")) {
        refuseBindingWindow(file, o, context);
      }
    } else {
      qkvBias = present(o, "attention_bias") && bool(file, o, "attention_bias");
      outputBias = qkvBias;
      mlpBias = present(o, "mlp_bias") && bool(file, o, "mlp_bias");
      refuseBindingWindow(file, o, context);
    }
    // Llama, Mistral and Qwen2 configs default to an untied head.
    boolean tied = present(o, "tie_word_embeddings") && bool(file, o, "tie_word_embeddings");
    return new GptArchitecture(
        type,
        model,
        kv,
        headDim,
        intField(file, o, "intermediate_size"),
        act,
        eps,
        theta,
        scaling,
        qkvBias,
        outputBias,
        mlpBias,
        tied,
        tokens);
  }

  private static void refuseBindingWindow(Path file, JsonObject o, int context) {
    if (present(o, "sliding_window")) {
      int window = intField(file, o, "sliding_window");
      if (window < context) {
        throw new BadDataException(
            file,
            0,
            "sliding_window",
            "sliding-window attention ("
                + window
                + " tokens, below max_position_embeddings "
                + context
                + ") is not implemented; only full causal attention is");
      }
    }
  }

  /**
   * The rotary scaling of {@code rope_scaling} (transformers 4) or {@code rope_parameters}
   * (transformers 5, which also holds {@code rope_theta}): null for the default rotation, the Llama
   * 3 scaling, else refused; a key of the object that neither form uses is refused too.
   */
  private static RopeScaling ropeScaling(Path file, JsonObject s, String name) {
    for (Map.Entry<String, JsonElement> e : s.entrySet()) {
      if (e.getValue().isJsonObject()) {
        throw new BadDataException(
            file,
            0,
            name + "." + e.getKey(),
            name + " per layer type is not implemented; one rotary embedding serves every layer");
      }
    }
    String key = s.has("rope_type") ? "rope_type" : "type";
    String kind = s.has(key) ? string(file, s, key) : "default";
    Set<String> known = new HashSet<>(List.of("rope_type", "type", "rope_theta"));
    if (s.has("partial_rotary_factor")) {
      known.add("partial_rotary_factor");
      refusePartialRotation(file, s, name + ".partial_rotary_factor");
    }
    RopeScaling scaling = null;
    if (kind.equals("llama3")) {
      known.addAll(
          List.of(
              "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"));
      scaling =
          new RopeScaling(
              number(file, s, name + ".factor", "factor").doubleValue(),
              number(file, s, name + ".low_freq_factor", "low_freq_factor").doubleValue(),
              number(file, s, name + ".high_freq_factor", "high_freq_factor").doubleValue(),
              intField(file, s, "original_max_position_embeddings"));
    } else if (!kind.equals("default")) {
      throw new BadDataException(
          file,
          0,
          name + "." + key,
          "rope scaling '" + kind + "' is not implemented; supported: default, llama3");
    }
    for (String k : s.keySet()) {
      if (!known.contains(k)) {
        throw new BadDataException(
            file,
            0,
            name + "." + k,
            k
                + " is not implemented for rope_type '"
                + kind
                + "'; refusing rather than ignoring it");
      }
    }
    return scaling;
  }

  /**
   * Refuses the {@code partial_rotary_factor} of {@code o} unless it is the number 1, reported as
   * {@code name} (the key at the top of config.json or inside its rope object).
   */
  private static void refusePartialRotation(Path file, JsonObject o, String name) {
    String key = "partial_rotary_factor";
    if (number(file, o, name, key).doubleValue() != 1) {
      throw new BadDataException(
          file,
          0,
          name,
          "a partial rotary embedding ("
              + o.get(key)
              + ") is not implemented; only 1 (every dimension rotates) is");
    }
  }

  private static JsonObject object(Path file, JsonObject o, String key) {
    if (!o.get(key).isJsonObject()) {
      throw new BadDataException(
          file, 0, key, key + " must be an object or null, got " + o.get(key));
    }
    return o.getAsJsonObject(key);
  }

  /** transformers 4's key and transformers 5's, both given, with different values. */
  private static BadDataException disagree(
      Path file, String legacy, JsonElement legacyValue, String current, JsonElement value) {
    return new BadDataException(
        file,
        0,
        legacy,
        legacy
            + " "
            + legacyValue
            + " disagrees with "
            + current
            + " "
            + value
            + "; keep one of the two");
  }

  private static void refuseIf(Path file, JsonObject o, String key, boolean value) {
    if (present(o, key) && bool(file, o, key) == value) {
      throw new BadDataException(
          file,
          0,
          key,
          key + " " + value + " is not implemented;" + " only GPT-2's standard attention is");
    }
  }

  private static boolean present(JsonObject o, String key) {
    return o.has(key) && !o.get(key).isJsonNull();
  }

  private static int tokenId(Path file, JsonObject o, String key) {
    if (!present(o, key)) {
      return -1;
    }
    JsonElement e = o.get(key);
    if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      if (a.isEmpty()) {
        return -1;
      }
      e = a.get(0);
    }
    try {
      return e.getAsInt();
    } catch (RuntimeException ex) {
      throw new BadDataException(file, 0, key, key + " must be an integer, got " + e);
    }
  }

  private static String string(Path file, JsonObject o, String key) {
    try {
      return o.get(key).getAsString().toLowerCase(Locale.ROOT);
    } catch (RuntimeException e) {
      throw new BadDataException(file, 0, key, key + " must be a string, got " + o.get(key));
    }
  }

  private static boolean bool(Path file, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
      return e.getAsBoolean();
    }
    throw new BadDataException(file, 0, key, key + " must be true or false, got " + e);
  }

  private static Number number(Path file, JsonObject o, String key) {
    return number(file, o, key, key);
  }

  /** The number under {@code key} of {@code o}, reported as {@code name} (a nested key's path). */
  private static Number number(Path file, JsonObject o, String name, String key) {
    JsonElement e = o.get(key);
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      return e.getAsDouble();
    }
    throw new BadDataException(
        file, 0, name, (e == null ? "missing " + name : name + " must be a number, got " + e));
  }

  private static int intField(Path file, JsonObject o, String name) {
    if (!present(o, name)) {
      throw new BadDataException(
          file,
          0,
          name,
          "missing field " + name + "; a Hugging Face config.json of this model_type has it");
    }
    JsonElement e = o.get(name);
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      double v = e.getAsDouble();
      if (v == Math.rint(v) && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return (int) v;
      }
    }
    throw new BadDataException(file, 0, name, name + " must be an integer, got " + e);
  }
}
