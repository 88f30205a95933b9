package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.HostProducts;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicies;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.SamplerRequirement;
import dpo.api.sampler.Tilt;
import dpo.backend.cpu.CpuBackendProvider;
import dpo.core.objective.ObjectiveProviders;
import dpo.samplers.UniformSamplerProvider;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The contracts must be able to fail: each deliberately broken provider below is run through its
 * contract with the JUnit launcher, and exactly the tests that check the broken law fail. (The
 * broken contract classes are nested, so the build's own test run does not pick them up.)
 */
class ContractsCatchBrokenProvidersTest {

  /** Runs the selected tests and returns the names of those that failed. */
  private static Set<String> failures(DiscoverySelector... selectors) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(LauncherDiscoveryRequestBuilder.request().selectors(selectors).build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    assertTrue(summary.getTestsStartedCount() > 0, "no test ran");
    Set<String> failed = new TreeSet<>();
    for (TestExecutionSummary.Failure f : summary.getFailures()) {
      // A parameterized invocation is named after its arguments; its source names the method.
      failed.add(
          f.getTestIdentifier()
              .getSource()
              .filter(MethodSource.class::isInstance)
              .map(source -> ((MethodSource) source).getMethodName())
              .orElse(f.getTestIdentifier().getDisplayName()));
    }
    return failed;
  }

  // --- Samplers ---

  /** Its weight changes on every call, and it hides that it reads the policy. */
  public static final class FickleSamplerProvider implements SamplerProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public String id() {
      return "fickle";
    }

    @Override
    public String description() {
      return "changes with every call";
    }

    @Override
    public Set<SamplerRequirement> capabilities() {
      return Set.of();
    }

    @Override
    public Sampler create() {
      double w = 1 + calls.incrementAndGet();
      return () -> List.of(PairComponent.normalised(w, Tilt.POLICY, Tilt.UNIFORM));
    }
  }

  static class FickleSamplerContract extends SamplerContract {
    @Override
    protected SamplerProvider provider() {
      return new FickleSamplerProvider();
    }
  }

  @Test
  void samplerContractCatchesAnUnstableSamplerThatHidesItsCapabilities() {
    assertEquals(
        Set.of(
            "createIsRepeatable",
            "capabilitiesIncludeWhatTheTiltsNeed",
            "weightsDependOnThePolicyAndRewardsOnlyIfDeclared"),
        failures(selectClass(FickleSamplerContract.class)));
  }

  // --- Host products ---

  /**
   * Right to float rounding, but a batch's rows are summed from the last input to the first (a lone
   * row from the first), and one zero is written past the outputs when there is room.
   */
  static final class CarelessProducts implements HostProducts {
    @Override
    public int preparedBytes(int outputs, int inputs) {
      if (outputs < 1 || inputs < 1 || (long) outputs * (inputs + 1) * 4 > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("bad sizes " + outputs + " x " + inputs);
      }
      return outputs * (inputs + 1) * 4;
    }

    private static void need(ByteBuffer b, long bytes) {
      if (b.capacity() < bytes) {
        throw new IllegalArgumentException("buffer too small");
      }
    }

    @Override
    public void prepare(
        ByteBuffer weight, ByteBuffer bias, int outputs, int inputs, ByteBuffer prepared) {
      need(prepared, preparedBytes(outputs, inputs));
      need(weight, 4L * outputs * inputs);
      if (bias != null) {
        need(bias, 4L * outputs);
      }
      FloatBuffer to = prepared.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      FloatBuffer w = weight.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      for (int i = 0; i < outputs * inputs; i++) {
        to.put(i, w.get(i));
      }
      for (int o = 0; o < outputs; o++) {
        to.put(
            outputs * inputs + o,
            bias == null ? 0f : bias.duplicate().order(ByteOrder.nativeOrder()).getFloat(4 * o));
      }
    }

    @Override
    public void multiply(
        ByteBuffer prepared, int outputs, int inputs, ByteBuffer x, int rows, ByteBuffer y) {
      need(prepared, preparedBytes(outputs, inputs));
      need(x, 4L * rows * inputs);
      need(y, 4L * rows * outputs);
      FloatBuffer p = prepared.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      FloatBuffer in = x.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      FloatBuffer out = y.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < outputs; o++) {
          float sum = 0;
          for (int j = 0; j < inputs; j++) {
            int k = rows > 1 ? inputs - 1 - j : j;
            sum += p.get(o * inputs + k) * in.get(r * inputs + k);
          }
          out.put(r * outputs + o, sum + p.get(outputs * inputs + o));
        }
      }
      if (out.capacity() > rows * outputs) {
        out.put(rows * outputs, 0f);
      }
    }

    @Override
    public void close() {}
  }

  static class CarelessProductsContract extends HostProductsContract {
    @Override
    protected HostProducts products(int threads) {
      return new CarelessProducts();
    }
  }

  @Test
  void hostProductsContractCatchesBatchDependentBitsAndWritesPastTheOutputs() {
    assertEquals(
        Set.of("aRowsBitsDependOnNeitherItsBatchNorTheThreads", "nothingPastTheOutputsIsWritten"),
        failures(selectClass(CarelessProductsContract.class)));
  }

  // --- Objectives ---

  /** The DPO loss with a derivative 1% too large. */
  public static final class SloppyObjectiveProvider implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "sloppy";
    }

    @Override
    public String description() {
      return "derivative 1% off";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      Objective dpo = new ObjectiveProviders.Sigmoid().create(config);
      return new Objective() {
        @Override
        public double beta() {
          return config.beta();
        }

        @Override
        public double loss(double h, double p) {
          return dpo.loss(h, p);
        }

        @Override
        public double derivative(double h, double p) {
          return 1.01 * dpo.derivative(h, p);
        }
      };
    }
  }

  static class SloppyObjectiveContract extends ObjectiveContract {
    @Override
    protected ObjectiveProvider provider() {
      return new SloppyObjectiveProvider();
    }
  }

  /** A loss that counts only the first response's win: not symmetric, not an expectation. */
  public static final class OneSidedObjectiveProvider implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "one-sided";
    }

    @Override
    public String description() {
      return "only wins count";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      Objective dpo =
          new ObjectiveProviders.Sigmoid().create(ObjectiveConfig.ofBeta(config.beta()));
      return new Objective() {
        @Override
        public double beta() {
          return config.beta();
        }

        // The configured smoothing is applied the right way: only the asymmetry is wrong.
        private double q(double p) {
          return (1 - config.labelSmoothing()) * p + config.labelSmoothing() * (1 - p);
        }

        @Override
        public double loss(double h, double p) {
          return q(p) * dpo.loss(h, 1) + (1 - q(p)) * 0.5 * dpo.loss(h, 0);
        }

        @Override
        public double derivative(double h, double p) {
          return q(p) * dpo.derivative(h, 1) + (1 - q(p)) * 0.5 * dpo.derivative(h, 0);
        }
      };
    }
  }

  static class OneSidedObjectiveContract extends ObjectiveContract {
    @Override
    protected ObjectiveProvider provider() {
      return new OneSidedObjectiveProvider();
    }
  }

  @Test
  void objectiveContractCatchesAWrongDerivativeAndABrokenSymmetry() {
    assertEquals(
        Set.of("derivativeMatchesFiniteDifferences"),
        failures(selectClass(SloppyObjectiveContract.class)));
    assertEquals(
        Set.of("lossIsSymmetricUnderSwappingThePair"),
        failures(selectClass(OneSidedObjectiveContract.class)));
  }

  /** The DPO loss that ignores the configured label smoothing. */
  public static final class UnsmoothedObjectiveProvider implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "unsmoothed";
    }

    @Override
    public String description() {
      return "drops label smoothing";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      return new ObjectiveProviders.Sigmoid().create(ObjectiveConfig.ofBeta(config.beta()));
    }
  }

  static class UnsmoothedObjectiveContract extends ObjectiveContract {
    @Override
    protected ObjectiveProvider provider() {
      return new UnsmoothedObjectiveProvider();
    }
  }

  /**
   * The DPO loss with a naive softplus, log(1 + exp(x)): right wherever exp(x) is finite, infinite
   * once beta h passes 709.78.
   */
  public static final class NaiveSoftplusObjectiveProvider implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "naive-softplus";
    }

    @Override
    public String description() {
      return "overflows past beta h = 709.78";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      double beta = config.beta();
      return new Objective() {
        @Override
        public double beta() {
          return beta;
        }

        @Override
        public double loss(double h, double p) {
          double x = beta * h;
          return p * Math.log(1 + Math.exp(-x)) + (1 - p) * Math.log(1 + Math.exp(x));
        }

        @Override
        public double derivative(double h, double p) {
          return beta * (1 / (1 + Math.exp(-beta * h)) - p);
        }
      };
    }
  }

  static class NaiveSoftplusObjectiveContract extends ObjectiveContract {
    @Override
    protected ObjectiveProvider provider() {
      return new NaiveSoftplusObjectiveProvider();
    }

    @Override
    protected List<ObjectiveConfig> configs() {
      // The naive loss ignores smoothing too; without smoothing only the overflow is wrong.
      return List.of(
          ObjectiveConfig.ofBeta(0.1), ObjectiveConfig.ofBeta(1), ObjectiveConfig.ofBeta(3));
    }
  }

  @Test
  void objectiveContractCatchesIgnoredLabelSmoothingAndAnOverflowPastTheWideRange() {
    assertEquals(
        Set.of("labelSmoothingFlipsTheLabel"),
        failures(selectClass(UnsmoothedObjectiveContract.class)));
    assertEquals(
        Set.of("valuesAreFiniteBeyondExpOverflow"),
        failures(selectClass(NaiveSoftplusObjectiveContract.class)));
  }

  // --- Oracles ---

  /** Scores a response by its mean character code: 0 / 0 for an empty one. */
  public static class MeanCharOracle implements RewardOracle {
    @Override
    public double[] score(List<String> prompts, List<String> responses) {
      if (prompts.size() != responses.size()) {
        throw new IllegalArgumentException("prompts and responses differ in length");
      }
      double[] scores = new double[responses.size()];
      for (int i = 0; i < scores.length; i++) {
        String r = responses.get(i).strip();
        double sum = r.chars().sum();
        scores[i] = sum / r.length() / 1000;
      }
      return scores;
    }

    @Override
    public void close() {}
  }

  /** A working oracle under an id that --oracle could not take: upper case and an underscore. */
  public static final class BadIdOracleProvider implements RewardOracleProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "Mean_Char";
    }

    @Override
    public String description() {
      return "mean character code";
    }

    @Override
    public RewardOracle create(OracleConfig config) {
      return new MeanCharOracle() {
        @Override
        public double[] score(List<String> prompts, List<String> responses) {
          double[] s = super.score(prompts, responses);
          for (int i = 0; i < s.length; i++) {
            s[i] = Double.isNaN(s[i]) ? 0 : s[i];
          }
          return s;
        }
      };
    }
  }

  static class EmptyIsNanOracleContract extends OracleContract {
    @Override
    protected RewardOracle oracle() {
      return new MeanCharOracle();
    }
  }

  static class BadIdOracleContract extends OracleContract {
    @Override
    protected RewardOracleProvider provider() {
      return new BadIdOracleProvider();
    }

    @Override
    protected RewardOracle oracle() {
      return provider().create(OracleConfig.of(Map.of()));
    }
  }

  @Test
  void oracleContractCatchesNanForAnEmptyResponseAndANonKebabProviderId() {
    assertEquals(
        Set.of("emptyAndBlankResponsesGetFiniteScores"),
        failures(selectClass(EmptyIsNanOracleContract.class)));
    assertEquals(
        Set.of("providerDescribesItself"), failures(selectClass(BadIdOracleContract.class)));
  }

  // --- Backends ---

  /** The CPU backend with every exact step 1% too long, and policies that ignore close(). */
  public static final class OvershootingBackendProvider implements PolicyBackendProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "overshooting";
    }

    @Override
    public String description() {
      return "exact steps 1% too long";
    }

    @Override
    public Set<BackendCapability> capabilities() {
      return Set.of(BackendCapability.EXACT_GRADIENT);
    }

    @Override
    public PolicyBackend create(BackendConfig config) {
      PolicyBackend cpu = new CpuBackendProvider().create(config);
      return new PolicyBackend() {
        @Override
        public String id() {
          return "overshooting";
        }

        @Override
        public Set<BackendCapability> capabilities() {
          return Set.of(BackendCapability.EXACT_GRADIENT);
        }

        @Override
        public DeviceInfo device() {
          return cpu.device();
        }

        @Override
        public Optional<TabularPolicies> tabularPolicies() {
          TabularPolicies inner = cpu.tabularPolicies().orElseThrow();
          return Optional.of(problem -> new Overshooting(inner.newTabularPolicy(problem)));
        }

        @Override
        public void close() {
          cpu.close();
        }
      };
    }
  }

  /** Delegates to a CPU policy, stretches its exact steps by 1% and never closes it. */
  private record Overshooting(TabularPolicy cpu) implements TabularPolicy {
    @Override
    public TabularProblem problem() {
      return cpu.problem();
    }

    @Override
    public void logProbabilities(int prompt, double[] out) {
      cpu.logProbabilities(prompt, out);
    }

    @Override
    public void parameters(int prompt, double[] out) {
      cpu.parameters(prompt, out);
    }

    @Override
    public void setParameters(int prompt, double[] values) {
      cpu.setParameters(prompt, values);
    }

    @Override
    public StepReport exactStep(Sampler sampler, Objective objective, StepSize stepSize) {
      int n = problem().responses();
      double[][] before = new double[problem().prompts()][n];
      for (int x = 0; x < before.length; x++) {
        cpu.parameters(x, before[x]);
      }
      StepReport report = cpu.exactStep(sampler, objective, stepSize);
      double[] after = new double[n];
      for (int x = 0; x < before.length; x++) {
        cpu.parameters(x, after);
        for (int y = 0; y < n; y++) {
          after[y] = before[x][y] + 1.01 * (after[y] - before[x][y]);
        }
        cpu.setParameters(x, after);
      }
      return report;
    }

    @Override
    public StepReport sampledStep(
        Sampler sampler,
        Objective objective,
        StepSize stepSize,
        int pairs,
        SplittableRandom random) {
      return cpu.sampledStep(sampler, objective, stepSize, pairs, random);
    }

    @Override
    public void close() {
      // Deliberately keeps the policy usable: the contract must notice.
    }
  }

  static class OvershootingBackendContract extends BackendContract {
    @Override
    protected PolicyBackendProvider provider() {
      return new OvershootingBackendProvider();
    }

    @Override
    protected Optional<PolicyBackend> referenceBackend() {
      return Optional.of(CpuBackendContractTest.scalarCpuBackend());
    }
  }

  /** A correct sampler, checked on the overshooting backend instead of those on the class path. */
  static class UniformOnAnOvershootingBackendContract extends SamplerContract {
    @Override
    protected SamplerProvider provider() {
      return new UniformSamplerProvider();
    }

    @Override
    protected List<PolicyBackendProvider> backends() {
      return List.of(new OvershootingBackendProvider());
    }
  }

  @Test
  void samplerContractChecksTheStepsOfTheBackendsItIsGiven() {
    assertEquals(
        Set.of("exactStepsMatchTheDefinitionOnEveryBackend"),
        failures(selectClass(UniformOnAnOvershootingBackendContract.class)));
  }

  @Test
  void backendContractCatchesAWrongGradientAndAPolicyThatIgnoresClose() {
    Class<?> c = OvershootingBackendContract.class;
    // The overshoot passes the step-size test (the report is right), but not the gradient ones.
    assertEquals(
        Set.of(
            "exactGradientMatchesFiniteDifferencesWithFrozenWeights",
            "agreesWithTheDefinitionOnThePaperStudyStepByStep",
            "stepsWithoutTheLossMatchTheDefinitionOnThePaperStudy",
            "studyCurvesMatchTheDefinition",
            "agreesWithTheReferenceBackendOnThePaperStudyStepByStep",
            "useAfterCloseFailsClearly"),
        failures(
            selectMethod(
                c,
                "exactGradientMatchesFiniteDifferencesWithFrozenWeights",
                "dpo.api.sampler.Sampler,dpo.api.objective.Objective"),
            selectMethod(c, "agreesWithTheDefinitionOnThePaperStudyStepByStep"),
            selectMethod(c, "stepsWithoutTheLossMatchTheDefinitionOnThePaperStudy"),
            selectMethod(c, "studyCurvesMatchTheDefinition"),
            selectMethod(c, "agreesWithTheReferenceBackendOnThePaperStudyStepByStep"),
            selectMethod(c, "useAfterCloseFailsClearly"),
            selectMethod(c, "stepSizesAreReported"),
            selectMethod(c, "closeIsIdempotent")));
  }
}
