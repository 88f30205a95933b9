package dpo.testkit;

import dpo.api.Provider;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.objective.ObjectiveProviders;
import dpo.core.registry.ProviderRegistry;
import java.util.List;

/** What the contracts run against: the providers on the test class path, and shared checks. */
final class Discovered {
  private Discovered() {}

  /** Every backend on the class path, the CPU reference included (it comes with the testkit). */
  static List<PolicyBackendProvider> backends() {
    return discover("backend", PolicyBackendProvider.class);
  }

  /** Every sampler on the class path, the shipped ones included. */
  static List<SamplerProvider> samplers() {
    return discover("sampler", SamplerProvider.class);
  }

  /** Every objective on the class path, the shipped ones included. */
  static List<ObjectiveProvider> objectives() {
    return discover("objective", ObjectiveProvider.class);
  }

  /** The DPO loss, with soft labels and optional label smoothing. */
  static Objective sigmoid(double beta, double labelSmoothing) {
    return new ObjectiveProviders.Sigmoid().create(new ObjectiveConfig(beta, labelSmoothing));
  }

  /** The IPO loss: not logistic, so backends take their generic (per-pair) path. */
  static Objective ipo(double beta) {
    return new ObjectiveProviders.Ipo().create(ObjectiveConfig.ofBeta(beta));
  }

  private static <P extends Provider> List<P> discover(String kind, Class<P> type) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return ProviderRegistry.discover(
            kind, type, loader != null ? loader : Discovered.class.getClassLoader(), List.of())
        .all();
  }

  /** |actual - expected| <= relative * max(1, |expected|). */
  static boolean close(double expected, double actual, double relative) {
    return Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected));
  }

  /** A failure message when two vectors differ beyond {@link #close}; null when they agree. */
  static String difference(double[] expected, double[] actual, double relative) {
    if (expected.length != actual.length) {
      return "lengths differ: expected " + expected.length + ", got " + actual.length;
    }
    for (int i = 0; i < expected.length; i++) {
      if (!close(expected[i], actual[i], relative)) {
        return "entry "
            + i
            + ": expected "
            + expected[i]
            + ", got "
            + actual[i]
            + " (tolerance "
            + relative
            + " relative)";
      }
    }
    return null;
  }
}
