package dpo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.BackendException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.sampler.Sampler;
import dpo.backend.cpu.MixPCeiling;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditConfig.Mode;
import dpo.core.bandit.BanditExperiment;
import dpo.core.metrics.BanditMetrics;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dpo bench bandit}: how fast the tabular backend steps. Exact variants report ordered pair
 * evaluations per second (X * Y * Y per step, the work of the textbook formulation) of a training
 * step that does not ask for the loss; empirical variants report sampled, labelled pairs per second
 * including the gradient. With the cpu backend and dpo-mix-p, the ceiling variants time {@link
 * MixPCeiling} first, and each exact row gets its fraction of the ceiling at its thread count.
 */
@Command(
    name = "bandit",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Time the tabular DPO step of a backend: variants scalar-1-thread, simd-1-thread and"
          + " simd-all-threads (exact gradients with the cpu backend's two kernels, steps that"
          + " skip the loss; other backends: exact-1-thread and exact-all-threads),"
          + " empirical-1-thread and empirical-all-threads (sampled pairs), and metrics-1-thread"
          + " (the per-step metrics). With the cpu backend and dpo-mix-p, ceiling-1-thread and"
          + " ceiling-all-threads time a kernel written for dpo-mix-p alone, and every exact row"
          + " gets ceiling_ratio, its speed over the ceiling's at its thread count. Variants need"
          + " the backend's EXACT_GRADIENT or SAMPLED_GRADIENT. Prints one JSON object per"
          + " variant."
    })
final class BenchBanditCommand implements Callable<Integer> {
  /** The backend whose kernels the scalar and simd variants compare. */
  private static final String CPU = "cpu";

  /** The sampler {@link MixPCeiling} is written for. */
  private static final String CEILING_SAMPLER = "dpo-mix-p";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final com.google.inject.Provider<DpoRuntime> runtime;

  @Inject
  BenchBanditCommand(com.google.inject.Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--prompts",
      paramLabel = "X",
      defaultValue = "256",
      description = "Prompts (default: ${DEFAULT-VALUE}).")
  int prompts;

  @Option(
      names = "--responses",
      paramLabel = "Y",
      defaultValue = "512",
      description = "Responses per prompt (default: ${DEFAULT-VALUE}).")
  int responses;

  @Option(
      names = "--sampler",
      paramLabel = "ID",
      defaultValue = "dpo-mix-p",
      description = "Sampler id (default: ${DEFAULT-VALUE}).")
  String sampler;

  @Option(
      names = "--mode",
      paramLabel = "exact|empirical",
      converter = BanditCommand.ModeConverter.class,
      description = "Only the exact or only the empirical variants (default: both).")
  Mode mode;

  @Option(
      names = "--variants",
      paramLabel = "NAME,...",
      split = ",",
      hideParamSyntax = true,
      description = "Only these variants, e.g. simd-all-threads (default: all of the mode).")
  List<String> only;

  @Option(
      names = "--pairs",
      paramLabel = "N",
      defaultValue = "8192",
      description =
          "Pairs per prompt and step in the empirical variants (default: ${DEFAULT-VALUE}).")
  int pairs;

  @Option(
      names = "--beta",
      paramLabel = "BETA",
      defaultValue = "3",
      description = "KL coefficient (default: ${DEFAULT-VALUE}).")
  double beta;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      defaultValue = "3",
      description =
          "Measured time per variant, after as long a warm-up (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--backend",
      paramLabel = "ID",
      description =
          "Backend id (default: the highest-priority backend found, cpu); 'dpo backends'"
              + " lists them. The scalar and simd variants are the cpu backend's kernels; other"
              + " backends run exact-1-thread and exact-all-threads instead.")
  String backend;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = "1234567",
      description = "Seed of the rewards and starting parameters (default: ${DEFAULT-VALUE}).")
  long seed;

  /**
   * One timed configuration; {@code kernel} is the cpu backend's option, null for none; {@code
   * ceiling} times {@link MixPCeiling} instead of a backend.
   */
  private record Variant(String name, boolean exact, int threads, String kernel, boolean ceiling) {
    Variant(String name, boolean exact, int threads, String kernel) {
      this(name, exact, threads, kernel, false);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (prompts < 1 || responses < 2 || pairs < 1 || !(seconds > 0) || !(beta > 0)) {
      throw new ParameterException(
          spec.commandLine(),
          "--prompts >= 1, --responses >= 2, --pairs >= 1, --seconds > 0 and --beta > 0 are needed");
    }
    Instant started = Instant.now();
    DpoRuntime runtime = this.runtime.get();
    Sampler s = runtime.samplers().get(sampler).create();
    BanditExperiment.requirePairDistribution(sampler, s);
    Objective objective = runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(beta));
    PolicyBackendProvider provider =
        backend == null ? runtime.backends().preferred() : runtime.backends().get(backend);
    backend = provider.id(); // the rows name the backend that ran
    Set<BackendCapability> caps = provider.capabilities();
    requireCapability(provider, Mode.EXACT, BackendCapability.EXACT_GRADIENT, runtime);
    requireCapability(provider, Mode.EMPIRICAL, BackendCapability.SAMPLED_GRADIENT, runtime);
    TabularProblem problem = BanditExperiment.gaussianRewards(prompts, responses, seed);
    int all = Runtime.getRuntime().availableProcessors();

    List<Variant> variants = new ArrayList<>();
    if ((mode == null || mode == Mode.EXACT) && caps.contains(BackendCapability.EXACT_GRADIENT)) {
      if (provider.id().equals(CPU)) {
        if (sampler.equals(CEILING_SAMPLER)) {
          // First, so that each kernel row can give its fraction of the ceiling.
          variants.add(new Variant("ceiling-1-thread", true, 1, null, true));
          variants.add(new Variant("ceiling-all-threads", true, all, null, true));
        }
        variants.add(new Variant("scalar-1-thread", true, 1, "scalar"));
        variants.add(new Variant("simd-1-thread", true, 1, "simd"));
        variants.add(new Variant("simd-all-threads", true, all, "simd"));
      } else {
        variants.add(new Variant("exact-1-thread", true, 1, null));
        variants.add(new Variant("exact-all-threads", true, all, null));
      }
    }
    if ((mode == null || mode == Mode.EMPIRICAL)
        && caps.contains(BackendCapability.SAMPLED_GRADIENT)) {
      variants.add(new Variant("empirical-1-thread", false, 1, null));
      variants.add(new Variant("empirical-all-threads", false, all, null));
    }
    List<String> known = new ArrayList<>(variants.stream().map(Variant::name).toList());
    known.add("metrics-1-thread");
    if (only != null) {
      for (String name : only) {
        if (!known.contains(name)) {
          throw new ParameterException(
              spec.commandLine(),
              "--variants: unknown variant '" + name + "'; available: " + String.join(", ", known));
        }
      }
      variants.removeIf(v -> !only.contains(v.name()));
    }
    PrintWriter out = spec.commandLine().getOut();
    DeviceInfo device = null;
    Map<Integer, Double> ceilings = new LinkedHashMap<>();
    for (Variant v : variants) {
      if (v.ceiling()) {
        double rate = timeCeiling(problem, v);
        ceilings.put(v.threads(), rate);
        continue;
      }
      BackendConfig config =
          v.kernel() == null
              ? new BackendConfig(v.threads())
              : new BackendConfig(v.threads()).withOption("kernel", v.kernel());
      try (PolicyBackend b = provider.create(config);
          TabularPolicy policy =
              new BackendFacets(runtime.backends()).tabularPolicies(b).newTabularPolicy(problem)) {
        device = b.device();
        start(policy::setParameters);
        SplittableRandom random = new SplittableRandom(seed);
        // A training step that does not ask for the loss, as a loop that records it only at its
        // metric steps runs most steps.
        Runnable step =
            v.exact()
                ? () -> policy.exactStep(s, objective, StepSize.fixed(1e-3), false)
                : () -> policy.sampledStep(s, objective, StepSize.fixed(1e-3), pairs, random);
        double[] timing = time(step);
        Map<String, Object> row = row(v.name(), v.threads(), v.kernel(), timing);
        double work =
            v.exact() ? (double) prompts * responses * responses : (double) prompts * pairs;
        row.put(v.exact() ? "pair_evals_per_second" : "pairs_per_second", work / timing[0]);
        if (!v.exact()) {
          row.put("pairs_per_prompt", pairs);
        }
        Double ceiling = ceilings.get(v.threads());
        if (v.exact() && ceiling != null) {
          row.put("ceiling_ratio", work / timing[0] / ceiling);
        }
        out.println(JSON.writeValueAsString(row));
        out.flush();
      }
    }
    if (mode == null && (only == null || only.contains("metrics-1-thread"))) {
      out.println(JSON.writeValueAsString(metricsRow(problem)));
      out.flush();
    }
    RunRecord.Providers providers =
        new RunRecord.Providers(
            RunRecord.ProviderInfo.of(provider),
            RunRecord.ProviderInfo.of(runtime.objectives().get("sigmoid")),
            null,
            List.of(RunRecord.ProviderInfo.of(runtime.samplers().get(sampler))));
    out.println(
        BenchCommand.provenanceLine(
            RunRecord.start(
                    "bench bandit",
                    started,
                    OptionValues.of(spec),
                    providers,
                    device == null ? null : RunRecord.Device.of(device),
                    List.of(
                        new RunRecord.Input(
                            "rewards",
                            "N(0,1) from seed " + seed + " (java.util.SplittableRandom, row-major)",
                            null)))
                .finish(Instant.now(), null)));
    out.flush();
    return 0;
  }

  /** A mode asked for explicitly needs its capability; without --mode, variants are skipped. */
  private void requireCapability(
      PolicyBackendProvider provider,
      Mode needs,
      BackendCapability capability,
      DpoRuntime runtime) {
    if (mode == needs && !provider.capabilities().contains(capability)) {
      List<String> able =
          runtime.backends().all().stream()
              .filter(p -> p.capabilities().contains(capability))
              .map(PolicyBackendProvider::id)
              .toList();
      throw new BackendException(
          "backend '"
              + provider.id()
              + "' lacks "
              + capability
              + ", which --mode "
              + needs.name().toLowerCase(java.util.Locale.ROOT)
              + " needs; backends that have it: "
              + able);
    }
  }

  /** Starting parameters away from the uniform policy, so that the weights are not trivial. */
  private void start(BiConsumer<Integer, double[]> setParameters) {
    SplittableRandom r = new SplittableRandom(seed + 1);
    double[] row = new double[responses];
    for (int x = 0; x < prompts; x++) {
      for (int y = 0; y < responses; y++) {
        row[y] = 0.3 * r.nextGaussian();
      }
      setParameters.accept(x, row);
    }
  }

  /**
   * Times {@link MixPCeiling} on {@code threads} workers from the same start as the backends,
   * prints its row and returns its pair evaluations per second.
   */
  private double timeCeiling(TabularProblem problem, Variant v) throws Exception {
    int threads = v.threads();
    MixPCeiling ceiling = new MixPCeiling(problem, beta, 1e-3);
    start(ceiling::setParameters);
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      double[] timing = time(() -> ceiling.step(pool));
      Map<String, Object> row = row(v.name(), threads, null, timing);
      double rate = (double) prompts * responses * responses / timing[0];
      row.put("pair_evals_per_second", rate);
      PrintWriter out = spec.commandLine().getOut();
      out.println(JSON.writeValueAsString(row));
      out.flush();
      return rate;
    } finally {
      pool.shutdown();
    }
  }

  /**
   * Warm up for {@code seconds}, then time at least three calls for {@code seconds}: wall seconds
   * per call, calls, the calling thread's CPU seconds per call, the CPU seconds per call of all the
   * JVM's application threads together (the calling thread and the pool's workers), and the bytes
   * the calling thread allocated per call (NaN where the JVM cannot measure one). A one-thread
   * variant computes on the calling thread, so its CPU seconds are its work alone, which on a
   * loaded machine is the steadier figure; on several threads, all threads' CPU seconds against the
   * wall time show how much of the wall time the threads computed.
   */
  private double[] time(Runnable step) {
    long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
    int warm = 0;
    while (warm < 3 || System.nanoTime() < warmEnd) {
      step.run();
      warm++;
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    boolean cpu = threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
    boolean allCpu = cpu && threads.isThreadCpuTimeSupported();
    com.sun.management.ThreadMXBean allocation =
        threads instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported()
                && t.isThreadAllocatedMemoryEnabled()
            ? t
            : null;
    long self = Thread.currentThread().getId();
    int n = 0;
    long allocatedBegin = allocation == null ? 0 : allocation.getThreadAllocatedBytes(self);
    Map<Long, Long> allBegin = allCpu ? threadCpuTimes(threads) : Map.of();
    long cpuBegin = cpu ? threads.getCurrentThreadCpuTime() : 0;
    long begin = System.nanoTime();
    long end;
    do {
      step.run();
      n++;
      end = System.nanoTime();
    } while (n < 3 || end - begin < seconds * 1e9);
    double cpuSeconds = cpu ? (threads.getCurrentThreadCpuTime() - cpuBegin) / 1e9 / n : Double.NaN;
    double allSeconds = allCpu ? cpuSince(allBegin, threadCpuTimes(threads)) / 1e9 / n : Double.NaN;
    double allocated =
        allocation == null
            ? Double.NaN
            : (double) (allocation.getThreadAllocatedBytes(self) - allocatedBegin) / n;
    return new double[] {(end - begin) / 1e9 / n, n, cpuSeconds, allSeconds, allocated};
  }

  /** CPU nanoseconds so far of every live thread, by thread id. */
  private static Map<Long, Long> threadCpuTimes(ThreadMXBean threads) {
    Map<Long, Long> times = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      if (t >= 0) {
        times.put(id, t);
      }
    }
    return times;
  }

  /**
   * CPU nanoseconds the threads alive at {@code end} spent since {@code begin}: a thread that
   * started in between counts from zero, and a thread that ended in between is left out (its time
   * since {@code begin} cannot be read), so a pool thread retiring during the measurement cannot
   * subtract its whole past from the sum.
   */
  static long cpuSince(Map<Long, Long> begin, Map<Long, Long> end) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : end.entrySet()) {
      sum += e.getValue() - begin.getOrDefault(e.getKey(), 0L);
    }
    return sum;
  }

  private Map<String, Object> row(String variant, int threads, String kernel, double[] timing) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("variant", variant);
    row.put("backend", backend);
    row.put("sampler", sampler);
    row.put("prompts", prompts);
    row.put("responses", responses);
    row.put("threads", threads);
    if (kernel != null) {
      row.put("kernel", kernel);
    }
    row.put("seconds_per_step", timing[0]);
    row.put("steps_timed", (int) timing[1]);
    if (threads == 1 && !Double.isNaN(timing[2])) {
      row.put("cpu_seconds_per_step", timing[2]);
    }
    if (threads > 1 && !Double.isNaN(timing[3])) {
      row.put("all_threads_cpu_seconds_per_step", timing[3]);
    }
    if (threads == 1 && !Double.isNaN(timing[4])) {
      row.put("allocated_bytes_per_step", timing[4]);
    }
    return row;
  }

  private Map<String, Object> metricsRow(TabularProblem problem) {
    double[] logPolicy = new double[responses];
    double[] rewards = new double[responses];
    double[] scratch = new double[responses];
    for (int y = 0; y < responses; y++) {
      logPolicy[y] = -Math.log(responses);
    }
    double[] sink = new double[1];
    double[] timing =
        time(
            () -> {
              for (int x = 0; x < prompts; x++) {
                problem.copyRewards(x, rewards);
                sink[0] += BanditMetrics.of(logPolicy, rewards, beta, scratch).paramDiff();
              }
            });
    Map<String, Object> row = row("metrics-1-thread", 1, "scalar", timing);
    row.put("seconds_per_pass", row.remove("seconds_per_step"));
    if (row.containsKey("cpu_seconds_per_step")) {
      row.put("cpu_seconds_per_pass", row.remove("cpu_seconds_per_step"));
    }
    if (row.containsKey("allocated_bytes_per_step")) {
      row.put("allocated_bytes_per_pass", row.remove("allocated_bytes_per_step"));
    }
    row.put("java", System.getProperty("java.version"));
    row.put("checksum", sink[0]);
    return row;
  }
}
