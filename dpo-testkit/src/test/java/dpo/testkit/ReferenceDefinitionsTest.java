package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.backend.cpu.CpuBackendProvider;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;
import dpo.core.metrics.BanditMetrics;
import dpo.core.objective.ObjectiveProviders;
import dpo.core.registry.ProviderRegistry;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The testkit writes its own samplers, losses and paper study from docs/method.md so that plugins
 * need none of the framework; here, where the framework is on the (test) class path, each is
 * checked against the framework's own: the definitions must agree, or one of the two is wrong.
 */
class ReferenceDefinitionsTest {
  private static final SplittableRandom RANDOM = new SplittableRandom(2026);

  @Test
  void everyReferenceSamplerHasTheShippedSamplersPairDistribution() {
    Map<String, SamplerProvider> shipped =
        Discovered.samplers().stream().collect(Collectors.toMap(SamplerProvider::id, p -> p));
    for (Map.Entry<String, Sampler> e : ReferenceSamplers.all().entrySet()) {
      SamplerProvider provider = shipped.get(e.getKey());
      assertTrue(provider != null, "no shipped sampler '" + e.getKey() + "'");
      Sampler mine = e.getValue();
      Sampler theirs = provider.create();
      for (int trial = 0; trial < 5; trial++) {
        int n = 2 + RANDOM.nextInt(6);
        double[] theta = TabularReference.randomParameters(1, n, 2, RANDOM)[0];
        double[] rewards = TabularReference.randomParameters(1, n, 1.5, RANDOM)[0];
        double beta = 0.1 + 3 * RANDOM.nextDouble();
        TabularReference.PairDistribution a =
            TabularReference.pairDistribution(mine, theta, rewards, beta);
        TabularReference.PairDistribution b =
            TabularReference.pairDistribution(theirs, theta, rewards, beta);
        assertEquals(b.logPartition(), a.logPartition(), 1e-12, e.getKey() + ": log Z");
        for (int y = 0; y < n; y++) {
          for (int y2 = 0; y2 < n; y2++) {
            assertEquals(
                b.weight(y, y2), a.weight(y, y2), 1e-15, e.getKey() + ": W(" + y + ", " + y2 + ")");
          }
        }
      }
    }
  }

  @Test
  void referenceObjectivesAreTheShippedSigmoidAndIpo() {
    for (double beta : new double[] {0.1, 1, 3}) {
      for (double eps : new double[] {0, 0.1, 0.3}) {
        Objective mine = ReferenceObjectives.sigmoid(beta, eps);
        Objective theirs = new ObjectiveProviders.Sigmoid().create(new ObjectiveConfig(beta, eps));
        assertEquals(theirs.logisticForm(), mine.logisticForm());
        assertSameLoss(theirs, mine, "sigmoid " + beta + ", " + eps);
      }
      assertSameLoss(
          new ObjectiveProviders.Ipo().create(ObjectiveConfig.ofBeta(beta)),
          ReferenceObjectives.ipo(beta),
          "ipo " + beta);
    }
  }

  private static void assertSameLoss(Objective expected, Objective actual, String what) {
    assertEquals(expected.beta(), actual.beta(), 0, what + ": beta");
    for (int i = 0; i < 200; i++) {
      double h = 20 * (RANDOM.nextDouble() - 0.5);
      double p = i % 3 == 0 ? Math.round(RANDOM.nextDouble()) : RANDOM.nextDouble();
      double loss = expected.loss(h, p);
      double slope = expected.derivative(h, p);
      assertEquals(loss, actual.loss(h, p), 1e-12 * Math.max(1, Math.abs(loss)), what + " at " + h);
      assertEquals(
          slope, actual.derivative(h, p), 1e-12 * Math.max(1, Math.abs(slope)), what + " at " + h);
    }
  }

  @Test
  void paperStudyIsTheBanditCommandsExactReferenceConfiguration() {
    BanditConfig c = BanditConfig.PAPER_EXACT;
    assertEquals(c.prompts(), PaperStudy.PROMPTS);
    assertEquals(c.responses(), PaperStudy.RESPONSES);
    assertEquals(c.beta(), PaperStudy.BETA);
    assertEquals(c.seed(), PaperStudy.SEED);
    assertEquals(c.steps(), PaperStudy.STEPS);
    assertEquals(c.lr(), PaperStudy.LEARNING_RATE);
    assertEquals("sigmoid", c.objective());
    assertEquals(c.samplers(), List.copyOf(PaperStudy.samplers().keySet()));
    TabularProblem mine = PaperStudy.problem();
    TabularProblem theirs = BanditExperiment.gaussianRewards(c.prompts(), c.responses(), c.seed());
    for (int x = 0; x < c.prompts(); x++) {
      assertArrayEquals(theirs.rewards(x), mine.rewards(x));
    }
  }

  @Test
  void paperStudyMetricsAreTheStudyDriversMetrics() {
    for (int trial = 0; trial < 20; trial++) {
      int n = 2 + RANDOM.nextInt(20);
      double beta = 0.1 + 3 * RANDOM.nextDouble();
      double[] logPi =
          TabularReference.logSoftmax(TabularReference.randomParameters(1, n, 2, RANDOM)[0]);
      double[] rewards = TabularReference.randomParameters(1, n, 1, RANDOM)[0];
      BanditMetrics m = BanditMetrics.of(logPi, rewards, beta, new double[n]);
      assertEquals(m.paramDiff(), PaperStudy.paramDiff(logPi, rewards, beta), 1e-12);
      assertEquals(m.valueDiff(), PaperStudy.valueDiff(logPi, rewards, beta), 1e-12);
    }
  }

  /**
   * The study driver of dpo-core, run on the CPU backend, draws the curves that the testkit
   * computes from the definition: the contract's curve test holds every backend to the figures that
   * {@code ./dpo bandit} draws.
   */
  @Test
  void studyDriverDrawsTheDefinitionsCurvesOnTheCpuBackend() {
    BanditConfig c = BanditConfig.PAPER_EXACT;
    TabularProblem problem = PaperStudy.problem();
    BanditResult result =
        new BanditExperiment(
                ProviderRegistry.of("sampler", Discovered.samplers()),
                ProviderRegistry.of("objective", Discovered.objectives()),
                ProviderRegistry.of(
                    "backend", List.<PolicyBackendProvider>of(new CpuBackendProvider())))
            .run(c, problem);
    Objective o = ReferenceObjectives.sigmoid(c.beta(), 0);
    double[] rewards = problem.rewards(0);
    for (SamplerRun run : result.runs()) {
      Sampler s = PaperStudy.samplers().get(run.sampler());
      double[] theta = new double[c.responses()];
      for (int t = 0; t <= c.steps(); t++) {
        if (t > 0) {
          theta = TabularReference.exactStep(s, o, c.lr(), theta, rewards).theta();
        }
        double[] logPi = TabularReference.logSoftmax(theta);
        double param = PaperStudy.paramDiff(logPi, rewards, c.beta());
        double value = PaperStudy.valueDiff(logPi, rewards, c.beta());
        assertEquals(
            param, run.paramDiff()[t], 1e-6 * param + 1e-9, run.sampler() + ": Param Diff at " + t);
        assertEquals(
            value, run.valueDiff()[t], 1e-6 * value + 1e-9, run.sampler() + ": Value Diff at " + t);
      }
    }
  }
}
