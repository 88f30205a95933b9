package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
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
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.SamplerRequirement;
import dpo.api.sampler.Tilt;
import dpo.backend.cpu.CpuBackendProvider;
import dpo.core.objective.ObjectiveProviders;
import java.util.List;
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
      failed.add(f.getTestIdentifier().getSource()
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
        Set.of("createIsRepeatable", "capabilitiesIncludeWhatTheTiltsNeed",
            "weightsDependOnThePolicyAndRewardsOnlyIfDeclared"),
        failures(selectClass(FickleSamplerContract.class)));
  }

  // --- Objectives ---

  /** The DPO loss with a derivative 1% too large, and an asymmetric smoothing. */
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
      Objective dpo = new ObjectiveProviders.Sigmoid().create(ObjectiveConfig.ofBeta(config.beta()));
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
      Objective dpo = new ObjectiveProviders.Sigmoid().create(ObjectiveConfig.ofBeta(config.beta()));
      return new Objective() {
        @Override
        public double beta() {
          return config.beta();
        }

        @Override
        public double loss(double h, double p) {
          return p * dpo.loss(h, 1) + (1 - p) * 0.5 * dpo.loss(h, 0);
        }

        @Override
        public double derivative(double h, double p) {
          return p * dpo.derivative(h, 1) + (1 - p) * 0.5 * dpo.derivative(h, 0);
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
    assertEquals(Set.of("derivativeMatchesFiniteDifferences"),
        failures(selectClass(SloppyObjectiveContract.class)));
    assertEquals(Set.of("lossIsSymmetricUnderSwappingThePair"),
        failures(selectClass(OneSidedObjectiveContract.class)));
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
    public StepReport sampledStep(Sampler sampler, Objective objective, StepSize stepSize,
        int pairs, SplittableRandom random) {
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
  }

  @Test
  void backendContractCatchesAWrongGradientAndAPolicyThatIgnoresClose() {
    Class<?> c = OvershootingBackendContract.class;
    // The overshoot passes the step-size test (the report is right), but not the gradient ones.
    assertEquals(
        Set.of("exactGradientMatchesFiniteDifferencesWithFrozenWeights",
            "agreesWithTheCpuBackendOnThePaperStudyStepByStep",
            "studyDriverReproducesTheCpuBackendsCurves", "useAfterCloseFailsClearly"),
        failures(
            selectMethod(c, "exactGradientMatchesFiniteDifferencesWithFrozenWeights",
                "dpo.api.sampler.Sampler,dpo.api.objective.Objective"),
            selectMethod(c, "agreesWithTheCpuBackendOnThePaperStudyStepByStep"),
            selectMethod(c, "studyDriverReproducesTheCpuBackendsCurves"),
            selectMethod(c, "useAfterCloseFailsClearly"),
            selectMethod(c, "stepSizesAreReported"),
            selectMethod(c, "closeIsIdempotent")));
  }
}
