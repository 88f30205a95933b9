package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ProviderNotFoundException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularProblem;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;
import dpo.core.provenance.RunRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The convergence claims of docs/method.md §3 on the paper's reference configuration (1 prompt, |Y|
 * = 20, beta = 3, rewards ~ N(0, 1)), through ServiceLoader discovery as the command line runs.
 */
class PaperReproductionTest {
  private static final DpoRuntime RUNTIME = DpoRuntime.builder().build();
  private static final BanditExperiment STUDY =
      new BanditExperiment(RUNTIME.samplers(), RUNTIME.objectives(), RUNTIME.backends());

  private static BanditResult run(
      List<String> samplers, BanditConfig.Mode mode, int steps, StepSize lr) {
    BanditConfig c = BanditConfig.PAPER_EXACT;
    BanditConfig config =
        new BanditConfig(
            c.prompts(),
            c.responses(),
            c.beta(),
            c.seed(),
            samplers,
            mode,
            steps,
            lr,
            c.pairs(),
            c.objective(),
            null,
            BackendConfig.defaults());
    TabularProblem rewards = BanditExperiment.gaussianRewards(1, 20, c.seed());
    return STUDY.run(config, rewards);
  }

  /** The experiment runs from Java, without the command line, and records its provenance. */
  @Test
  void theExperimentRunsFromJavaWithItsProvenance() {
    BanditConfig paper = BanditConfig.PAPER_EXACT;
    BanditExperiment.Result result =
        STUDY.run(
            paper.withShape(3, 5), // replaced by the rewards' shape
            BanditExperiment.Rewards.gaussian(paper.prompts(), paper.responses(), paper.seed()));
    assertEquals(1, result.runs().config().prompts());
    assertEquals(20, result.runs().config().responses());
    assertEquals(
        List.of("dpo-unif", "dpo-mix-r", "dpo-mix-p"),
        result.runs().runs().stream().map(SamplerRun::sampler).toList());
    // The README's reference table: steps to 1e-6 of dpo-unif, dpo-mix-r and dpo-mix-p.
    assertEquals(
        List.of(54, 14, 12),
        result.runs().runs().stream()
            .map(r -> r.convergence().stepsTo1e6().orElseThrow())
            .toList());
    RunRecord record = result.record();
    assertEquals("bandit", record.command());
    assertEquals(
        "N(0,1) from seed 1234567 (java.util.SplittableRandom, row-major)",
        record.inputs().get(0).source());
    assertEquals("cpu", record.providers().backend().id());
    assertEquals(0, record.config().get("threads").asInt());
    assertTrue(record.finished() != null, "finished");
  }

  @Test
  void newtonStepMakesMixPConvergeQuadratically() {
    SamplerRun mixP =
        run(List.of("dpo-mix-p"), BanditConfig.Mode.EXACT, 8, StepSize.newton()).runs().get(0);
    assertTrue(mixP.convergence().stepsTo1e10().isPresent(), "Param Diff < 1e-10 within 8 steps");
    assertTrue(mixP.convergence().stepsTo1e10().getAsInt() <= 8);
    double order = mixP.convergence().order().orElseThrow();
    assertTrue(order > 1.8, "order " + order);
    // The error squares: once small, e_{t+1} is within a modest factor of e_t^2.
    double[] e = mixP.paramDiff();
    for (int t = 0; t + 1 < e.length; t++) {
      if (e[t] < 1e-2 && e[t + 1] > 1e-13) {
        double ratio = e[t + 1] / (e[t] * e[t]);
        assertTrue(ratio > 0.01 && ratio < 100, "e_{t+1} / e_t^2 = " + ratio + " at t = " + t);
      }
    }
  }

  @Test
  void uniformConvergesLinearlyAndFarMoreSlowly() {
    SamplerRun unif =
        run(List.of("dpo-unif"), BanditConfig.Mode.EXACT, 100, StepSize.fixed(10)).runs().get(0);
    SamplerRun mixP =
        run(List.of("dpo-mix-p"), BanditConfig.Mode.EXACT, 8, StepSize.newton()).runs().get(0);
    double order = unif.convergence().order().orElseThrow();
    assertEquals(1.0, order, 0.1, "dpo-unif order");
    int unifSteps = unif.convergence().stepsTo1e6().orElse(Integer.MAX_VALUE);
    int mixSteps = mixP.convergence().stepsTo1e6().orElseThrow();
    assertTrue(
        unifSteps >= 5 * mixSteps, "dpo-unif needs " + unifSteps + " steps, Mix-P " + mixSteps);
    assertTrue(unif.convergence().stepsTo1e10().isEmpty(), "dpo-unif does not reach 1e-10 in 100");
  }

  @Test
  void withTheFixedLearningRateTheMixedSamplersAreStillMuchFaster() {
    BanditResult result =
        run(
            List.of("dpo-unif", "dpo-mix-r", "dpo-mix-p"),
            BanditConfig.Mode.EXACT,
            100,
            StepSize.fixed(10));
    int unif = result.runs().get(0).convergence().stepsTo1e6().orElse(Integer.MAX_VALUE);
    for (SamplerRun mixed : result.runs().subList(1, 3)) {
      int steps = mixed.convergence().stepsTo1e6().orElseThrow();
      assertTrue(2 * steps < unif, mixed.sampler() + " " + steps + " vs dpo-unif " + unif);
    }
  }

  @Test
  void empiricalGradientsReachTheNoiseFloor() {
    BanditResult result =
        run(
            List.of("dpo-unif", "dpo-mix-r", "dpo-mix-p", "dpo-mix-p-star"),
            BanditConfig.Mode.EMPIRICAL,
            1000,
            StepSize.fixed(0.05));
    for (SamplerRun r : result.runs()) {
      double last = r.paramDiff()[1000];
      assertTrue(last < 2e-2, r.sampler() + " Param Diff after 1000 steps: " + last);
      assertTrue(last > 1e-4, r.sampler() + " sampled gradients keep a noise floor: " + last);
    }
  }

  @Test
  void runsAreReproducibleUnderTheSeed() {
    BanditResult a =
        run(List.of("dpo-mix-p-star"), BanditConfig.Mode.EMPIRICAL, 20, StepSize.fixed(0.05));
    BanditResult b =
        run(List.of("dpo-mix-p-star"), BanditConfig.Mode.EMPIRICAL, 20, StepSize.fixed(0.05));
    assertEquals(a.runs().get(0).paramDiff()[20], b.runs().get(0).paramDiff()[20], 0.0);
  }

  @Test
  void discoveryFindsEveryShippedProvider() {
    assertEquals(
        List.of(
            "best-of-4",
            "best-of-8",
            "dpo-mix-p",
            "dpo-mix-p-star",
            "dpo-mix-r",
            "dpo-unif",
            "half-mix-p",
            "half-mix-r",
            "hybrid",
            "mix-p",
            "mix-p-on-policy",
            "on-policy",
            "simplemix",
            "vanilla"),
        RUNTIME.samplers().ids());
    assertEquals(List.of("hinge", "ipo", "sigmoid"), RUNTIME.objectives().ids());
    assertTrue(RUNTIME.backends().ids().contains("cpu"));
    assertEquals("cpu", RUNTIME.backends().preferred().id());
    assertTrue(RUNTIME.samplers().problems().isEmpty());
  }

  @Test
  void unknownSamplerListsTheAvailableIds() {
    ProviderNotFoundException e =
        assertThrows(
            ProviderNotFoundException.class,
            () -> run(List.of("dpo-mix-q"), BanditConfig.Mode.EXACT, 1, StepSize.fixed(1)));
    assertTrue(e.getMessage().contains("'dpo-mix-q'"), e.getMessage());
    assertTrue(e.getMessage().contains("dpo-mix-p, dpo-mix-p-star, dpo-mix-r"), e.getMessage());
  }
}
