package dpo.bench.jmh;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.sampler.Sampler;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditExperiment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * What it measures: one sampled DPO step, single-threaded: per prompt, the sampler's alias tables
 * are rebuilt, `pairs` ordered pairs are drawn and labelled, and the mean hard-label gradient is
 * applied. Divide `pairs * prompts` by the time for pairs per second.
 *
 *   baseline  a step with a single pair per prompt: the per-prompt fixed cost (softmax, tilts,
 *             alias tables), to subtract from the full step.
 *   sampled   the full step with `pairs` pairs per prompt, with the default (SIMD) kernel: for
 *             uncapped samplers it draws and evaluates a vector of pairs in lanes.
 *   sampledScalar  the same step with the scalar kernel, one pair at a time (the loop the SIMD
 *             kernel replaced); both give the same bits, so sampledScalar / sampled is the
 *             speed-up of the lanes.
 *
 * How to run: ./dpo jmh SampledStep
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dai.djl.offline=true"})
public class SampledStepBenchmark {

  @Param({"512"})
  public int responses;

  @Param({"16"})
  public int prompts;

  @Param({"8192"})
  public int pairs;

  @Param({"dpo-mix-p", "dpo-mix-p-star"})
  public String sampler;

  private PolicyBackend backend;
  private TabularPolicy policy;
  private PolicyBackend scalarBackend;
  private TabularPolicy scalarPolicy;
  private Sampler pairSampler;
  private Objective objective;
  private final SplittableRandom random = new SplittableRandom(42);
  private final StepSize step = StepSize.fixed(1e-9);

  @Setup(Level.Trial)
  public void setUp() {
    DpoRuntime runtime = DpoRuntime.builder().build();
    pairSampler = runtime.samplers().get(sampler).create();
    objective = runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(3));
    var problem = BanditExperiment.gaussianRewards(prompts, responses, 1234567);
    backend = runtime.backends().get("cpu").create(new BackendConfig(1));
    policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem);
    scalarBackend =
        runtime.backends().get("cpu").create(new BackendConfig(1).withOption("kernel", "scalar"));
    scalarPolicy = scalarBackend.tabularPolicies().orElseThrow().newTabularPolicy(problem);
  }

  @Benchmark
  public StepReport baseline() {
    return policy.sampledStep(pairSampler, objective, step, 1, random);
  }

  @Benchmark
  public StepReport sampled() {
    return policy.sampledStep(pairSampler, objective, step, pairs, random);
  }

  @Benchmark
  public StepReport sampledScalar() {
    return scalarPolicy.sampledStep(pairSampler, objective, step, pairs, random);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    policy.close();
    backend.close();
    scalarPolicy.close();
    scalarBackend.close();
  }
}
