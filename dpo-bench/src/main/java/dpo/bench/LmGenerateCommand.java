package dpo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Provider;
import dpo.api.BadDataException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.GenerationConfig.Setting;
import dpo.core.DpoRuntime;
import dpo.core.lm.CheckpointTexts;
import dpo.datasets.format.ChatFormat;
import dpo.datasets.io.JsonRowWriter;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo lm generate}: completions of prompts from a checkpoint or a logit mixture. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Write one line {\"prompt\", \"completion\"} per prompt. Prompts get the tokenizer's special"
          + " tokens; a conversation ([{role, content}] messages) is rendered as dpo lm train"
          + " renders it, ending with 'assistant:'. Sampling applies the temperature, then"
          + " top-k, then top-p on the renormalised top-k distribution (transformers' order);"
          + " unset options take the"
          + " folder's generation_config.json values (a sampling option given here samples even"
          + " where the file says do_sample false). With --mix the per-token log-probabilities"
          + " are the weighted sum over --model and --reference, each with its own KV cache."
    })
final class LmGenerateCommand implements Callable<Integer> {
  private static final int DEFAULT_MAX_NEW_TOKENS = 64;

  @Spec CommandSpec spec;

  private final Provider<DpoRuntime> runtime;

  @Inject
  LmGenerateCommand(Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "Hugging Face checkpoint folder with its tokenizer.json.")
  Path model;

  @Option(
      names = "--prompts",
      required = true,
      paramLabel = "FILE",
      description =
          "Prompts: a .txt file with one prompt per line, or any format 'dpo data' reads"
              + " ({\"prompt\": ...} lines at least).")
  Path prompts;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "OUT.jsonl",
      description = "Where to write the completions.")
  Path out;

  @Option(
      names = "--greedy",
      description = "Take the most likely token (not with --temperature, --top-k or --top-p).")
  boolean greedy;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      description = "Sampling temperature > 0 (default: generation_config.json's, else 1).")
  Double temperature;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      description =
          "Keep the K most likely tokens, 0 for all (default: generation_config.json's,"
              + " else 0).")
  Integer topK;

  @Option(
      names = "--top-p",
      paramLabel = "P",
      description =
          "Keep the smallest set of the top-k tokens holding P of their probability"
              + " (default: generation_config.json's, else 1).")
  Double topP;

  @Option(
      names = "--max-new-tokens",
      paramLabel = "N",
      description =
          "Most new tokens per prompt (default: generation_config.json's, else "
              + DEFAULT_MAX_NEW_TOKENS
              + " or as many as the model's context leaves after the longest prompt, if"
              + " fewer).")
  Integer maxNewTokens;

  @Option(
      names = "--mix",
      paramLabel = "W_MODEL,W_REF",
      hideParamSyntax = true,
      split = ",",
      description = "Weights of --model and --reference in the logit mixture, e.g. 1.5,-0.5.")
  double[] mix;

  @Option(
      names = "--reference",
      paramLabel = "DIR",
      description = "Reference checkpoint of the mixture (same tokenizer).")
  Path reference;

  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Seed of the draws (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public Integer call() throws IOException {
    if ((mix == null) != (reference == null)) {
      throw new ParameterException(
          spec.commandLine(),
          "--mix and --reference go together:"
              + " give both (e.g. --mix 1.5,-0.5 --reference DIR) or neither");
    }
    if (mix != null && mix.length != 2) {
      throw new ParameterException(
          spec.commandLine(),
          "--mix needs two weights, for --model" + " and --reference, got " + mix.length);
    }
    if (greedy && (temperature != null || topK != null || topP != null)) {
      throw new ParameterException(
          spec.commandLine(),
          "--greedy takes the most likely token;"
              + " drop --temperature, --top-k and --top-p or drop --greedy");
    }
    // Options given on the command line are checked before any model loads; the folder's
    // generation_config.json values, once it is read (config below).
    config(Map.of(), 0, null);
    List<String> texts = PromptFiles.read(prompts).stream().map(ChatFormat::prompt).toList();
    List<Path> dirs = reference == null ? List.of(model) : List.of(model, reference);
    List<String> completions;
    try (CheckpointTexts folders =
        new CheckpointTexts(runtime.get(), backendOptions.config(), dirs)) {
      // Completions never contain the unknown or padding token (the tokenizer's neverGenerated).
      GenerationConfig config =
          config(
                  folders.generationDefaults(),
                  folders.tokenizer().endOfSequence(),
                  room(folders, texts))
              .withTokens(folders.tokenizer());
      completions = folders.generate(mix == null ? new double[] {1} : mix, texts, config);
    }
    ObjectMapper json = new ObjectMapper();
    try (JsonRowWriter writer = JsonRowWriter.open(out)) {
      for (int i = 0; i < texts.size(); i++) {
        ObjectNode line = json.createObjectNode();
        line.put("prompt", texts.get(i));
        line.put("completion", completions.get(i));
        writer.write(line);
      }
      writer.commit();
    }
    spec.commandLine()
        .getOut()
        .println(
            "generated "
                + texts.size()
                + (texts.size() == 1 ? " completion" : " completions")
                + " with "
                + model
                + (reference == null ? "" : " mixed with " + reference)
                + "; wrote "
                + out);
    return 0;
  }

  /**
   * The sampling settings: each option given, else the folder's generation_config.json value, else
   * the default. A bad value is reported under the name it came from: the option, or the file's key
   * (with the option that overrides it). With {@code room} (null before the models load) the
   * default length is cut to what the context leaves, and a given length that does not fit is
   * refused with the one that does.
   */
  private GenerationConfig config(Map<String, Object> defaults, int endOfSequence, Room room) {
    int n;
    if (maxNewTokens == null && !(defaults.get("max_new_tokens") instanceof Number)) {
      n = room == null ? DEFAULT_MAX_NEW_TOKENS : Math.min(DEFAULT_MAX_NEW_TOKENS, room.left());
      if (n < 1) {
        throw new BadDataException(prompts, 0, null, room.describe(null) + Room.NO_ROOM);
      }
    } else {
      n =
          (int)
              setting(
                  Setting.MAX_NEW_TOKENS,
                  maxNewTokens,
                  defaults,
                  "max_new_tokens",
                  DEFAULT_MAX_NEW_TOKENS,
                  "--max-new-tokens");
      if (room != null && n > room.left()) {
        boolean option = maxNewTokens != null;
        String problem =
            n
                + " does not fit: "
                + room.describe(prompts)
                + (room.left() < 1
                    ? Room.NO_ROOM
                    : "; "
                        + (option ? "lower --max-new-tokens to " : "give --max-new-tokens ")
                        + room.left()
                        + " or shorten that prompt");
        if (option) {
          throw new ParameterException(spec.commandLine(), "--max-new-tokens " + problem);
        }
        throw new BadDataException(generationConfig(), 0, "max_new_tokens", problem);
      }
    }
    boolean sample =
        !greedy
            && (temperature != null
                || topK != null
                || topP != null
                || Boolean.TRUE.equals(defaults.get("do_sample")));
    if (!sample) {
      return new GenerationConfig(n, 0, 0, 1, endOfSequence, seed);
    }
    double t =
        setting(
            Setting.SAMPLING_TEMPERATURE, temperature, defaults, "temperature", 1, "--temperature");
    int k = (int) setting(Setting.TOP_K, topK, defaults, "top_k", 0, "--top-k");
    double p = setting(Setting.TOP_P, topP, defaults, "top_p", 1, "--top-p");
    return new GenerationConfig(n, t, k, p, endOfSequence, seed);
  }

  /**
   * The option's value if given, else the number under {@code key}, else the fallback; refused
   * under the name it came from when it breaks the setting's rule.
   */
  private double setting(
      Setting rule,
      Number option,
      Map<String, Object> defaults,
      String key,
      double fallback,
      String name) {
    double value =
        option != null
            ? option.doubleValue()
            : defaults.get(key) instanceof Number x ? x.doubleValue() : fallback;
    if (rule.accepts(value)) {
      return value;
    }
    // A temperature of 0 asks for the most likely token, which is --greedy here.
    String greedy =
        rule == Setting.SAMPLING_TEMPERATURE ? " (--greedy takes the most likely token)" : "";
    if (option != null) {
      throw new ParameterException(spec.commandLine(), rule.violation(name, value) + greedy);
    }
    throw new BadDataException(
        generationConfig(),
        0,
        key,
        rule.refusal(value) + greedy + "; fix the file or give " + name);
  }

  /**
   * Where the models' context binds: the longest prompt and the tokens left after it.
   *
   * @param prompt the longest prompt's number (from 1, in file order)
   * @param tokens its tokens
   * @param context the models' context
   */
  private record Room(int prompt, int tokens, int context) {
    /** What follows {@link #describe} where the prompt fills the context. */
    static final String NO_ROOM = ", which leaves no room for a new token; shorten that prompt";

    int left() {
      return context - tokens;
    }

    /** What binds, naming the prompts file where the message names something else. */
    String describe(Path file) {
      return "prompt "
          + prompt
          + (file == null ? "" : " of " + file)
          + " has "
          + tokens
          + " tokens and the model's context is "
          + context;
    }
  }

  private static Room room(CheckpointTexts folders, List<String> texts) {
    int longest = 0;
    int tokens = 0;
    for (int i = 0; i < texts.size(); i++) {
      int n = folders.promptTokens(texts.get(i));
      if (n > tokens) {
        tokens = n;
        longest = i;
      }
    }
    return new Room(longest + 1, tokens, folders.context());
  }

  /** The file the sampling defaults come from: the --model folder's. */
  private Path generationConfig() {
    return model.resolve("generation_config.json");
  }
}
