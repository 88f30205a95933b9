package dpo.backend.gpu.lm;

import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import java.nio.file.Path;

/**
 * A GPT-2-family model: its shape plus the details {@code config.json} records.
 *
 * @param model vocabulary, width, layers, heads, context
 * @param activation the MLP's activation: {@code gelu_new} (GPT-2's tanh approximation) or
 *     {@code gelu} (exact)
 * @param layerNormEpsilon epsilon of every LayerNorm
 */
record GptArchitecture(ModelConfig model, String activation, float layerNormEpsilon) {
  static final String GELU_NEW = "gelu_new";
  static final String GELU = "gelu";

  GptArchitecture {
    if (!activation.equals(GELU_NEW) && !activation.equals(GELU)) {
      throw new ConfigurationException(
          "activation_function",
          "activation must be gelu_new or gelu, got '" + activation + "'");
    }
    if (!(layerNormEpsilon > 0)) {
      throw new ConfigurationException(
          "layer_norm_epsilon", "layer_norm_epsilon must be > 0, got " + layerNormEpsilon);
    }
  }

  /** GPT-2's defaults for a shape. */
  static GptArchitecture gpt2(ModelConfig model) {
    return new GptArchitecture(model, GELU_NEW, 1e-5f);
  }

  /** The Hugging Face {@code config.json} of this architecture. */
  JsonObject toConfigJson() {
    JsonObject o = new JsonObject();
    com.google.gson.JsonArray architectures = new com.google.gson.JsonArray();
    architectures.add("GPT2LMHeadModel");
    o.add("architectures", architectures);
    o.addProperty("model_type", "gpt2");
    o.addProperty("vocab_size", model.vocabularySize());
    o.addProperty("n_embd", model.width());
    o.addProperty("n_layer", model.layers());
    o.addProperty("n_head", model.heads());
    o.addProperty("n_positions", model.contextLength());
    o.addProperty("activation_function", activation);
    o.addProperty("layer_norm_epsilon", layerNormEpsilon);
    o.addProperty("tie_word_embeddings", true);
    o.addProperty("torch_dtype", "float32");
    return o;
  }

  /** Reads a Hugging Face GPT-2 {@code config.json}; errors name the file and the field. */
  static GptArchitecture fromConfigJson(Path file, JsonObject o) {
    if (o.has("model_type") && !o.get("model_type").getAsString().equals("gpt2")) {
      throw new BadDataException(file, 0, "model_type", "model_type '"
          + o.get("model_type").getAsString() + "' is not supported; only GPT-2-family"
          + " checkpoints (model_type gpt2) load");
    }
    if (o.has("tie_word_embeddings") && !o.get("tie_word_embeddings").getAsBoolean()) {
      throw new BadDataException(file, 0, "tie_word_embeddings",
          "untied language heads are not supported; the head must share wte");
    }
    try {
      ModelConfig model = new ModelConfig(
          intField(file, o, "vocab_size"),
          intField(file, o, "n_embd"),
          intField(file, o, "n_layer"),
          intField(file, o, "n_head"),
          o.has("n_positions") ? intField(file, o, "n_positions") : intField(file, o, "n_ctx"));
      String activation =
          o.has("activation_function") ? o.get("activation_function").getAsString() : GELU_NEW;
      float eps = o.has("layer_norm_epsilon") ? o.get("layer_norm_epsilon").getAsFloat() : 1e-5f;
      return new GptArchitecture(model, activation, eps);
    } catch (ConfigurationException e) {
      throw new BadDataException(file, 0, e.violations().get(0).field(), e.violations().get(0).message());
    }
  }

  private static int intField(Path file, JsonObject o, String name) {
    if (!o.has(name)) {
      throw new BadDataException(file, 0, name, "missing field " + name
          + "; a GPT-2 config.json has vocab_size, n_embd, n_layer, n_head and n_positions");
    }
    try {
      return o.get(name).getAsInt();
    } catch (RuntimeException e) {
      throw new BadDataException(file, 0, name, name + " must be an integer, got " + o.get(name));
    }
  }
}
