package dpo.core.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.SaveFormat;
import dpo.api.lm.Tokenizer;
import dpo.core.DpoRuntime;
import dpo.core.registry.BackendFacets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoint folders (model files and {@code tokenizer.json}) loaded through a backend's {@link
 * LanguageModels} facet, and text in and out of them: the log-probability of responses and
 * completions of prompts, alone or from a logit mixture. What {@code dpo lm score} and {@code dpo
 * lm generate} run, and {@code dpo lm info} and {@code dpo lm convert} (folders described and
 * rewritten); it reaches the backend only through the API.
 */
public final class CheckpointTexts implements AutoCloseable {
  private final PolicyBackend backend;
  private final LanguageModels facet;
  private final List<Path> directories;
  private final List<LanguageModel> models = new ArrayList<>();
  private final List<Tokenizer> tokenizers = new ArrayList<>();

  /**
   * Opens the highest-priority backend with language models and loads each folder's model and
   * tokenizer on it.
   *
   * @param runtime the providers
   * @param config the backend's settings (threads, device)
   * @param directories checkpoint folders (none to only {@link #describe} folders); the first one's
   *     tokenizer encodes and decodes
   * @throws dpo.core.registry.MissingCapabilityException if no backend has language models
   * @throws BadDataException if a folder is malformed or its tokenizer has more tokens than its
   *     model's vocabulary
   */
  public CheckpointTexts(DpoRuntime runtime, BackendConfig config, List<Path> directories) {
    PolicyBackendProvider provider =
        runtime
            .backends()
            .require(null, BackendCapability.LANGUAGE_MODELS, "load language model checkpoints");
    this.backend = provider.create(config);
    this.directories = List.copyOf(directories);
    try {
      this.facet = new BackendFacets(runtime.backends()).languageModels(backend);
      for (Path d : directories) {
        Tokenizer tokenizer = facet.loadTokenizer(d);
        LanguageModel model = facet.loadLanguageModel(d);
        models.add(model);
        tokenizers.add(tokenizer);
        if (tokenizer.vocabularySize() > model.config().vocabularySize()) {
          throw new BadDataException(
              d.resolve("tokenizer.json"),
              0,
              null,
              "the tokenizer has "
                  + tokenizer.vocabularySize()
                  + " tokens, the model's vocabulary "
                  + model.config().vocabularySize()
                  + "; the files belong to different models");
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * What a checkpoint folder holds, read by the backend without loading weights ({@link
   * LanguageModels#describe}).
   *
   * @param directory the folder
   * @return fields in display order; empty if the backend does not describe checkpoints
   */
  public Map<String, Object> describe(Path directory) {
    return facet.describe(directory);
  }

  /**
   * Rewrites a checkpoint folder in another format, on this backend ({@link
   * LanguageModels#convert}): the weights in the format's element type and shards, with the
   * folder's tokenizer and generation files.
   *
   * @param source the checkpoint folder to read; validated as a {@code --model} is
   * @param target the folder to write
   * @param format the weights' element type and largest shard
   * @throws BadDataException if the source is malformed
   */
  public void convert(Path source, Path target, SaveFormat format) {
    facet.convert(source, target, format);
  }

  /**
   * The device the backend computes on.
   *
   * @return it
   */
  public DeviceInfo device() {
    return backend.device();
  }

  /**
   * The first folder's tokenizer.
   *
   * @return it
   */
  public Tokenizer tokenizer() {
    return tokenizers.get(0);
  }

  /**
   * The most tokens every folder's model holds in one sequence: a prompt and its response, or a
   * prompt and its new tokens, together.
   *
   * @return the smallest context length of the folders' models
   */
  public int context() {
    return models.stream().mapToInt(m -> m.config().contextLength()).min().orElseThrow();
  }

  /**
   * A prompt's tokens as {@link #score} and {@link #generate} encode it: with the tokenizer's
   * special tokens.
   *
   * @param prompt the prompt text
   * @return its token count
   */
  public int promptTokens(String prompt) {
    return tokenizer().encodePrompt(prompt).length;
  }

  /**
   * A response's tokens as {@link #score} encodes it: without special tokens.
   *
   * @param response the response text
   * @return its token count
   */
  public int responseTokens(String response) {
    return tokenizer().encode(response).length;
  }

  /**
   * Sum of the response tokens' log-probabilities under the first folder's model, given the prompt:
   * the prompt encoded with the tokenizer's special tokens, the response without, no end token
   * added.
   *
   * @param prompts prompt texts
   * @param responses response texts, one per prompt
   * @return per pair {log-probability, response token count}
   * @throws ConfigurationException naming {@code input} if a prompt encodes to no token
   */
  public List<double[]> score(List<String> prompts, List<String> responses) {
    Tokenizer tokenizer = tokenizer();
    List<int[]> p = new ArrayList<>();
    List<int[]> r = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      int[] prompt = tokenizer.encodePrompt(prompts.get(i));
      if (prompt.length == 0) {
        throw new ConfigurationException(
            "input",
            "row "
                + (i + 1)
                + ": the prompt encodes to no token and the tokenizer adds no BOS; a response"
                + " needs a token before it");
      }
      p.add(prompt);
      r.add(tokenizer.encode(responses.get(i)));
    }
    double[] logps = models.get(0).sequenceLogProbs(p, r);
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < logps.length; i++) {
      out.add(new double[] {logps[i], r.get(i).length});
    }
    return out;
  }

  /**
   * Completions of prompts from the logit mixture of the folders' models, each prompt encoded with
   * the first folder's special tokens; every tokenizer must encode it the same way.
   *
   * @param weights mixing weights, one per folder ({1} for the first folder alone)
   * @param prompts prompt texts
   * @param config sampling settings; its end token should be the tokenizer's
   * @return completion texts
   * @throws ConfigurationException naming {@code reference} if the tokenizers disagree on a prompt
   */
  public List<String> generate(double[] weights, List<String> prompts, GenerationConfig config) {
    Tokenizer tokenizer = tokenizer();
    List<int[]> ids = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = tokenizer.encodePrompt(prompts.get(i));
      for (Tokenizer other : tokenizers.subList(1, tokenizers.size())) {
        if (!Arrays.equals(p, other.encodePrompt(prompts.get(i)))) {
          throw new ConfigurationException(
              "reference",
              "prompt "
                  + (i + 1)
                  + " encodes differently with the reference's tokenizer; mixed models need one"
                  + " tokenizer");
        }
      }
      ids.add(p);
    }
    List<String> texts = new ArrayList<>();
    for (int[] o : facet.generate(models, weights, ids, config)) {
      texts.add(tokenizer.decode(o));
    }
    return texts;
  }

  /**
   * Generation defaults of the first folder's {@code generation_config.json}: {@code do_sample},
   * {@code temperature}, {@code top_k}, {@code top_p}, {@code max_new_tokens}, where present.
   *
   * @return the keys present, as numbers or booleans (empty without the file)
   * @throws BadDataException if the file is not a JSON object or one of those keys has the wrong
   *     type
   */
  public Map<String, Object> generationDefaults() {
    Map<String, Object> out = new LinkedHashMap<>();
    Path file = directories.get(0).resolve("generation_config.json");
    if (!Files.isRegularFile(file)) {
      return out;
    }
    JsonNode o;
    try {
      o = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new BadDataException(
          file, 0, null, "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (o == null || !o.isObject()) {
      throw new BadDataException(file, 0, null, "expected a JSON object");
    }
    for (String key : List.of("do_sample", "temperature", "top_k", "top_p", "max_new_tokens")) {
      JsonNode v = o.get(key);
      boolean flag = key.equals("do_sample");
      if (v == null || v.isNull()) {
        continue;
      }
      if (flag ? !v.isBoolean() : !v.isNumber()) {
        throw new BadDataException(
            file, 0, key, "must be " + (flag ? "true or false" : "a number") + ", got " + v);
      }
      out.put(key, flag ? v.booleanValue() : v.numberValue());
    }
    return out;
  }

  /** Closes the models and the backend. */
  @Override
  public void close() {
    models.forEach(LanguageModel::close);
    backend.close();
  }
}
