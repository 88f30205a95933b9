package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dpo.api.Provider;
import dpo.api.TrainingDivergedException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.sampler.GenerationPlan;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.SamplerRequirement;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link SamplerProvider}. Extend it in your own test sources and return your
 * provider; every test below then runs against it:
 *
 * <pre>{@code
 * class HalfOnPolicySamplerTest extends SamplerContract {
 *   @Override
 *   protected SamplerProvider provider() {
 *     return new HalfOnPolicySamplerProvider();
 *   }
 * }
 * }</pre>
 *
 * <p>It checks the provider's id and description; that the sampler's definition (components and
 * cap) yields a valid pair distribution, finite, non-negative and summing to 1, on random problems;
 * that it depends on the policy and the rewards only if its capabilities say so; that every backend
 * of {@link #backends()} (by default those on the test class path; the testkit brings none, so add
 * {@code dpo-backend-cpu} in test scope) with {@link BackendCapability#EXACT_GRADIENT} takes the
 * exact steps that {@link TabularReference} computes from the definition; that every such backend
 * with {@link BackendCapability#SAMPLED_GRADIENT} draws from that distribution, reproducibly under
 * a seed; and that {@link GenerationPlan} either maps the sampler onto language-model generation or
 * names why it cannot. A test that cannot apply to a provider may be overridden in the subclass and
 * marked {@code @Disabled} with the reason.
 */
public abstract class SamplerContract {
  /** Relative agreement required between a backend and the reference. */
  static final double AGREEMENT = 1e-6;

  /**
   * The provider under test. Called once per test; may return a new instance each time.
   *
   * @return the provider
   */
  protected abstract SamplerProvider provider();

  /**
   * The backends whose steps with this sampler are checked against its definition: by default every
   * {@link PolicyBackendProvider} on the test class path (listed in a {@code META-INF/services}
   * file). The testkit brings none; add one in test scope, such as {@code dpo-backend-cpu}, or
   * return your own here. With none, the backend tests are skipped.
   *
   * @return the backends
   */
  protected List<PolicyBackendProvider> backends() {
    return Discovered.backends();
  }

  /** Creates the contract. */
  protected SamplerContract() {}

  @Test
  public void idIsKebabCaseAndTheDpoPrefixIsReserved() {
    SamplerProvider p = provider();
    String id = p.id();
    assertNotNull(id, "id() must not be null");
    assertTrue(
        id.matches(Provider.ID_PATTERN),
        "id '" + id + "' must be kebab-case (" + Provider.ID_PATTERN + "), like 'half-on-policy'");
    if (id.startsWith("dpo-")) {
      assertTrue(
          p.getClass().getName().startsWith("dpo."),
          "the 'dpo-' prefix of '"
              + id
              + "' is reserved for the project's own samplers;"
              + " choose another id");
    }
  }

  @Test
  public void descriptionIsOneNonBlankLine() {
    String d = provider().description();
    assertNotNull(d, "description() must not be null");
    assertFalse(d.isBlank(), "description() must say what the sampler does");
    assertFalse(d.contains("\n"), "description() is shown in one table row; keep it on one line");
  }

  @Test
  public void componentsAreUnmodifiableWithAPositiveWeight() {
    List<PairComponent> parts = provider().create().components();
    assertNotNull(parts, "components() must not be null");
    assertFalse(parts.isEmpty(), "components() must not be empty");
    assertTrue(
        parts.stream().anyMatch(c -> c.weight() > 0),
        "at least one component needs a positive weight, got " + parts);
    assertThrows(
        UnsupportedOperationException.class,
        () -> parts.add(parts.get(0)),
        "components() must be unmodifiable (e.g. List.of)");
  }

  @Test
  public void createIsRepeatable() {
    SamplerProvider p = provider();
    Sampler a = p.create();
    Sampler b = p.create();
    assertEquals(a.components(), b.components(), "two create() calls must give the same sampler");
    assertEquals(a.components(), a.components(), "components() must not change between calls");
    for (double range : new double[] {0, 0.5, 3, 40}) {
      assertEquals(a.weightCap(range), b.weightCap(range), "weightCap(" + range + ")");
    }
  }

  @Test
  public void weightCapIsPositive() {
    Sampler s = provider().create();
    for (double range : new double[] {0, 1e-3, 0.5, 3, 40, 700}) {
      double cap = s.weightCap(range);
      assertTrue(cap > 0, "weightCap(" + range + ") must be > 0 (or +infinity), got " + cap);
    }
  }

  @Test
  public void languageModelSupportIsDecidedFromTheDefinition() {
    Sampler s = provider().create();
    for (double beta : new double[] {0.1, 1}) {
      Optional<String> refusal = GenerationPlan.refusal(s, beta);
      if (refusal.isPresent()) {
        assertFalse(refusal.get().isBlank(), "a refusal must name its reason");
        continue;
      }
      GenerationPlan plan = GenerationPlan.of(s, beta);
      assertFalse(
          plan.components().isEmpty(),
          "a sampler that runs on a language model has a" + " component to generate from");
      double total = plan.components().stream().mapToDouble(GenerationPlan.Pair::probability).sum();
      assertEquals(1, total, 1e-12, "the generation plan's component probabilities sum to 1");
    }
  }

  @Test
  public void capabilitiesIncludeWhatTheTiltsNeed() {
    SamplerProvider p = provider();
    Set<SamplerRequirement> declared = p.capabilities();
    assertNotNull(declared, "capabilities() must not be null");
    Set<SamplerRequirement> needed = EnumSet.noneOf(SamplerRequirement.class);
    for (PairComponent c : p.create().components()) {
      if (c.first().usesReward() || c.second().usesReward()) {
        needed.add(SamplerRequirement.NEEDS_REWARDS);
      }
      if (c.first().usesPolicy() || c.second().usesPolicy()) {
        needed.add(SamplerRequirement.POLICY_DEPENDENT);
      }
    }
    assertTrue(
        declared.containsAll(needed),
        "capabilities() "
            + declared
            + " must include "
            + needed
            + ", which the tilts need; runs check them before they start");
  }

  @Test
  public void pairWeightsAreAProbabilityDistribution() {
    Sampler s = provider().create();
    SplittableRandom r = new SplittableRandom(20250101);
    for (int responses : new int[] {2, 5, 9}) {
      for (double scale : new double[] {0, 1, 6}) {
        for (double beta : new double[] {0.1, 3}) {
          TabularProblem problem = TabularReference.randomProblem(1, responses, r.nextLong());
          double[] theta = TabularReference.randomParameters(1, responses, scale, r)[0];
          TabularReference.PairDistribution w =
              TabularReference.pairDistribution(s, theta, problem.rewards(0), beta);
          double sum = 0;
          for (int y = 0; y < responses; y++) {
            for (int y2 = 0; y2 < responses; y2++) {
              double v = w.weight(y, y2);
              assertTrue(
                  v >= 0 && Double.isFinite(v),
                  "W("
                      + y
                      + ", "
                      + y2
                      + ") = "
                      + v
                      + " at Y "
                      + responses
                      + ", theta scale "
                      + scale
                      + ", beta "
                      + beta);
              sum += v;
            }
          }
          assertEquals(1, sum, 1e-12, "the pair weights must sum to 1");
          assertTrue(Double.isFinite(w.logPartition()), "log Z = " + w.logPartition());
        }
      }
    }
  }

  @Test
  public void weightsDependOnThePolicyAndRewardsOnlyIfDeclared() {
    SamplerProvider p = provider();
    Sampler s = p.create();
    Set<SamplerRequirement> caps = p.capabilities();
    SplittableRandom r = new SplittableRandom(7);
    int n = 6;
    double[] rewards = TabularReference.randomProblem(1, n, 1).rewards(0);
    double[] otherRewards = TabularReference.randomProblem(1, n, 2).rewards(0);
    double[] theta = TabularReference.randomParameters(1, n, 1, r)[0];
    double[] otherTheta = TabularReference.randomParameters(1, n, 1, r)[0];
    TabularReference.PairDistribution base =
        TabularReference.pairDistribution(s, theta, rewards, 3);
    if (!caps.contains(SamplerRequirement.POLICY_DEPENDENT)) {
      assertSame(
          base,
          TabularReference.pairDistribution(s, otherTheta, rewards, 3),
          "the weights changed with the policy, but capabilities() lacks POLICY_DEPENDENT");
    }
    if (!caps.contains(SamplerRequirement.NEEDS_REWARDS)) {
      // Rescaling the rewards keeps their range, so a cap that reads it sees the same value.
      double shift = 0.7;
      double[] shifted = rewards.clone();
      for (int y = 0; y < n; y++) {
        shifted[y] += shift;
      }
      assertSame(
          base,
          TabularReference.pairDistribution(s, theta, shifted, 3),
          "the weights changed with the rewards, but capabilities() lacks NEEDS_REWARDS");
      // Any reward table at all, when no cap reads the range.
      if (s.weightCap(range(rewards)) == s.weightCap(range(otherRewards))) {
        assertSame(
            base,
            TabularReference.pairDistribution(s, theta, otherRewards, 3),
            "the weights changed with the rewards, but capabilities() lacks NEEDS_REWARDS");
      }
    }
  }

  @Test
  public void exactStepsMatchTheDefinitionOnEveryBackend() {
    Sampler s = provider().create();
    int x = 2;
    int n = 6;
    TabularProblem problem = TabularReference.randomProblem(x, n, 31);
    double[][] start = TabularReference.randomParameters(x, n, 0.5, new SplittableRandom(32));
    List<PolicyBackendProvider> exact = backendsWith(BackendCapability.EXACT_GRADIENT);
    for (PolicyBackendProvider bp : exact) {
      compareTrajectory(
          bp, s, ReferenceObjectives.sigmoid(3, 0), StepSize.fixed(0.5), problem, start);
      compareTrajectory(
          bp, s, ReferenceObjectives.sigmoid(3, 0.1), StepSize.fixed(0.5), problem, start);
      compareTrajectory(bp, s, ReferenceObjectives.ipo(3), StepSize.fixed(0.5), problem, start);
      compareTrajectory(
          bp, s, ReferenceObjectives.sigmoid(3, 0), StepSize.newton(), problem, start);
    }
  }

  @Test
  public void sampledStepsAreReproducibleUnderASeed() {
    Sampler s = provider().create();
    TabularProblem problem = TabularReference.randomProblem(3, 5, 41);
    for (PolicyBackendProvider bp : backendsWith(BackendCapability.SAMPLED_GRADIENT)) {
      try (PolicyBackend backend = bp.create(new BackendConfig(2))) {
        double[][] a = sampled(backend, problem, s, 4, 500, 99);
        double[][] b = sampled(backend, problem, s, 4, 500, 99);
        double[][] c = sampled(backend, problem, s, 4, 500, 100);
        for (int i = 0; i < a.length; i++) {
          assertNull(
              Discovered.difference(a[i], b[i], 0),
              "backend '" + bp.id() + "': two runs with seed 99 differ at prompt " + i);
        }
        assertFalse(
            java.util.Arrays.deepEquals(a, c),
            "backend '" + bp.id() + "': seeds 99 and 100 gave identical steps; is the seed used?");
      }
    }
  }

  @Test
  public void sampledStepsDrawFromTheDefinedDistribution() {
    Sampler s = provider().create();
    int n = 5;
    int pairs = 250_000;
    double beta = 1;
    Objective sigmoid = ReferenceObjectives.sigmoid(beta, 0);
    TabularProblem problem = TabularReference.randomProblem(1, n, 51);
    double[] theta = TabularReference.randomParameters(1, n, 0.5, new SplittableRandom(52))[0];
    double[] exact =
        TabularReference.gradient(
            TabularReference.pairDistribution(s, theta, problem.rewards(0), beta),
            theta,
            problem.rewards(0),
            sigmoid);
    // Each pair adds at most beta to a gradient entry, so its mean over the pairs has a standard
    // deviation of at most beta / sqrt(pairs); 6 of them bound the error of an unbiased draw.
    double tolerance = 6 * beta / Math.sqrt(pairs);
    for (PolicyBackendProvider bp : backendsWith(BackendCapability.SAMPLED_GRADIENT)) {
      try (PolicyBackend backend = bp.create(new BackendConfig(1));
          TabularPolicy policy =
              backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
        policy.setParameters(0, theta);
        policy.sampledStep(s, sigmoid, StepSize.fixed(1), pairs, new SplittableRandom(53));
        double[] after = new double[n];
        policy.parameters(0, after);
        for (int y = 0; y < n; y++) {
          double sampled = theta[y] - after[y];
          assertEquals(
              exact[y],
              sampled,
              tolerance,
              "backend '"
                  + bp.id()
                  + "': the sampled gradient of response "
                  + y
                  + " is not near the exact one; are the pairs drawn from the sampler's W?");
        }
      }
    }
  }

  /**
   * The backends this sampler must work on, skipping the test (with a note) when none has the
   * capability.
   */
  private List<PolicyBackendProvider> backendsWith(BackendCapability capability) {
    List<PolicyBackendProvider> list =
        backends().stream().filter(b -> b.capabilities().contains(capability)).toList();
    assumeFalse(
        list.isEmpty(),
        "no backend with "
            + capability
            + " on the test class path; add one in test scope (e.g."
            + " io.github.onlinedpo:dpo-backend-cpu) or override backends()");
    return list;
  }

  private static double[][] sampled(
      PolicyBackend backend, TabularProblem problem, Sampler s, int steps, int pairs, long seed) {
    try (TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int t = 0; t < steps; t++) {
        policy.sampledStep(
            s, ReferenceObjectives.sigmoid(3, 0), StepSize.fixed(0.5), pairs, random);
      }
      double[][] theta = new double[problem.prompts()][problem.responses()];
      for (int x = 0; x < theta.length; x++) {
        policy.parameters(x, theta[x]);
      }
      return theta;
    }
  }

  /** Eight exact steps on the backend and by the definition, compared after every step. */
  private static void compareTrajectory(
      PolicyBackendProvider bp,
      Sampler s,
      Objective objective,
      StepSize step,
      TabularProblem problem,
      double[][] start) {
    String what = "backend '" + bp.id() + "', objective " + objective + ", " + step;
    int x = problem.prompts();
    double[][] expected = new double[x][];
    for (int i = 0; i < x; i++) {
      expected[i] = start[i].clone();
    }
    double[] actual = new double[problem.responses()];
    try (PolicyBackend backend = bp.create(new BackendConfig(2));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      for (int i = 0; i < x; i++) {
        policy.setParameters(i, start[i]);
      }
      for (int t = 1; t <= 8; t++) {
        String at = what + ", step " + t;
        double loss = 0;
        double eta = 0;
        boolean diverged = false;
        for (int i = 0; i < x; i++) {
          TabularReference.Step ref =
              TabularReference.exactStep(s, objective, step, expected[i], problem.rewards(i));
          expected[i] = ref.theta();
          loss += ref.loss() / x;
          eta += ref.stepSize() / x;
          diverged |= java.util.Arrays.stream(ref.theta()).anyMatch(v -> !Double.isFinite(v));
        }
        if (diverged) {
          // The step itself overflows (e.g. a Newton step on a huge partition function).
          assertThrows(
              TrainingDivergedException.class,
              () -> policy.exactStep(s, objective, step),
              at + ": the step overflows; the backend must throw TrainingDivergedException");
          return;
        }
        StepReport report = policy.exactStep(s, objective, step);
        assertTrue(
            Discovered.close(loss, report.loss(), AGREEMENT),
            at + ": loss " + report.loss() + ", the definition gives " + loss);
        assertTrue(
            Discovered.close(eta, report.meanStepSize(), AGREEMENT),
            at + ": mean step size " + report.meanStepSize() + ", the definition gives " + eta);
        for (int i = 0; i < x; i++) {
          policy.parameters(i, actual);
          String diff = Discovered.difference(expected[i], actual, AGREEMENT);
          if (diff != null) {
            fail(at + ", prompt " + i + ": parameters differ from the definition's step: " + diff);
          }
        }
      }
    }
  }

  private static void assertSame(
      TabularReference.PairDistribution a, TabularReference.PairDistribution b, String message) {
    for (int y = 0; y < a.responses(); y++) {
      for (int y2 = 0; y2 < a.responses(); y2++) {
        assertEquals(
            a.weight(y, y2), b.weight(y, y2), 1e-12, message + " (W(" + y + ", " + y2 + "))");
      }
    }
  }

  private static double range(double[] v) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    return max - min;
  }
}
