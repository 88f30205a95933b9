package dpo.bench.jmh;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.sampler.Sampler;
import dpo.backend.cpu.MixPCeiling;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditExperiment;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * What it measures: one exact DPO step of a tabular policy (sampler weights, loss and gradient for
 * every ordered pair of every prompt), single-threaded, per kernel:
 *
 *   baseline  the generic path: the objective called through its interface for each of the Y * Y
 *             ordered pairs, weights evaluated pair by pair. This is the straightforward
 *             formulation the kernels must beat, written in the same language.
 *   scalar    the ratio-form kernel in plain Java over the Y (Y - 1) / 2 unordered pairs.
 *   simd      the same kernel on the Vector API.
 *   simdAllThreads  the SIMD kernel with one worker per available processor (prompts in
 *             parallel); its ratio to simd is the multi-core scaling.
 *   ...NoLoss the same steps without the loss (TabularPolicy.exactStep(..., false)), as a training
 *             loop runs the steps where it records no metrics: the gradient-only pass, one
 *             division per pair and no logarithm; for dpo-mix-p the paired fast path.
 *   ceiling, ceilingAllThreads  the cpu backend's MixPCeiling, a Vector API kernel written for
 *             the dpo-mix-p gradient alone (per-response exponentials, one division per pair,
 *             prompts split across threads as the backend splits them): the ratio
 *             simdNoLoss / ceiling is how far the project's general kernel is from what this
 *             machine does.
 *
 * Each call is a full step with a tiny learning rate, so the policy, and with it the work, stays
 * the same from call to call; the StepReport is returned so that nothing is optimised away.
 *
 * How to run: ./dpo jmh ExactStep                 (all parameters, about 4 minutes)
 *             ./dpo jmh ExactStep -p responses=512 -f 1 -wi 3 -i 5
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dai.djl.offline=true"})
public class ExactStepBenchmark {

  @Param({"64", "512"})
  public int responses;

  @Param({"16"})
  public int prompts;

  @Param({"dpo-mix-p"})
  public String sampler;

  private PolicyBackend generic;
  private PolicyBackend scalar;
  private PolicyBackend simd;
  private PolicyBackend simdAll;
  private TabularPolicy genericPolicy;
  private TabularPolicy scalarPolicy;
  private TabularPolicy simdPolicy;
  private TabularPolicy simdAllPolicy;
  private Sampler pairSampler;
  private Objective objective;
  private Objective opaqueObjective;
  private final StepSize step = StepSize.fixed(1e-9);
  private MixPCeiling ceiling;
  private ForkJoinPool onePool;
  private ForkJoinPool allPool;

  @Setup(Level.Trial)
  public void setUp() {
    DpoRuntime runtime = DpoRuntime.builder().build();
    pairSampler = runtime.samplers().get(sampler).create();
    objective = runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(3));
    opaqueObjective = hideClosedForm(objective);
    TabularProblem problem = BanditExperiment.gaussianRewards(prompts, responses, 1234567);
    var provider = runtime.backends().get("cpu");
    generic = provider.create(new BackendConfig(1).withOption("kernel", "scalar"));
    scalar = provider.create(new BackendConfig(1).withOption("kernel", "scalar"));
    simd = provider.create(new BackendConfig(1).withOption("kernel", "simd"));
    simdAll =
        provider.create(
            new BackendConfig(Runtime.getRuntime().availableProcessors())
                .withOption("kernel", "simd"));
    genericPolicy = start(generic.tabularPolicies().orElseThrow().newTabularPolicy(problem));
    scalarPolicy = start(scalar.tabularPolicies().orElseThrow().newTabularPolicy(problem));
    simdPolicy = start(simd.tabularPolicies().orElseThrow().newTabularPolicy(problem));
    simdAllPolicy = start(simdAll.tabularPolicies().orElseThrow().newTabularPolicy(problem));
    ceiling = new MixPCeiling(problem, 3, 1e-9);
    start(ceiling::setParameters);
    onePool = new ForkJoinPool(1);
    allPool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
  }

  private TabularPolicy start(TabularPolicy policy) {
    start(policy::setParameters);
    return policy;
  }

  private void start(BiConsumer<Integer, double[]> setParameters) {
    SplittableRandom r = new SplittableRandom(7);
    double[] row = new double[responses];
    for (int x = 0; x < prompts; x++) {
      for (int y = 0; y < responses; y++) {
        row[y] = 0.3 * r.nextGaussian();
      }
      setParameters.accept(x, row);
    }
  }

  /** The same loss without its closed form, so the backend must take the generic path. */
  private static Objective hideClosedForm(Objective o) {
    return new Objective() {
      @Override
      public double beta() {
        return o.beta();
      }

      @Override
      public double loss(double h, double p) {
        return o.loss(h, p);
      }

      @Override
      public double derivative(double h, double p) {
        return o.derivative(h, p);
      }
    };
  }

  @Benchmark
  public StepReport baseline() {
    return genericPolicy.exactStep(pairSampler, opaqueObjective, step);
  }

  @Benchmark
  public StepReport scalar() {
    return scalarPolicy.exactStep(pairSampler, objective, step);
  }

  @Benchmark
  public StepReport simd() {
    return simdPolicy.exactStep(pairSampler, objective, step);
  }

  @Benchmark
  public StepReport simdAllThreads() {
    return simdAllPolicy.exactStep(pairSampler, objective, step);
  }

  @Benchmark
  public StepReport scalarNoLoss() {
    return scalarPolicy.exactStep(pairSampler, objective, step, false);
  }

  @Benchmark
  public StepReport simdNoLoss() {
    return simdPolicy.exactStep(pairSampler, objective, step, false);
  }

  @Benchmark
  public StepReport simdAllThreadsNoLoss() {
    return simdAllPolicy.exactStep(pairSampler, objective, step, false);
  }

  /** Meaningful for dpo-mix-p only, the sampler the ceiling is written for. */
  @Benchmark
  public MixPCeiling ceiling() {
    ceiling.step(onePool);
    return ceiling;
  }

  @Benchmark
  public MixPCeiling ceilingAllThreads() {
    ceiling.step(allPool);
    return ceiling;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    genericPolicy.close();
    scalarPolicy.close();
    simdPolicy.close();
    simdAllPolicy.close();
    generic.close();
    scalar.close();
    simd.close();
    simdAll.close();
    onePool.shutdown();
    allPool.shutdown();
  }
}
