package dpo.core.bandit;

import dpo.api.ConfigurationException;
import dpo.api.TrainingDivergedException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.TabularPolicies;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.core.metrics.BanditMetrics;
import dpo.core.metrics.Convergence;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import dpo.core.registry.ProviderRegistry;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tabular study as an experiment: every configured sampler trains its own policy from theta = 0
 * on the same rewards, and its metrics are recorded at every step. Runs from Java with a {@link
 * BanditConfig} and {@link Rewards}; {@code dpo bandit} only parses options into them and renders
 * the {@link Result}.
 */
public final class BanditExperiment {
  /** How many times its initial value Param Diff may grow before a run counts as diverged. */
  static final double DIVERGENCE_FACTOR = 1e3;

  private static final Logger LOG = LoggerFactory.getLogger(BanditExperiment.class);

  private final ProviderRegistry<SamplerProvider> samplers;
  private final ProviderRegistry<ObjectiveProvider> objectives;
  private final ProviderRegistry<PolicyBackendProvider> backends;
  private final Clock clock;

  /**
   * The rewards of a study and where they came from.
   *
   * @param problem the reward table r(x, y)
   * @param source where it came from, for the provenance: a file, or the generator and its seed
   */
  public record Rewards(TabularProblem problem, String source) {
    /**
     * Rewards r(x, y) ~ N(0, 1), drawn row by row from the seed ({@link #gaussianRewards}).
     *
     * @param prompts X
     * @param responses Y
     * @param seed the seed
     * @return the rewards
     */
    public static Rewards gaussian(int prompts, int responses, long seed) {
      return new Rewards(
          gaussianRewards(prompts, responses, seed),
          "N(0,1) from seed " + seed + " (java.util.SplittableRandom, row-major)");
    }
  }

  /**
   * What a study produced.
   *
   * @param runs the trajectories, per sampler
   * @param record the provenance (run.json)
   */
  public record Result(BanditResult runs, RunRecord record) {}

  /**
   * An experiment over the given providers, timed by the system clock.
   *
   * @param samplers the sampler registry
   * @param objectives the objective registry
   * @param backends the backend registry
   */
  public BanditExperiment(
      ProviderRegistry<SamplerProvider> samplers,
      ProviderRegistry<ObjectiveProvider> objectives,
      ProviderRegistry<PolicyBackendProvider> backends) {
    this(samplers, objectives, backends, Clock.systemUTC());
  }

  /**
   * An experiment over the given providers.
   *
   * @param samplers the sampler registry
   * @param objectives the objective registry
   * @param backends the backend registry
   * @param clock times the run for its provenance
   */
  @Inject
  public BanditExperiment(
      ProviderRegistry<SamplerProvider> samplers,
      ProviderRegistry<ObjectiveProvider> objectives,
      ProviderRegistry<PolicyBackendProvider> backends,
      Clock clock) {
    this.samplers = samplers;
    this.objectives = objectives;
    this.backends = backends;
    this.clock = clock;
  }

  /**
   * Rewards r(x, y) ~ N(0, 1), drawn row by row from the seed.
   *
   * @param prompts X
   * @param responses Y
   * @param seed the seed
   * @return the problem
   */
  public static TabularProblem gaussianRewards(int prompts, int responses, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] r = new double[prompts][responses];
    for (double[] row : r) {
      for (int y = 0; y < responses; y++) {
        row[y] = random.nextGaussian();
      }
    }
    return new TabularProblem(r);
  }

  /**
   * Resolves every provider the config names, so that a typo fails before any work is done.
   *
   * @param config the config
   * @throws dpo.api.ProviderNotFoundException for an unknown id
   * @throws dpo.core.registry.MissingCapabilityException if the backend lacks the gradient mode;
   *     the message names the backends that have it
   */
  public void check(BanditConfig config) {
    for (String id : config.samplers()) {
      requirePairDistribution(id, samplers.create(id, SamplerProvider::create));
    }
    objectives.get(config.objective());
    backendProvider(config);
  }

  /**
   * {@link #check} and then the backend's settings, as its provider checks them without creating
   * the backend ({@link PolicyBackendProvider#validate}: no natives, devices or threads). For work
   * that runs elsewhere (a sweep's tasks), so that a setting the backend refuses fails before any
   * task starts.
   *
   * @param config the config
   * @throws dpo.api.ConfigurationException if the backend refuses its settings (e.g. a device it
   *     cannot compute on); and what {@link #check} throws
   */
  public void checkWithBackend(BanditConfig config) {
    check(config);
    // Through the registry, so that a plugin whose check fails (not with a DpoException) gives one
    // line naming the plugin.
    backends.create(
        backendProvider(config).id(),
        p -> {
          p.validate(config.backendConfig());
          return null;
        });
  }

  /**
   * Refuses a sampler that fixes how many responses per prompt it draws (best-of-K): its pair
   * distribution is an order statistic of K draws, which the study's exact pair weights, computed
   * from the sampler's components, do not model.
   *
   * @param id the sampler's id, for the message
   * @param sampler the sampler
   * @throws ConfigurationException (field {@code samplers}) naming the sampler and where it runs
   */
  public static void requirePairDistribution(String id, Sampler sampler) {
    int k = sampler.responsesPerPrompt();
    if (k > 0) {
      throw new ConfigurationException(
          "samplers",
          "sampler '"
              + id
              + "' draws "
              + k
              + " responses per prompt and pairs the best against the worst, which the tabular"
              + " study's exact pair distributions do not model; run it with dpo align");
    }
  }

  /**
   * Runs the study on the rewards and records its provenance.
   *
   * @param config the config; X and Y are taken from the rewards
   * @param rewards the rewards and their source
   * @return the trajectories and the provenance
   */
  public Result run(BanditConfig config, Rewards rewards) {
    TabularProblem problem = rewards.problem();
    BanditConfig shaped = config.withShape(problem.prompts(), problem.responses());
    Instant started = clock.instant();
    BanditResult result = run(shaped, problem);
    return new Result(
        result,
        BanditReport.provenance(
            result, samplers, objectives, backends, rewards.source(), started, clock.instant()));
  }

  /**
   * Runs the study.
   *
   * @param config the config; its X and Y must match the problem
   * @param problem the rewards
   * @return the trajectories
   */
  public BanditResult run(BanditConfig config, TabularProblem problem) {
    if (config.prompts() != problem.prompts() || config.responses() != problem.responses()) {
      throw new IllegalArgumentException(
          "config is for "
              + config.prompts()
              + " x "
              + config.responses()
              + " but the rewards are "
              + problem.prompts()
              + " x "
              + problem.responses());
    }
    check(config);
    PolicyBackendProvider provider = backendProvider(config);
    Objective objective =
        objectives.create(config.objective(), p -> p.create(ObjectiveConfig.ofBeta(config.beta())));
    List<SamplerRun> runs = new ArrayList<>();
    DeviceInfo device;
    try (PolicyBackend backend =
        backends.create(provider.id(), p -> p.create(config.backendConfig()))) {
      device = backend.device();
      for (String id : config.samplers()) {
        LOG.info("running sampler {} ({} steps, {})", id, config.steps(), config.mode());
        runs.add(
            runSampler(
                id,
                samplers.create(id, SamplerProvider::create),
                objective,
                new BackendFacets(backends).tabularPolicies(backend),
                config,
                problem));
      }
    }
    return new BanditResult(config, problem, provider.id(), device, runs);
  }

  private PolicyBackendProvider backendProvider(BanditConfig config) {
    return config.mode() == BanditConfig.Mode.EXACT
        ? backends.require(
            config.backend(),
            BackendCapability.EXACT_GRADIENT,
            "train tabular policies with exact gradients")
        : backends.require(
            config.backend(),
            BackendCapability.SAMPLED_GRADIENT,
            "train tabular policies with sampled gradients");
  }

  private static SamplerRun runSampler(
      String id,
      Sampler sampler,
      Objective objective,
      TabularPolicies backend,
      BanditConfig config,
      TabularProblem problem) {
    int steps = config.steps();
    double[] paramDiff = new double[steps + 1];
    double[] value = new double[steps + 1];
    double[] valueDiff = new double[steps + 1];
    double[] loss = new double[steps];
    // Each sampler's stream depends only on the seed and its id, not on which others run.
    SplittableRandom random = new SplittableRandom(config.seed() * 1_000_003L + id.hashCode());
    try (TabularPolicy policy = backend.newTabularPolicy(problem)) {
      MetricsProbe probe = new MetricsProbe(problem, config.beta());
      probe.record(policy, 0, paramDiff, value, valueDiff);
      for (int t = 0; t < steps; t++) {
        try {
          loss[t] =
              config.mode() == BanditConfig.Mode.EXACT
                  ? policy.exactStep(sampler, objective, config.lr()).loss()
                  : policy
                      .sampledStep(sampler, objective, config.lr(), config.pairs(), random)
                      .loss();
        } catch (TrainingDivergedException e) {
          throw new TrainingDivergedException("sampler '" + id + "': " + e.getMessage());
        }
        probe.record(policy, t + 1, paramDiff, value, valueDiff);
        if (paramDiff[t + 1] > DIVERGENCE_FACTOR * Math.max(paramDiff[0], 1e-12)) {
          throw new TrainingDivergedException(
              "sampler '"
                  + id
                  + "': Param Diff grew from "
                  + paramDiff[0]
                  + " to "
                  + paramDiff[t + 1]
                  + " by step "
                  + (t + 1));
        }
      }
    }
    return new SamplerRun(id, paramDiff, value, valueDiff, loss, Convergence.of(paramDiff));
  }

  /** Computes the prompt-averaged metrics of a policy into the curves. */
  private static final class MetricsProbe {
    private final TabularProblem problem;
    private final double beta;
    private final double[] logPolicy;
    private final double[] rewards;
    private final double[] scratch;

    MetricsProbe(TabularProblem problem, double beta) {
      this.problem = problem;
      this.beta = beta;
      this.logPolicy = new double[problem.responses()];
      this.rewards = new double[problem.responses()];
      this.scratch = new double[problem.responses()];
    }

    void record(TabularPolicy policy, int t, double[] paramDiff, double[] value, double[] diff) {
      int x = problem.prompts();
      double pd = 0;
      double v = 0;
      double vd = 0;
      for (int p = 0; p < x; p++) {
        policy.logProbabilities(p, logPolicy);
        problem.copyRewards(p, rewards);
        BanditMetrics m = BanditMetrics.of(logPolicy, rewards, beta, scratch);
        pd += m.paramDiff();
        v += m.value();
        vd += m.valueDiff();
      }
      paramDiff[t] = pd / x;
      value[t] = v / x;
      diff[t] = vd / x;
    }
  }
}
