package dpo.core.bandit;

import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.metrics.Convergence;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.ProviderRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link BanditResult} as the study's files and its console table. */
public final class BanditReport {
  /** Reward tables up to this many values are written into run.json. */
  static final long MAX_INLINE_REWARDS = 100_000;

  private BanditReport() {}

  /**
   * metrics.csv: {@code sampler,step,param_diff,value,value_diff}, one row per sampler and step,
   * numbers in shortest round-trip form.
   *
   * @param result the result
   * @return UTF-8 bytes
   */
  public static byte[] metricsCsv(BanditResult result) {
    StringBuilder sb = new StringBuilder("sampler,step,param_diff,value,value_diff\n");
    for (SamplerRun run : result.runs()) {
      for (int t = 0; t < run.paramDiff().length; t++) {
        sb.append(run.sampler())
            .append(',')
            .append(t)
            .append(',')
            .append(run.paramDiff()[t])
            .append(',')
            .append(run.value()[t])
            .append(',')
            .append(run.valueDiff()[t])
            .append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The provenance of a study: the full config, the rewards (inline up to {@value
   * #MAX_INLINE_REWARDS} values) and their hash, provider ids and versions, and the summary.
   *
   * @param result the result
   * @param samplerRegistry the samplers the run resolved its ids against
   * @param objectiveRegistry the objectives
   * @param backendRegistry the backends
   * @param rewardsSource where the rewards came from (a path, or the generator)
   * @param started when the run started
   * @param finished when it finished
   * @return the record
   */
  static RunRecord provenance(
      BanditResult result,
      ProviderRegistry<SamplerProvider> samplerRegistry,
      ProviderRegistry<ObjectiveProvider> objectiveRegistry,
      ProviderRegistry<PolicyBackendProvider> backendRegistry,
      String rewardsSource,
      Instant started,
      Instant finished) {
    BanditConfig c = result.config();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("prompts", c.prompts());
    config.put("responses", c.responses());
    config.put("beta", c.beta());
    config.put("seed", c.seed());
    config.put("samplers", c.samplers());
    config.put("mode", c.mode().name().toLowerCase(Locale.ROOT));
    config.put("steps", c.steps());
    config.put("lr", describe(c.lr()));
    config.put("pairs", c.pairs());
    config.put("objective", c.objective());
    config.put("backend", result.backend());
    config.put("threads", c.backendConfig().threads());
    config.put("backend_options", c.backendConfig().options());

    List<RunRecord.ProviderInfo> samplers = new ArrayList<>();
    for (String id : c.samplers()) {
      samplers.add(RunRecord.ProviderInfo.of(samplerRegistry.get(id)));
    }
    RunRecord.Providers providers =
        new RunRecord.Providers(
            RunRecord.ProviderInfo.of(backendRegistry.get(result.backend())),
            RunRecord.ProviderInfo.of(objectiveRegistry.get(c.objective())),
            null,
            samplers);

    Map<String, Object> summary = new LinkedHashMap<>();
    for (SamplerRun run : result.runs()) {
      summary.put(run.sampler(), summary(run));
    }
    Map<String, Object> results = new LinkedHashMap<>();
    // Too large a table is not inlined; the seed or the source file, with the hash, identify it.
    results.put(
        "rewards",
        (long) c.prompts() * c.responses() <= MAX_INLINE_REWARDS
            ? result.problem().toArray()
            : null);
    results.put("summary", summary);
    return RunRecord.start(
            "bandit",
            started,
            config,
            providers,
            RunRecord.Device.of(result.device()),
            List.of(new RunRecord.Input("rewards", rewardsSource, rewardsSha256(result.problem()))))
        .finish(finished, results);
  }

  /**
   * The summary of one trajectory in run.json: final Param Diff and Value Diff, the steps to 1e-6
   * and 1e-10 (null if not reached), the estimated order (null if none) and the steps it was fitted
   * on.
   *
   * @param run the trajectory
   * @return field name to value, in a fixed order
   */
  public static Map<String, Object> summary(SamplerRun run) {
    Convergence conv = run.convergence();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("final_param_diff", conv.finalError());
    s.put("final_value_diff", run.valueDiff()[run.valueDiff().length - 1]);
    s.put("steps_to_1e-6", conv.stepsTo1e6().isPresent() ? conv.stepsTo1e6().getAsInt() : null);
    s.put("steps_to_1e-10", conv.stepsTo1e10().isPresent() ? conv.stepsTo1e10().getAsInt() : null);
    s.put("order", conv.order().isPresent() ? conv.order().getAsDouble() : null);
    s.put("order_fitted_from_step", conv.fittedFrom());
    s.put("order_fitted_steps", conv.fittedSteps());
    return s;
  }

  /**
   * The console table: per sampler the final Param Diff, the steps to 1e-6 and 1e-10, and the
   * estimated convergence order.
   *
   * @param result the result
   * @return the table, lines ending in newlines
   */
  public static String table(BanditResult result) {
    return table(result.runs());
  }

  /**
   * The console table of trajectories from anywhere, e.g. the cells of a sweep, each under its
   * {@link SamplerRun#sampler()} (the label of its row).
   *
   * @param runs the trajectories
   * @return the table, lines ending in newlines
   */
  public static String table(List<SamplerRun> runs) {
    int width = Math.max(7, runs.stream().mapToInt(r -> r.sampler().length()).max().orElse(7));
    String format = "%-" + width + "s  %16s  %14s  %15s  %5s%n";
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            format,
            "sampler",
            "final param_diff",
            "steps to 1e-6",
            "steps to 1e-10",
            "order"));
    for (SamplerRun run : runs) {
      Convergence c = run.convergence();
      sb.append(
          String.format(
              Locale.ROOT,
              format,
              run.sampler(),
              String.format(Locale.ROOT, "%.3e", c.finalError()),
              c.stepsTo1e6().isPresent()
                  ? Integer.toString(c.stepsTo1e6().getAsInt())
                  : "not reached",
              c.stepsTo1e10().isPresent()
                  ? Integer.toString(c.stepsTo1e10().getAsInt())
                  : "not reached",
              c.order().isPresent()
                  ? String.format(Locale.ROOT, "%.2f", c.order().getAsDouble())
                  : "n/a"));
    }
    return sb.toString();
  }

  private static String describe(StepSize lr) {
    return lr instanceof StepSize.Fixed f ? Double.toString(f.learningRate()) : "newton";
  }

  /**
   * SHA-256 of the rewards as little-endian IEEE-754 doubles, row by row; streamed, so that a 4096
   * x 4096 table costs no copy.
   */
  static String rewardsSha256(TabularProblem problem) {
    MessageDigest digest = Provenance.newSha256();
    ByteBuffer buffer =
        ByteBuffer.allocate(Double.BYTES * problem.responses()).order(ByteOrder.LITTLE_ENDIAN);
    double[] row = new double[problem.responses()];
    for (int x = 0; x < problem.prompts(); x++) {
      problem.copyRewards(x, row);
      buffer.clear();
      buffer.asDoubleBuffer().put(row);
      digest.update(buffer.array());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
