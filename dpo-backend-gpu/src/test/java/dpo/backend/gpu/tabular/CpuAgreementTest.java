package dpo.backend.gpu.tabular;

import static dpo.backend.gpu.tabular.Fixtures.BETA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dpo.api.TrainingDivergedException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The djl backend reproduces the CPU backend's exact-gradient trajectories, step by step, for every
 * shipped sampler, the three objectives and both step sizes (the 1e-6 relative bound).
 */
class CpuAgreementTest {
  private static final double TOLERANCE = 1e-6;
  private static PolicyBackend djl;
  private static PolicyBackend cpu;

  @BeforeAll
  static void open() {
    djl = Fixtures.djl();
    cpu = Fixtures.cpu();
  }

  @AfterAll
  static void close() {
    djl.close();
    cpu.close();
  }

  static Stream<Arguments> cases() {
    List<Arguments> args = new ArrayList<>();
    for (SamplerProvider s : Fixtures.samplers()) {
      for (String o : Fixtures.OBJECTIVES) {
        args.add(Arguments.of(s.id(), o, StepSize.fixed(2)));
        args.add(Arguments.of(s.id(), o, StepSize.newton()));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} / {1} / {2}")
  @MethodSource("cases")
  void exactTrajectoriesMatchTheCpuBackend(String samplerId, String objectiveId, StepSize lr) {
    compareTrajectories(
        samplerId, objectiveId, Fixtures.sampler(samplerId), Fixtures.objective(objectiveId), lr);
  }

  private static void compareTrajectories(
      String samplerId, String objectiveId, Sampler sampler, Objective objective, StepSize lr) {
    TabularProblem problem = Fixtures.randomProblem(3, 6, samplerId.hashCode());
    // A spread start, so that policy tilts matter and Mix-P*'s cap binds.
    double[][] theta0 =
        Fixtures.randomTheta(3, 6, 0.8, new SplittableRandom(objectiveId.hashCode()));
    String label = samplerId + "/" + objectiveId + "/" + lr;
    try (TabularPolicy a = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem);
        TabularPolicy b = cpu.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      for (int x = 0; x < 3; x++) {
        a.setParameters(x, theta0[x]);
        b.setParameters(x, theta0[x]);
      }
      for (int t = 1; t <= 8; t++) {
        StepReport expected;
        try {
          expected = b.exactStep(sampler, objective, lr);
        } catch (TrainingDivergedException e) {
          // The reference diverged (a Newton step is not made for every loss): so must djl.
          assertThrows(
              TrainingDivergedException.class,
              () -> a.exactStep(sampler, objective, lr),
              label + " step " + t);
          return;
        }
        StepReport actual = a.exactStep(sampler, objective, lr);
        assertClose(expected.loss(), actual.loss(), label + " loss at step " + t);
        assertClose(expected.meanStepSize(), actual.meanStepSize(), label + " eta at step " + t);
        assertSameParameters(b, a, label + " step " + t);
      }
    }
  }

  @Test
  void blocksOfPromptsGiveTheSameStepsAsOneBlock() {
    TabularProblem problem = Fixtures.randomProblem(7, 5, 99);
    Sampler sampler = Fixtures.sampler("dpo-mix-p-star");
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        // Room for two prompts' pair arrays per block: blocks [0,2), [2,4), [4,6), [6,7).
        DjlTabularPolicy blocked = new DjlTabularPolicy(problem, root, 2L * 5 * 5);
        TabularPolicy reference = cpu.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      double[][] theta0 = Fixtures.randomTheta(7, 5, 0.8, new SplittableRandom(3));
      for (int x = 0; x < 7; x++) {
        blocked.setParameters(x, theta0[x]);
        reference.setParameters(x, theta0[x]);
      }
      for (int t = 0; t < 4; t++) {
        for (String o : Fixtures.OBJECTIVES) {
          Objective objective = Fixtures.objective(o);
          StepReport e = reference.exactStep(sampler, objective, StepSize.newton());
          StepReport g = blocked.exactStep(sampler, objective, StepSize.newton());
          assertClose(e.loss(), g.loss(), o + " loss");
          assertClose(e.meanStepSize(), g.meanStepSize(), o + " eta");
          assertSameParameters(reference, blocked, o + " step " + t);
        }
      }
    }
  }

  @Test
  void smoothedLabelsMatch() {
    for (ObjectiveProvider p : ServiceLoader.load(ObjectiveProvider.class)) {
      Objective smoothed = p.create(new ObjectiveConfig(BETA, 0.2));
      for (String s : List.of("dpo-mix-p-star", "on-policy", "half-mix-r")) {
        compareTrajectories(
            s, p.id() + " smoothed", Fixtures.sampler(s), smoothed, StepSize.fixed(2));
      }
    }
  }

  @Test
  void thePapersReferenceStudyMatches() {
    BanditConfig paper = BanditConfig.PAPER_EXACT;
    compareStudies(paper, 1e-12);
  }

  @Test
  void newtonStudiesOfEverySamplerMatchOnSeveralPrompts() {
    // Every sampler the study runs: those that fix K (best-of-K) are refused by it.
    List<String> all =
        Fixtures.samplers().stream()
            .filter(p -> p.create().responsesPerPrompt() == 0)
            .map(SamplerProvider::id)
            .toList();
    BanditConfig newton =
        new BanditConfig(
            4,
            20,
            BETA,
            77,
            all,
            BanditConfig.Mode.EXACT,
            12,
            StepSize.newton(),
            1,
            "sigmoid",
            null,
            new BackendConfig(1));
    compareStudies(newton, 1e-12);
    BanditConfig ipo =
        new BanditConfig(
            3,
            12,
            BETA,
            78,
            all,
            BanditConfig.Mode.EXACT,
            20,
            StepSize.fixed(1),
            1,
            "ipo",
            null,
            new BackendConfig(1));
    compareStudies(ipo, 1e-12);
  }

  /**
   * Runs the study on both backends and compares every curve. Param Diff and Value Diff are
   * differences that fall to the rounding noise of their terms, about 1e-15 times their starting
   * value; below {@code floor} times that value two correct implementations need not agree, so such
   * entries are compared in absolute terms.
   */
  private static void compareStudies(BanditConfig config, double floor) {
    DpoRuntime runtime = DpoRuntime.builder().build();
    BanditExperiment study =
        new BanditExperiment(runtime.samplers(), runtime.objectives(), runtime.backends());
    TabularProblem problem =
        BanditExperiment.gaussianRewards(config.prompts(), config.responses(), config.seed());
    BanditResult expected = study.run(withBackend(config, "cpu"), problem);
    BanditResult actual = study.run(withBackend(config, "djl"), problem);
    assertEquals("djl", actual.backend());
    for (int i = 0; i < expected.runs().size(); i++) {
      SamplerRun e = expected.runs().get(i);
      SamplerRun a = actual.runs().get(i);
      assertEquals(e.sampler(), a.sampler());
      assertCurve(e.paramDiff(), a.paramDiff(), floor * e.paramDiff()[0], e.sampler() + " param");
      assertCurve(e.value(), a.value(), 0, e.sampler() + " value");
      assertCurve(e.valueDiff(), a.valueDiff(), floor * e.valueDiff()[0], e.sampler() + " vdiff");
      assertCurve(e.loss(), a.loss(), 0, e.sampler() + " loss");
    }
  }

  private static void assertCurve(double[] expected, double[] actual, double floor, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int t = 0; t < expected.length; t++) {
      double diff = Math.abs(expected[t] - actual[t]);
      assertTrue(
          diff <= floor || Fixtures.relative(expected[t], actual[t]) <= TOLERANCE,
          what + " at step " + t + ": cpu " + expected[t] + ", djl " + actual[t]);
    }
  }

  private static BanditConfig withBackend(BanditConfig c, String backend) {
    return new BanditConfig(
        c.prompts(),
        c.responses(),
        c.beta(),
        c.seed(),
        c.samplers(),
        c.mode(),
        c.steps(),
        c.lr(),
        c.pairs(),
        c.objective(),
        backend,
        new BackendConfig(1));
  }

  private static void assertClose(double expected, double actual, String what) {
    double rel = Fixtures.relative(expected, actual);
    assertTrue(rel <= TOLERANCE, what + ": cpu " + expected + ", djl " + actual + " (" + rel + ")");
  }

  private static void assertSameParameters(TabularPolicy expected, TabularPolicy actual, String w) {
    int y = expected.problem().responses();
    double[] e = new double[y];
    double[] a = new double[y];
    for (int x = 0; x < expected.problem().prompts(); x++) {
      expected.parameters(x, e);
      actual.parameters(x, a);
      double rel = Fixtures.relative(a, e);
      assertTrue(rel <= TOLERANCE, w + ", prompt " + x + ": relative deviation " + rel);
    }
  }
}
