package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dpo.api.Provider;
import dpo.api.TrainingDivergedException;
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
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of a {@link PolicyBackendProvider}. Extend it in your own test sources and return
 * your provider:
 *
 * <pre>{@code
 * class MyBackendTest extends BackendContract {
 *   @Override
 *   protected PolicyBackendProvider provider() {
 *     return new MyBackendProvider();
 *   }
 * }
 * }</pre>
 *
 * <p>It checks the provider and backend lifecycle (ids, capabilities, a facet exactly for each
 * capability, the device description, idempotent {@code close()}, clear failures after it, threads
 * stopped) and, for backends with tabular policies: that a policy starts at the uniform reference;
 * that the exact gradient matches central finite differences of the sampler-weighted loss with the
 * weights frozen at the current parameters (the weights come from {@link TabularReference},
 * computed from the sampler's definition), for the paper's samplers (written by the testkit from
 * docs/method.md) and every other sampler on the test class path, with a logistic, a smoothed
 * logistic and a non-logistic (IPO) objective; the step sizes; determinism and independence of the
 * thread count; reproducible, unbiased sampled steps; divergence reported as {@link
 * TrainingDivergedException}; and, on the paper's tabular study (one prompt, 20 responses, beta 3,
 * 100 steps at learning rate 10), agreement to 1e-6 with the exact steps of {@link
 * TabularReference} step by step and with the study's Param Diff and Value Diff curves.
 *
 * <p>The testkit brings no backend of its own. To compare step by step with another backend as
 * well, such as the CPU backend, add it to the test class path and override {@link
 * #referenceBackend()}. Tests of a capability the backend lacks are skipped. A test that cannot
 * apply may be overridden in the subclass and marked {@code @Disabled} with the reason.
 */
public abstract class BackendContract {
  /** Relative agreement required with finite differences and with the reference backend. */
  static final double AGREEMENT = 1e-6;

  private static final double BETA = 3;

  /**
   * The provider under test. Called once per test; may return a new instance each time.
   *
   * @return the provider
   */
  protected abstract PolicyBackendProvider provider();

  /**
   * The config the contract creates backends with; override to add options.
   *
   * @param threads worker threads (1, 2 or 3 in the contract)
   * @return the config
   */
  protected BackendConfig config(int threads) {
    return new BackendConfig(threads);
  }

  /**
   * A second backend that this one must agree with to 1e-6, step by step, on the paper's tabular
   * study; empty by default, which skips that test. Called once, by that test, which closes the
   * backend. For example, with {@code dpo-backend-cpu} in test scope, its plain scalar kernel:
   *
   * <pre>{@code
   * @Override
   * protected Optional<PolicyBackend> referenceBackend() {
   *   return Optional.of(
   *       new CpuBackendProvider().create(new BackendConfig(1).withOption("kernel", "scalar")));
   * }
   * }</pre>
   *
   * @return a new backend with {@link BackendCapability#EXACT_GRADIENT}, or empty
   */
  protected Optional<PolicyBackend> referenceBackend() {
    return Optional.empty();
  }

  /** Creates the contract. */
  protected BackendContract() {}

  /**
   * The paper's samplers and every other sampler on the test class path, each with a logistic, a
   * label-smoothed logistic and the IPO loss.
   *
   * @return the arguments of the gradient test
   */
  static Stream<Arguments> samplersAndObjectives() {
    Map<String, Sampler> samplers = new java.util.LinkedHashMap<>(ReferenceSamplers.all());
    for (SamplerProvider s : Discovered.samplers()) {
      samplers.putIfAbsent(s.id(), s.create());
    }
    List<Arguments> args = new ArrayList<>();
    samplers.forEach(
        (id, s) -> {
          args.add(
              Arguments.of(
                  Named.of(id, s), Named.of("sigmoid", ReferenceObjectives.sigmoid(BETA, 0))));
          args.add(
              Arguments.of(
                  Named.of(id, s),
                  Named.of("sigmoid, smoothing 0.1", ReferenceObjectives.sigmoid(BETA, 0.1))));
          args.add(Arguments.of(Named.of(id, s), Named.of("ipo", ReferenceObjectives.ipo(BETA))));
        });
    return args.stream();
  }

  // --- Provider and backend ---

  @Test
  public void providerDescribesItself() {
    PolicyBackendProvider p = provider();
    assertNotNull(p.id(), "id() must not be null");
    assertTrue(
        p.id().matches(Provider.ID_PATTERN),
        "id '" + p.id() + "' must be kebab-case (" + Provider.ID_PATTERN + ")");
    assertNotNull(p.description(), "description() must not be null");
    assertFalse(p.description().isBlank(), "description() must say what the backend is");
    assertNotNull(p.capabilities(), "capabilities() must not be null");
  }

  @Test
  public void backendNamesItsProviderAndClaimsNoMoreThanIt() {
    PolicyBackendProvider p = provider();
    try (PolicyBackend b = p.create(config(1))) {
      assertEquals(p.id(), b.id(), "the backend's id() must be its provider's");
      assertTrue(
          p.capabilities().containsAll(b.capabilities()),
          "the backend offers "
              + b.capabilities()
              + " but its provider advertises only "
              + p.capabilities()
              + "; listings and run checks read the provider");
    }
  }

  @Test
  public void facetsMatchTheCapabilities() {
    try (PolicyBackend b = provider().create(config(1))) {
      Set<BackendCapability> caps = b.capabilities();
      assertNotNull(caps, "capabilities() must not be null");
      boolean tabular =
          caps.contains(BackendCapability.EXACT_GRADIENT)
              || caps.contains(BackendCapability.SAMPLED_GRADIENT);
      assertFacet(
          tabular, b.tabularPolicies(), "tabularPolicies()", "EXACT_GRADIENT or SAMPLED_GRADIENT");
      assertFacet(
          caps.contains(BackendCapability.LANGUAGE_MODELS),
          b.languageModels(),
          "languageModels()",
          "LANGUAGE_MODELS");
      assertFacet(
          caps.contains(BackendCapability.REWARD_MODELS),
          b.rewardModels(),
          "rewardModels()",
          "REWARD_MODELS");
    }
  }

  private static void assertFacet(
      boolean advertised, Optional<?> facet, String accessor, String capability) {
    assertNotNull(facet, accessor + " must return an Optional, never null");
    assertEquals(
        advertised,
        facet.isPresent(),
        advertised
            ? accessor + " is empty, but the backend has " + capability + "; return the facet"
            : accessor
                + " offers a facet, but the backend lacks "
                + capability
                + "; add the capability or return Optional.empty()");
  }

  @Test
  public void deviceIsDescribed() {
    try (PolicyBackend b = provider().create(config(1))) {
      DeviceInfo device = b.device();
      assertNotNull(
          device, "device() must say where the backend computes (provenance records" + " it)");
      assertFalse(device.device().isBlank(), "device().device() must name the device");
      assertFalse(device.engine().isBlank(), "device().engine() must name the engine");
      assertFalse(device.engineVersion().isBlank(), "device().engineVersion() must not be blank");
    }
  }

  @Test
  public void closeIsIdempotent() {
    PolicyBackend b = provider().create(config(2));
    if (tabular()) {
      TabularPolicy policy = policies(b).newTabularPolicy(TabularReference.randomProblem(2, 4, 1));
      policy.close();
      policy.close();
    }
    b.close();
    b.close();
  }

  @Test
  public void useAfterCloseFailsClearly() {
    assumeTrue(tabular(), "the backend has no tabular policies");
    Sampler s = ReferenceSamplers.mixP();
    Objective o = ReferenceObjectives.sigmoid(BETA, 0);
    TabularProblem problem = TabularReference.randomProblem(3, 4, 1);
    try (PolicyBackend b = provider().create(config(2))) {
      TabularPolicy closed = policies(b).newTabularPolicy(problem);
      closed.close();
      assertClosedFailure(() -> step(closed, s, o), "a step of a closed policy");
    }
    PolicyBackend b = provider().create(config(2));
    TabularPolicy orphan = policies(b).newTabularPolicy(problem);
    b.close();
    assertClosedFailure(
        () -> policies(b).newTabularPolicy(problem), "newTabularPolicy of a closed backend");
    assertClosedFailure(() -> step(orphan, s, o), "a step of a policy whose backend is closed");
    orphan.close();
  }

  @Test
  public void closingStopsTheThreadsTheBackendStarted() throws InterruptedException {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    PolicyBackend b = provider().create(config(2));
    if (tabular()) {
      try (TabularPolicy policy =
          policies(b).newTabularPolicy(TabularReference.randomProblem(8, 16, 1))) {
        step(policy, ReferenceSamplers.mixP(), ReferenceObjectives.sigmoid(BETA, 0));
      }
    }
    b.close();
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<Thread> alive;
    do {
      alive = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        // The JVM's common pool is shared, not the backend's to stop.
        if (!before.contains(t)
            && t.isAlive()
            && !t.getName().startsWith("ForkJoinPool.commonPool")) {
          alive.add(t);
        }
      }
      if (!alive.isEmpty()) {
        Thread.sleep(20);
      }
    } while (!alive.isEmpty() && System.nanoTime() < deadline);
    assertTrue(
        alive.isEmpty(),
        "threads started while the backend was open still run 10 s after close(): "
            + alive.stream().map(Thread::getName).toList());
  }

  // --- Tabular policies ---

  @Test
  public void newPolicyStartsAtTheUniformReference() {
    assumeTrue(tabular(), "the backend has no tabular policies");
    TabularProblem problem = TabularReference.randomProblem(2, 5, 3);
    try (PolicyBackend b = provider().create(config(1));
        TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
      assertEquals(
          problem, policy.problem(), "problem() must be the problem the policy was made for");
      double[] out = new double[5];
      for (int x = 0; x < 2; x++) {
        policy.parameters(x, out);
        assertArrayEquals(new double[5], out, 0, "theta of prompt " + x + " must start at 0");
        policy.logProbabilities(x, out);
        double[] uniform = new double[5];
        Arrays.fill(uniform, -Math.log(5));
        assertArrayEquals(uniform, out, 1e-12, "log pi of prompt " + x + " must start uniform");
      }
    }
  }

  @Test
  public void parametersRoundTripAndLogProbabilitiesAreTheLogSoftmax() {
    assumeTrue(tabular(), "the backend has no tabular policies");
    int n = 6;
    TabularProblem problem = TabularReference.randomProblem(3, n, 4);
    double[][] theta = TabularReference.randomParameters(3, n, 40, new SplittableRandom(5));
    try (PolicyBackend b = provider().create(config(1));
        TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
      for (int x = 0; x < 3; x++) {
        policy.setParameters(x, theta[x]);
      }
      double[] out = new double[n];
      for (int x = 0; x < 3; x++) {
        policy.parameters(x, out);
        assertArrayEquals(theta[x], out, 0, "parameters(" + x + ") after setParameters");
        policy.logProbabilities(x, out);
        assertArrayEquals(
            TabularReference.logSoftmax(theta[x]),
            out,
            1e-9,
            "logProbabilities(" + x + ") must be log softmax(theta), even for large logits");
      }
    }
  }

  @Test
  public void invalidArgumentsAreRejected() {
    assumeTrue(tabular(), "the backend has no tabular policies");
    try (PolicyBackend b = provider().create(config(1));
        TabularPolicy policy =
            policies(b).newTabularPolicy(TabularReference.randomProblem(1, 4, 1))) {
      assertThrows(
          IllegalArgumentException.class,
          () -> policy.setParameters(0, new double[3]),
          "setParameters with 3 values for 4 responses");
      assertThrows(
          IllegalArgumentException.class,
          () -> policy.setParameters(0, new double[] {0, Double.NaN, 0, 0}),
          "setParameters with NaN");
      assertThrows(
          IllegalArgumentException.class,
          () -> policy.setParameters(0, new double[] {0, Double.POSITIVE_INFINITY, 0, 0}),
          "setParameters with infinity");
      if (sampled()) {
        assertThrows(
            IllegalArgumentException.class,
            () ->
                policy.sampledStep(
                    ReferenceSamplers.uniform(),
                    ReferenceObjectives.sigmoid(BETA, 0),
                    StepSize.fixed(1),
                    0,
                    new SplittableRandom(1)),
            "sampledStep with 0 pairs");
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("dpo.testkit.BackendContract#samplersAndObjectives")
  public void exactGradientMatchesFiniteDifferencesWithFrozenWeights(
      Sampler sampler, Objective objective) {
    assumeTrue(exact(), "the backend lacks EXACT_GRADIENT");
    int prompts = 3;
    int n = 5;
    TabularProblem problem = TabularReference.randomProblem(prompts, n, 42);
    double[][] theta0 = TabularReference.randomParameters(prompts, n, 0.5, new SplittableRandom(7));
    try (PolicyBackend b = provider().create(config(2));
        TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
      for (int x = 0; x < prompts; x++) {
        policy.setParameters(x, theta0[x]);
      }
      // eta = 1 per prompt, so theta1_x = theta0_x - grad L_x: the gradient of that prompt's loss.
      StepReport report = policy.exactStep(sampler, objective, StepSize.fixed(1));
      double meanLoss = 0;
      double[] theta1 = new double[n];
      for (int x = 0; x < prompts; x++) {
        double[] rewards = problem.rewards(x);
        TabularReference.PairDistribution w =
            TabularReference.pairDistribution(sampler, theta0[x], rewards, objective.beta());
        meanLoss += TabularReference.loss(w, theta0[x], rewards, objective) / prompts;
        policy.parameters(x, theta1);
        for (int j = 0; j < n; j++) {
          double eps = 1e-5;
          double[] plus = theta0[x].clone();
          double[] minus = theta0[x].clone();
          plus[j] += eps;
          minus[j] -= eps;
          double numeric =
              (TabularReference.loss(w, plus, rewards, objective)
                      - TabularReference.loss(w, minus, rewards, objective))
                  / (2 * eps);
          double analytic = theta0[x][j] - theta1[j];
          assertTrue(
              Discovered.close(numeric, analytic, AGREEMENT),
              "prompt "
                  + x
                  + ", response "
                  + j
                  + ": the step's gradient is "
                  + analytic
                  + ", central finite differences of the loss with frozen weights give "
                  + numeric);
        }
      }
      assertTrue(
          Discovered.close(meanLoss, report.loss(), AGREEMENT),
          "the reported loss "
              + report.loss()
              + " must be the mean over prompts of the"
              + " sampler-weighted loss before the step, "
              + meanLoss);
    }
  }

  @Test
  public void stepSizesAreReported() {
    assumeTrue(exact(), "the backend lacks EXACT_GRADIENT");
    int n = 6;
    TabularProblem problem = TabularReference.randomProblem(2, n, 8);
    Objective o = ReferenceObjectives.sigmoid(BETA, 0);
    try (PolicyBackend b = provider().create(config(1))) {
      try (TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
        assertEquals(
            0.25,
            policy.exactStep(ReferenceSamplers.mixR(), o, StepSize.fixed(0.25)).meanStepSize(),
            0,
            "a fixed step reports its learning rate");
      }
      for (Sampler s :
          List.of(
              ReferenceSamplers.uniform(),
              ReferenceSamplers.mixR(),
              ReferenceSamplers.mixPStar(),
              ReferenceSamplers.onPolicy())) {
        double[][] theta = TabularReference.randomParameters(2, n, 0.7, new SplittableRandom(9));
        try (TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
          double expected = 0;
          for (int x = 0; x < 2; x++) {
            policy.setParameters(x, theta[x]);
            expected +=
                TabularReference.exactStep(s, o, StepSize.newton(), theta[x], problem.rewards(x))
                        .stepSize()
                    / 2;
          }
          double actual = policy.exactStep(s, o, StepSize.newton()).meanStepSize();
          assertTrue(
              Discovered.close(expected, actual, AGREEMENT),
              "the Newton step is Z / (2 beta^2 Y) per prompt: expected a mean of "
                  + expected
                  + ", got "
                  + actual
                  + " for "
                  + s.components());
        }
      }
    }
  }

  @Test
  public void stepsAreDeterministicAndIndependentOfTheThreadCount() {
    assumeTrue(tabular(), "the backend has no tabular policies");
    TabularProblem problem = TabularReference.randomProblem(7, 6, 10);
    double[][] one = train(1, problem, 11);
    double[][] again = train(1, problem, 11);
    double[][] three = train(3, problem, 11);
    for (int x = 0; x < one.length; x++) {
      assertArrayEquals(one[x], again[x], 0, "two identical runs differ at prompt " + x);
      assertArrayEquals(
          one[x],
          three[x],
          0,
          "1 and 3 threads differ at prompt " + x + "; results must not depend on scheduling");
    }
  }

  @Test
  public void sampledStepsAreReproducibleUnderASeed() {
    assumeTrue(sampled(), "the backend lacks SAMPLED_GRADIENT");
    TabularProblem problem = TabularReference.randomProblem(3, 5, 12);
    try (PolicyBackend b = provider().create(config(2))) {
      double[][] a = sampledRun(b, problem, 13);
      double[][] c = sampledRun(b, problem, 14);
      double[][] again = sampledRun(b, problem, 13);
      for (int x = 0; x < a.length; x++) {
        assertArrayEquals(a[x], again[x], 0, "the same seed gave different steps at prompt " + x);
      }
      assertFalse(Arrays.deepEquals(a, c), "seeds 13 and 14 gave identical steps");
    }
  }

  @Test
  public void sampledGradientIsUnbiased() {
    assumeTrue(sampled(), "the backend lacks SAMPLED_GRADIENT");
    int n = 6;
    int pairs = 250_000;
    double beta = 1;
    Objective o = ReferenceObjectives.sigmoid(beta, 0);
    TabularProblem problem = TabularReference.randomProblem(1, n, 15);
    double[] theta = TabularReference.randomParameters(1, n, 0.5, new SplittableRandom(16))[0];
    // Each pair moves a gradient entry by at most beta: 6 standard deviations of the mean.
    double tolerance = 6 * beta / Math.sqrt(pairs);
    for (Sampler s :
        List.of(
            ReferenceSamplers.mixR(), ReferenceSamplers.mixPStar(), ReferenceSamplers.hybrid())) {
      double[] exact =
          TabularReference.gradient(
              TabularReference.pairDistribution(s, theta, problem.rewards(0), beta), theta,
              problem.rewards(0), o);
      try (PolicyBackend b = provider().create(config(1));
          TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
        policy.setParameters(0, theta);
        policy.sampledStep(s, o, StepSize.fixed(1), pairs, new SplittableRandom(17));
        double[] after = new double[n];
        policy.parameters(0, after);
        for (int y = 0; y < n; y++) {
          assertEquals(
              exact[y],
              theta[y] - after[y],
              tolerance,
              "sampled gradient of response " + y + " with " + s.components());
        }
      }
    }
  }

  @Test
  public void divergenceIsReported() {
    assumeTrue(exact(), "the backend lacks EXACT_GRADIENT");
    try (PolicyBackend b = provider().create(config(1));
        TabularPolicy policy =
            policies(b).newTabularPolicy(TabularReference.randomProblem(2, 5, 18))) {
      assertThrows(
          TrainingDivergedException.class,
          () -> {
            for (int t = 0; t < 50; t++) {
              // IPO's gradient grows with h, so each step is larger than the last until it
              // overflows.
              policy.exactStep(
                  ReferenceSamplers.uniform(),
                  ReferenceObjectives.ipo(BETA),
                  StepSize.fixed(1e300));
            }
          },
          "parameters that overflow must raise TrainingDivergedException, not become infinite");
    }
  }

  // --- The paper's tabular study ---

  @Test
  public void agreesWithTheDefinitionOnThePaperStudyStepByStep() {
    paperStudyStepByStep(true);
  }

  /**
   * Steps that do not ask for the loss ({@code exactStep(..., false)}, what a training loop runs
   * between its metric steps) update as the definition does, step by step over the whole study; the
   * report's loss is then NaN or the definition's.
   */
  @Test
  public void stepsWithoutTheLossMatchTheDefinitionOnThePaperStudy() {
    paperStudyStepByStep(false);
  }

  private void paperStudyStepByStep(boolean lossNeeded) {
    assumeTrue(exact(), "the backend lacks EXACT_GRADIENT");
    TabularProblem problem = PaperStudy.problem();
    Objective o = ReferenceObjectives.sigmoid(PaperStudy.BETA, 0);
    double[] rewards = problem.rewards(0);
    double[] mine = new double[PaperStudy.RESPONSES];
    String mode = lossNeeded ? "" : " without the loss";
    try (PolicyBackend b = provider().create(config(1))) {
      for (Map.Entry<String, Sampler> e : PaperStudy.samplers().entrySet()) {
        String id = e.getKey();
        double[] expected = new double[PaperStudy.RESPONSES];
        try (TabularPolicy p = policies(b).newTabularPolicy(problem)) {
          for (int t = 1; t <= PaperStudy.STEPS; t++) {
            TabularReference.Step want =
                TabularReference.exactStep(
                    e.getValue(), o, PaperStudy.LEARNING_RATE, expected, rewards);
            expected = want.theta();
            StepReport got = p.exactStep(e.getValue(), o, PaperStudy.LEARNING_RATE, lossNeeded);
            boolean skipped = !lossNeeded && Double.isNaN(got.loss());
            assertTrue(
                skipped || Discovered.close(want.loss(), got.loss(), AGREEMENT),
                id
                    + ", step "
                    + t
                    + mode
                    + ": loss "
                    + got.loss()
                    + ", the definition gives "
                    + want.loss());
            p.parameters(0, mine);
            String diff = Discovered.difference(expected, mine, AGREEMENT);
            if (diff != null) {
              fail(
                  id
                      + ", step "
                      + t
                      + mode
                      + ": parameters differ from the definition's step: "
                      + diff);
            }
          }
        }
      }
    }
  }

  @Test
  public void studyCurvesMatchTheDefinition() {
    assumeTrue(exact(), "the backend lacks EXACT_GRADIENT");
    TabularProblem problem = PaperStudy.problem();
    Objective o = ReferenceObjectives.sigmoid(PaperStudy.BETA, 0);
    double[] rewards = problem.rewards(0);
    double beta = PaperStudy.BETA;
    double[] logPi = new double[PaperStudy.RESPONSES];
    try (PolicyBackend b = provider().create(config(2))) {
      for (Map.Entry<String, Sampler> e : PaperStudy.samplers().entrySet()) {
        double[] theta = new double[PaperStudy.RESPONSES];
        try (TabularPolicy p = policies(b).newTabularPolicy(problem)) {
          for (int t = 0; t <= PaperStudy.STEPS; t++) {
            if (t > 0) {
              theta =
                  TabularReference.exactStep(
                          e.getValue(), o, PaperStudy.LEARNING_RATE, theta, rewards)
                      .theta();
              p.exactStep(e.getValue(), o, PaperStudy.LEARNING_RATE);
            }
            double[] logRef = TabularReference.logSoftmax(theta);
            p.logProbabilities(0, logPi);
            double wantParam = PaperStudy.paramDiff(logRef, rewards, beta);
            double wantValue = PaperStudy.valueDiff(logRef, rewards, beta);
            // Relative, with a floor at the rounding noise of a converged policy.
            assertEquals(
                wantParam,
                PaperStudy.paramDiff(logPi, rewards, beta),
                AGREEMENT * wantParam + 1e-9,
                e.getKey() + ": Param Diff at step " + t);
            assertEquals(
                wantValue,
                PaperStudy.valueDiff(logPi, rewards, beta),
                AGREEMENT * Math.abs(wantValue) + 1e-9,
                e.getKey() + ": Value Diff at step " + t);
          }
        }
      }
    }
  }

  @Test
  public void agreesWithTheReferenceBackendOnThePaperStudyStepByStep() {
    assumeTrue(exact(), "the backend lacks EXACT_GRADIENT");
    Optional<PolicyBackend> given = referenceBackend();
    assumeTrue(given.isPresent(), "no reference backend: override referenceBackend() to compare");
    TabularProblem problem = PaperStudy.problem();
    Objective o = ReferenceObjectives.sigmoid(PaperStudy.BETA, 0);
    double[] mine = new double[PaperStudy.RESPONSES];
    double[] ref = new double[PaperStudy.RESPONSES];
    try (PolicyBackend b = provider().create(config(1));
        PolicyBackend reference = given.get()) {
      for (Map.Entry<String, Sampler> e : PaperStudy.samplers().entrySet()) {
        String id = e.getKey();
        Sampler s = e.getValue();
        try (TabularPolicy p = policies(b).newTabularPolicy(problem);
            TabularPolicy r = policies(reference).newTabularPolicy(problem)) {
          for (int t = 1; t <= PaperStudy.STEPS; t++) {
            StepReport got = p.exactStep(s, o, PaperStudy.LEARNING_RATE);
            StepReport want = r.exactStep(s, o, PaperStudy.LEARNING_RATE);
            assertTrue(
                Discovered.close(want.loss(), got.loss(), AGREEMENT),
                id
                    + ", step "
                    + t
                    + ": loss "
                    + got.loss()
                    + ", the reference backend '"
                    + reference.id()
                    + "' has "
                    + want.loss());
            p.parameters(0, mine);
            r.parameters(0, ref);
            String diff = Discovered.difference(ref, mine, AGREEMENT);
            if (diff != null) {
              fail(
                  id
                      + ", step "
                      + t
                      + ": parameters differ from the reference backend '"
                      + reference.id()
                      + "': "
                      + diff);
            }
          }
        }
      }
    }
  }

  // --- Helpers ---

  /** The backend's tabular policies, which its capabilities promise. */
  private static TabularPolicies policies(PolicyBackend b) {
    return b.tabularPolicies()
        .orElseThrow(
            () ->
                new AssertionError(
                    "backend '"
                        + b.id()
                        + "' advertises tabular gradients but tabularPolicies() is empty"));
  }

  private boolean tabular() {
    return exact() || sampled();
  }

  private boolean exact() {
    return provider().capabilities().contains(BackendCapability.EXACT_GRADIENT);
  }

  private boolean sampled() {
    return provider().capabilities().contains(BackendCapability.SAMPLED_GRADIENT);
  }

  /** An exact step if the backend has them, else a sampled one. */
  private void step(TabularPolicy policy, Sampler s, Objective o) {
    if (exact()) {
      policy.exactStep(s, o, StepSize.fixed(0.1));
    } else {
      policy.sampledStep(s, o, StepSize.fixed(0.1), 64, new SplittableRandom(1));
    }
  }

  /** Exact steps (if available) then sampled ones (if available), from random parameters. */
  private double[][] train(int threads, TabularProblem problem, long seed) {
    int x = problem.prompts();
    double[][] theta =
        TabularReference.randomParameters(x, problem.responses(), 0.5, new SplittableRandom(seed));
    Objective o = ReferenceObjectives.sigmoid(BETA, 0);
    SplittableRandom random = new SplittableRandom(seed);
    try (PolicyBackend b = provider().create(config(threads));
        TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
      for (int i = 0; i < x; i++) {
        policy.setParameters(i, theta[i]);
      }
      for (int t = 0; t < 3; t++) {
        if (exact()) {
          policy.exactStep(ReferenceSamplers.mixP(), o, StepSize.fixed(0.5));
          policy.exactStep(
              ReferenceSamplers.mixPStar(), ReferenceObjectives.ipo(BETA), StepSize.fixed(0.1));
        }
        if (sampled()) {
          policy.sampledStep(ReferenceSamplers.mixP(), o, StepSize.fixed(0.5), 300, random);
        }
      }
      double[][] out = new double[x][problem.responses()];
      for (int i = 0; i < x; i++) {
        policy.parameters(i, out[i]);
      }
      return out;
    }
  }

  private static double[][] sampledRun(PolicyBackend b, TabularProblem problem, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    try (TabularPolicy policy = policies(b).newTabularPolicy(problem)) {
      for (int t = 0; t < 4; t++) {
        policy.sampledStep(
            ReferenceSamplers.mixPStar(),
            ReferenceObjectives.sigmoid(BETA, 0),
            StepSize.fixed(0.5),
            500,
            random);
      }
      double[][] out = new double[problem.prompts()][problem.responses()];
      for (int x = 0; x < out.length; x++) {
        policy.parameters(x, out[x]);
      }
      return out;
    }
  }

  private static void assertClosedFailure(Runnable call, String what) {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, call::run, what + " must throw IllegalStateException");
    assertTrue(
        e.getMessage() != null && e.getMessage().contains("closed"),
        what + ": the message must say that it is closed, got: " + e.getMessage());
  }

  private static void assertArrayEquals(
      double[] expected, double[] actual, double tolerance, String message) {
    assertNull(Discovered.difference(expected, actual, tolerance), message);
  }
}
