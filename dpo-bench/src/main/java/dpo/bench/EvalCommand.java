package dpo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.inject.Provider;
import dpo.api.io.DurableFiles;
import dpo.core.align.EvalExperiment;
import dpo.core.align.Evaluation;
import dpo.core.align.Evaluator;
import dpo.core.align.Prompt;
import dpo.core.io.OutputFolder;
import dpo.core.provenance.RunRecord;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo eval}: a checkpoint against a reference, evaluated as {@code dpo align} does. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Evaluate a checkpoint against a reference checkpoint on test prompts, exactly as 'dpo"
          + " align' evaluates its policies: the average oracle reward of --eval-samples"
          + " responses per prompt at --eval-temperature and of the greedy response, the win"
          + " rate against the reference's responses drawn with the same random numbers (ties"
          + " count one half), and KL(model || reference): the exact per-token KL between the two"
          + " models' next-token distributions summed over responses sampled from the model at"
          + " temperature 1, averaged (unbiased, never negative).",
      "",
      "Prints a table (or the JSON with --json); with --out writes eval.json and run.json there."
          + " Responses never contain the unknown or padding token; the oracle receives the"
          + " decoded text, in which the tokenizer leaves special tokens out."
    },
    footer = {
      "",
      "Example:",
      "  dpo eval --model results/align/runs/mix-p/seed-1/checkpoints/iteration-3"
          + " --reference gpt2-sft/ --prompts test.txt --oracle command"
          + " --oracle-option command='python rm.py' --eval-samples 4"
    })
final class EvalCommand implements Callable<Integer>, UserErrors.Fields {
  @Spec CommandSpec spec;

  private final Provider<EvalExperiment> experiment;

  @Inject
  EvalCommand(Provider<EvalExperiment> experiment) {
    this.experiment = experiment;
  }

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description =
          "Checkpoint to evaluate (config.json, model.safetensors; its tokenizer.json, else the"
              + " reference's).")
  Path model;

  @Option(
      names = "--reference",
      required = true,
      paramLabel = "DIR",
      description = "Checkpoint to compare with (win rate, KL); the same tokenizer.")
  Path reference;

  @Option(
      names = "--prompts",
      required = true,
      paramLabel = "FILE",
      description =
          "Test prompts: a .txt file with one prompt per line or a dataset file any format"
              + " 'dpo data' reads; every prompt is used.")
  Path promptsFile;

  @Option(
      names = "--oracle",
      required = true,
      paramLabel = "ID",
      description = "Reward oracle id, e.g. command or learned.")
  String oracleId;

  @Option(
      names = "--oracle-option",
      paramLabel = "NAME=VALUE",
      description = "An oracle option, e.g. command='python score.py' (repeatable).")
  Map<String, String> oracleOptions = new LinkedHashMap<>();

  @Option(
      names = "--eval-temperature",
      paramLabel = "T",
      defaultValue = "1.0",
      description =
          "Temperature of the evaluation responses; 0 = greedy (default: ${DEFAULT-VALUE}).")
  double evalTemperature;

  @Option(
      names = "--eval-samples",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Responses per prompt at --eval-temperature, and samples per prompt that estimate the"
              + " KL (default: ${DEFAULT-VALUE}).")
  int evalSamples;

  @Option(
      names = "--max-new-tokens",
      paramLabel = "N",
      defaultValue = "64",
      description = "Most tokens per response (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = "1",
      description = "Seed of every draw (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Also write eval.json and run.json to this folder.")
  Path out;

  @Option(names = "--json", description = "Print the JSON instead of the table.")
  boolean json;

  @Option(
      names = "--backend",
      paramLabel = "ID",
      defaultValue = "djl",
      description = "Backend with language models (default: ${DEFAULT-VALUE}).")
  String backendId;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public Map<String, String> fieldOptions() {
    return Map.of("oracle.", "--oracle-option", "other", "--reference");
  }

  @Override
  public Integer call() {
    EvalExperiment.Config config =
        new EvalExperiment.Config(
            backendId,
            backendOptions.config(),
            oracleId,
            oracleOptions,
            model,
            reference,
            new Evaluator.Settings(maxNewTokens, evalTemperature, evalSamples, 1.0, seed));
    EvalExperiment eval = experiment.get();
    eval.check(config);
    List<Prompt> prompts;
    try {
      prompts = PromptFiles.forAlignment(promptsFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + promptsFile + " (" + e.getMessage() + ")", e);
    }
    if (prompts.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "--prompts: " + promptsFile + " has no prompts");
    }
    String id =
        promptsFile
            + " (SHA-256 of the prompts "
            + PromptFiles.sha256(prompts)
            + "), "
            + prompts.size()
            + " prompts";
    OutputFolder folder = out == null ? null : OutputFolder.claim(out, "out");
    try {
      EvalExperiment.Result result = eval.run(config, prompts, id);
      byte[] document = json(result);
      if (folder != null) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("eval.json", document);
        files.put(RunRecord.FILE, result.record().toJson());
        DurableFiles.writeAll(folder.path(), files);
      }
      PrintWriter stdout = spec.commandLine().getOut();
      if (json) {
        stdout.println(new String(document, StandardCharsets.UTF_8));
      } else {
        stdout.print(table(result));
        if (out != null) {
          stdout.println();
          stdout.println("wrote " + out.resolve("eval.json") + " and run.json");
        }
      }
      stdout.flush();
      return 0;
    } finally {
      if (folder != null) {
        folder.close();
      }
    }
  }

  /** The results as a JSON document: the settings, then the numbers. */
  private byte[] json(EvalExperiment.Result r) {
    Evaluation e = r.evaluation();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("model", model.toString());
    doc.put("reference", reference.toString());
    doc.put("prompts", promptsFile.toString());
    doc.put("prompt_count", r.prompts());
    doc.put("oracle", oracleId);
    doc.put("eval_temperature", evalTemperature);
    doc.put("eval_samples", evalSamples);
    doc.put("max_new_tokens", maxNewTokens);
    doc.put("seed", seed);
    doc.put("reward", e.reward());
    doc.put("reward_greedy", e.rewardGreedy());
    doc.put("win_rate", e.winRate());
    doc.put("kl", e.kl());
    doc.put("reference_reward", r.referenceReward());
    doc.put("reference_reward_greedy", r.referenceRewardGreedy());
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(doc);
    } catch (IOException ex) {
      throw new IllegalStateException("cannot write the results as JSON", ex);
    }
  }

  private String table(EvalExperiment.Result r) {
    Evaluation e = r.evaluation();
    return "| checkpoint | reward | greedy reward | win rate vs reference"
        + " | KL(model ‖ reference) |\n"
        + "|---|---:|---:|---:|---:|\n"
        + "| "
        + model
        + " | "
        + AlignCommand.fmt(e.reward())
        + " | "
        + AlignCommand.fmt(e.rewardGreedy())
        + " | "
        + AlignCommand.fmt(e.winRate())
        + " | "
        + AlignCommand.fmt(e.kl())
        + " |\n"
        + "| "
        + reference
        + " (reference) | "
        + AlignCommand.fmt(r.referenceReward())
        + " | "
        + AlignCommand.fmt(r.referenceRewardGreedy())
        + " | 0.500 | 0.000 |\n";
  }
}
