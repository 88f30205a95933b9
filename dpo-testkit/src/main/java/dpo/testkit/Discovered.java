package dpo.testkit;

import dpo.api.Provider;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.SamplerProvider;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * What the contracts run against: the providers on the test class path, found with {@link
 * ServiceLoader} as the program finds them, and shared checks.
 */
final class Discovered {
  private Discovered() {}

  /** Every backend on the test class path (none unless the build adds one in test scope). */
  static List<PolicyBackendProvider> backends() {
    return discover(PolicyBackendProvider.class);
  }

  /** Every sampler on the test class path. */
  static List<SamplerProvider> samplers() {
    return discover(SamplerProvider.class);
  }

  /** Every objective on the test class path. */
  static List<ObjectiveProvider> objectives() {
    return discover(ObjectiveProvider.class);
  }

  /**
   * The providers listed in META-INF/services files for {@code type}, sorted by id. A provider that
   * fails to load fails the test that asked for it, with the JDK's message naming the class.
   */
  private static <P extends Provider> List<P> discover(Class<P> type) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    ClassLoader loader = context != null ? context : Discovered.class.getClassLoader();
    return ServiceLoader.load(type, loader).stream()
        .map(ServiceLoader.Provider::get)
        .sorted(Comparator.comparing(Provider::id))
        .toList();
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
