package dpo.bench;

import com.google.inject.Provider;
import dpo.api.backend.StepSize;
import dpo.api.io.DurableFiles;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditOptions;
import dpo.core.bandit.BanditReport;
import dpo.core.io.OutputFolder;
import dpo.datasets.rewards.RewardTableReader;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo bandit}: the tabular study of docs/method.md §3. */
@Command(
    name = "bandit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Train tabular softmax policies with DPO under several samplers and compare how fast they"
          + " converge to the optimum pi* ~ pi_ref * exp(r / beta).",
      "",
      "The defaults reproduce the paper's exact-gradient figure (1 prompt, 20 responses, beta 3,"
          + " rewards ~ N(0,1), 100 steps at lr 10). Writes metrics.csv, convergence.png and"
          + " run.json to --out and prints, per sampler, the final Param Diff, the steps to reach"
          + " 1e-6 and 1e-10, and the estimated convergence order (about 1 = linear, about 2 ="
          + " quadratic).",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  dpo bandit                      # the paper's exact-gradient figure",
      "  dpo bandit --lr newton --samplers dpo-unif,dpo-mix-p",
      "  dpo bandit --mode empirical --steps 3000 --lr 0.05 --samplers dpo-unif,dpo-mix-r,dpo-mix-p-star"
    })
final class BanditCommand implements Callable<Integer>, UserErrors.Trains {

  @Spec CommandSpec spec;

  private final Provider<BanditExperiment> experiment;

  @Inject
  BanditCommand(Provider<BanditExperiment> experiment) {
    this.experiment = experiment;
  }

  @Option(
      names = "--prompts",
      paramLabel = "X",
      defaultValue = BanditOptions.PROMPTS,
      description =
          "Number of prompts (default: ${DEFAULT-VALUE}). Taken from --rewards when given.")
  int prompts;

  @Option(
      names = "--responses",
      paramLabel = "Y",
      defaultValue = BanditOptions.RESPONSES,
      description =
          "Responses per prompt (default: ${DEFAULT-VALUE}). Taken from --rewards when given.")
  int responses;

  @Option(
      names = "--beta",
      paramLabel = "BETA",
      defaultValue = BanditOptions.BETA,
      description = "KL coefficient beta > 0 (default: ${DEFAULT-VALUE}).")
  double beta;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = BanditOptions.SEED,
      description = "Seed for the rewards and sampled steps (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--rewards",
      paramLabel = "FILE.json",
      description = "Rewards as a JSON array of X arrays of Y numbers, instead of N(0,1) draws.")
  Path rewards;

  @Option(
      names = "--samplers",
      paramLabel = "ID,ID,...",
      split = ",",
      hideParamSyntax = true,
      defaultValue = BanditOptions.SAMPLERS,
      description =
          "Sampler ids (default: ${DEFAULT-VALUE}). Shipped: dpo-unif, dpo-mix-r, dpo-mix-p,"
              + " dpo-mix-p-star, on-policy, vanilla, hybrid, mix-p, half-mix-r, half-mix-p; 'dpo"
              + " samplers' lists all that are found, plugins included.")
  List<String> samplers;

  @Option(
      names = "--mode",
      paramLabel = "exact|empirical",
      defaultValue = BanditOptions.MODE,
      converter = ModeConverter.class,
      description =
          "exact: exact gradients with soft Bradley-Terry labels; empirical: --pairs sampled"
              + " pairs per prompt and step with Bernoulli labels (default: ${DEFAULT-VALUE}).")
  BanditConfig.Mode mode;

  @Option(
      names = "--steps",
      paramLabel = "T",
      defaultValue = BanditOptions.STEPS,
      description = "Number of updates (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--lr",
      paramLabel = "ETA|newton",
      defaultValue = BanditOptions.LR,
      converter = StepSizeConverter.class,
      description =
          "Learning rate per prompt, or 'newton' for eta = Z / (2 beta^2 Y) per prompt"
              + " (default: ${DEFAULT-VALUE}).")
  StepSize lr;

  @Option(
      names = "--pairs",
      paramLabel = "N",
      defaultValue = BanditOptions.PAIRS,
      description =
          "Pairs sampled per prompt and step in empirical mode (default: ${DEFAULT-VALUE}).")
  int pairs;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output directory (default: results/bandit-<timestamp>).")
  Path out;

  @Option(
      names = "--objective",
      paramLabel = "ID",
      defaultValue = BanditOptions.OBJECTIVE,
      description =
          "Per-pair loss: sigmoid (DPO), ipo or hinge (default: ${DEFAULT-VALUE});"
              + " 'dpo objectives' lists them.")
  String objective;

  @Option(
      names = "--backend",
      paramLabel = "ID",
      description =
          "Policy backend id: cpu or djl (DJL/PyTorch autograd; the same trajectories to"
              + " rounding). Default: the highest-priority backend that can run --mode, cpu;"
              + " 'dpo backends' lists them.")
  String backend;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public String divergenceFix() {
    return "try a smaller --lr or --lr newton";
  }

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    BanditExperiment.Rewards table = null;
    if (rewards != null) {
      table = new BanditExperiment.Rewards(RewardTableReader.problem(rewards), rewards.toString());
      requireConsistent("--prompts", prompts, table.problem().prompts());
      requireConsistent("--responses", responses, table.problem().responses());
    }
    int x = table != null ? table.problem().prompts() : prompts;
    int y = table != null ? table.problem().responses() : responses;
    BanditConfig config =
        new BanditConfig(
            x,
            y,
            beta,
            seed,
            samplers,
            mode,
            steps,
            lr,
            pairs,
            objective,
            backend,
            backendOptions.config());
    Path dir = outputDirectory();
    BanditExperiment experiment = this.experiment.get();
    experiment.check(config);
    BanditExperiment.Rewards input =
        table != null ? table : BanditExperiment.Rewards.gaussian(x, y, seed);
    try (OutputFolder folder = OutputFolder.claim(dir, "out")) {
      BanditExperiment.Result result = experiment.run(config, input);
      DurableFiles.writeAll(folder.path(), BanditFiles.files(result));
      stdout.print(BanditReport.table(result.runs()));
    }

    stdout.println();
    stdout.println(
        "wrote "
            + dir.resolve("metrics.csv")
            + ", "
            + dir.resolve("convergence.png")
            + " (and .svg), "
            + dir.resolve("run.json"));
    stdout.flush();
    return 0;
  }

  private void requireConsistent(String option, int given, int fromFile) {
    boolean explicit = spec.commandLine().getParseResult().hasMatchedOption(option);
    if (explicit && given != fromFile) {
      throw new ParameterException(
          spec.commandLine(),
          option
              + " is "
              + given
              + " but "
              + rewards
              + " has "
              + fromFile
              + "; drop "
              + option
              + " (it is taken from --rewards)");
    }
  }

  private Path outputDirectory() {
    if (out != null) {
      return out;
    }
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneId.systemDefault())
            .format(Instant.now());
    Path candidate = Path.of("results", "bandit-" + stamp);
    for (int i = 2; Files.exists(candidate); i++) {
      candidate = Path.of("results", "bandit-" + stamp + "-" + i);
    }
    return candidate;
  }

  /** Parses {@code --lr}: a positive number or "newton" ({@link BanditOptions#stepSize}). */
  static final class StepSizeConverter implements CommandLine.ITypeConverter<StepSize> {
    @Override
    public StepSize convert(String value) {
      try {
        return BanditOptions.stepSize(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses {@code --mode} with a message that lists the choices ({@link BanditOptions#mode}). */
  static final class ModeConverter implements CommandLine.ITypeConverter<BanditConfig.Mode> {
    @Override
    public BanditConfig.Mode convert(String value) {
      try {
        return BanditOptions.mode(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
