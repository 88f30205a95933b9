package dpo.core.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import dpo.api.Provider;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Laws of the shipped objectives, obtained through ServiceLoader as a user would. */
class ObjectivesTest {
  private static final double[] BETAS = {0.1, 1, 3};
  private static final double[] SMOOTHINGS = {0, 0.1};
  private static final double[] PS = {0, 0.3, 1};
  private static final double[] GRID = {
    -50, -20, -7, -3, -1.5, -1, -0.4, -0.1, 0, 0.05, 0.3, 0.9, 1, 2.5, 10, 50
  };

  private static final double[] OUTSIDE_UNIT_INTERVAL = {
    -0.1, -1e-12, 1 + 1e-12, 1.1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
  };

  /** Finite-difference step; far below the 1e-4 exclusion zone around the hinge kinks. */
  private static final double STEP = 1e-6;

  private static Map<String, ObjectiveProvider> providers() {
    Map<String, ObjectiveProvider> byId = new TreeMap<>();
    for (ObjectiveProvider p : ServiceLoader.load(ObjectiveProvider.class)) {
      assertTrue(byId.put(p.id(), p) == null, "id listed twice: " + p.id());
    }
    return byId;
  }

  private static Objective objective(String id, double beta, double smoothing) {
    ObjectiveProvider provider = providers().get(id);
    assertTrue(provider != null, "no objective provider '" + id + "'");
    return provider.create(new ObjectiveConfig(beta, smoothing));
  }

  static Stream<Arguments> objectives() {
    List<Arguments> args = new ArrayList<>();
    for (String id : List.of("sigmoid", "ipo", "hinge")) {
      for (double beta : BETAS) {
        for (double smoothing : SMOOTHINGS) {
          args.add(Arguments.of(id, beta, smoothing));
        }
      }
    }
    return args.stream();
  }

  static Stream<Arguments> sigmoids() {
    return objectives().filter(a -> a.get()[0].equals("sigmoid"));
  }

  /** The grid plus points just beside the hinge kinks h = +-1/beta, where a wrong branch shows. */
  private static double[] hs(double beta) {
    double k = 1 / beta;
    double[] extra = {k - 1e-2, k + 1e-2, k - 1e-3, k + 1e-3, -k - 1e-3, -k + 1e-3, k, -k};
    double[] all = new double[GRID.length + extra.length];
    System.arraycopy(GRID, 0, all, 0, GRID.length);
    System.arraycopy(extra, 0, all, GRID.length, extra.length);
    return all;
  }

  @Test
  void serviceLoaderFindsExactlyTheShippedObjectives() {
    Map<String, ObjectiveProvider> byId = providers();
    assertEquals(Set.of("sigmoid", "ipo", "hinge"), byId.keySet());
    for (ObjectiveProvider p : byId.values()) {
      assertTrue(p.id().matches(Provider.ID_PATTERN), p.id());
      assertFalse(p.description().isBlank(), p.id());
    }
    // The sigmoid (DPO) loss is the default a registry picks.
    String preferred =
        byId.values().stream()
            .max((a, b) -> Integer.compare(a.priority(), b.priority()))
            .orElseThrow()
            .id();
    assertEquals("sigmoid", preferred);
  }

  @ParameterizedTest(name = "{0} beta={1} smoothing={2}")
  @MethodSource("objectives")
  void createdObjectiveReportsItsBeta(String id, double beta, double smoothing) {
    assertEquals(beta, objective(id, beta, smoothing).beta());
  }

  @ParameterizedTest(name = "{0} beta={1} smoothing={2}")
  @MethodSource("objectives")
  void derivativeMatchesCentralDifference(String id, double beta, double smoothing) {
    Objective o = objective(id, beta, smoothing);
    int checked = 0;
    for (double h : hs(beta)) {
      if (id.equals("hinge") && Math.abs(Math.abs(h) - 1 / beta) < 1e-4) {
        continue; // a kink: only a subgradient exists there
      }
      for (double p : PS) {
        double up = o.loss(h + STEP, p);
        double down = o.loss(h - STEP, p);
        double numeric = (up - down) / (2 * STEP);
        double analytic = o.derivative(h, p);
        // Relative slack for truncation, plus the rounding of the two losses divided by the step.
        double tol =
            1e-6 * (1 + Math.abs(analytic))
                + 4 * (Math.ulp(Math.abs(up)) + Math.ulp(Math.abs(down))) / (2 * STEP);
        assertEquals(numeric, analytic, tol, "h=" + h + " p=" + p);
        checked++;
      }
    }
    assertTrue(checked >= GRID.length * PS.length, "too few points checked: " + checked);
  }

  @ParameterizedTest(name = "{0} beta={1} smoothing={2}")
  @MethodSource("objectives")
  void swappingThePairChangesNothing(String id, double beta, double smoothing) {
    Objective o = objective(id, beta, smoothing);
    for (double h : hs(beta)) {
      for (double p : PS) {
        double loss = o.loss(h, p);
        double swapped = o.loss(-h, 1 - p);
        assertEquals(loss, swapped, 1e-12 * (1 + Math.abs(loss)), "loss h=" + h + " p=" + p);
        double d = o.derivative(h, p);
        double swappedD = -o.derivative(-h, 1 - p);
        assertEquals(d, swappedD, 1e-12 * (1 + Math.abs(d)), "derivative h=" + h + " p=" + p);
      }
    }
  }

  @ParameterizedTest(name = "{0} beta={1} smoothing={2}")
  @MethodSource("objectives")
  void softLabelLossIsTheExpectationOfHardLabelLosses(String id, double beta, double smoothing) {
    // Objective's contract: loss(h, p) = p loss(h, 1) + (1 - p) loss(h, 0).
    Objective o = objective(id, beta, smoothing);
    for (double h : new double[] {-3, -0.5, 0, 0.2, 1.7, 4}) {
      for (double p : new double[] {0.1, 0.3, 0.5, 0.85}) {
        double expected = p * o.loss(h, 1) + (1 - p) * o.loss(h, 0);
        assertEquals(expected, o.loss(h, p), 1e-12 * (1 + Math.abs(expected)), h + " " + p);
        double expectedD = p * o.derivative(h, 1) + (1 - p) * o.derivative(h, 0);
        assertEquals(expectedD, o.derivative(h, p), 1e-12 * (1 + Math.abs(expectedD)));
      }
    }
  }

  @ParameterizedTest(name = "beta={0}")
  @ValueSource(doubles = {0.1, 1, 3})
  void hardLabelLossesMatchTheirTextbookDefinitions(double beta) {
    Objective sigmoid = objective("sigmoid", beta, 0);
    Objective ipo = objective("ipo", beta, 0);
    Objective hinge = objective("hinge", beta, 0);
    for (double h : new double[] {-4, -1, -0.25, 0, 0.3, 1 / beta, 2, 5}) {
      double dpo = -Math.log(1 / (1 + Math.exp(-beta * h)));
      assertEquals(dpo, sigmoid.loss(h, 1), 1e-12 * (1 + dpo), "sigmoid h=" + h);
      double target = 1 / (2 * beta);
      assertEquals((h - target) * (h - target), ipo.loss(h, 1), 1e-12 * (1 + h * h), "ipo h=" + h);
      assertEquals(Math.max(0, 1 - beta * h), hinge.loss(h, 1), 1e-12, "hinge h=" + h);
    }
  }

  @ParameterizedTest(name = "sigmoid beta={1} smoothing={2}")
  @MethodSource("sigmoids")
  void sigmoidLossAtZeroIsLogTwo(String id, double beta, double smoothing) {
    Objective o = objective(id, beta, smoothing);
    for (double p : new double[] {0, 0.3, 0.5, 0.9, 1}) {
      assertEquals(Math.log(2), o.loss(0, p), 1e-15, "p=" + p);
    }
  }

  @ParameterizedTest(name = "sigmoid beta={1} smoothing={2}")
  @MethodSource("sigmoids")
  void sigmoidLossIsTheSoftLabelBradleyTerryLoss(String id, double beta, double smoothing) {
    // method.md: p = sigma(r_y - r_y'), loss = -p log sigma(beta h) - (1 - p) log sigma(-beta h).
    // Label smoothing eps flips the label with probability eps (robust / conservative DPO).
    Objective o = objective(id, beta, smoothing);
    for (double r : new double[] {-3, -1, -0.2, 0, 0.7, 2}) {
      double p = 1 / (1 + Math.exp(-r));
      double q = (1 - smoothing) * p + smoothing * (1 - p);
      for (double h : new double[] {-4, -1, -0.3, 0, 0.25, 1.5, 4}) {
        double logSigPos = Math.log(1 / (1 + Math.exp(-beta * h)));
        double logSigNeg = Math.log(1 / (1 + Math.exp(beta * h)));
        double expected = -q * logSigPos - (1 - q) * logSigNeg;
        assertEquals(expected, o.loss(h, p), 1e-12 * (1 + expected), "r=" + r + " h=" + h);
      }
    }
  }

  @ParameterizedTest(name = "{0} beta={1} smoothing={2}")
  @MethodSource("objectives")
  void extremeMarginsStayFinite(String id, double beta, double smoothing) {
    Objective o = objective(id, beta, smoothing);
    for (double margin : new double[] {1, 30, 100, 500, 700, 1e4}) {
      for (double sign : new double[] {-1, 1}) {
        double h = sign * margin / beta;
        for (double p : new double[] {0, 1}) {
          double loss = o.loss(h, p);
          double d = o.derivative(h, p);
          assertTrue(Double.isFinite(loss) && loss >= 0, "loss " + loss + " at h=" + h + " p=" + p);
          assertTrue(Double.isFinite(d), "derivative " + d + " at h=" + h + " p=" + p);
        }
      }
    }
  }

  @ParameterizedTest(name = "beta={0}")
  @ValueSource(doubles = {0.1, 1, 3})
  void sigmoidTailsAreAccurate(double beta) {
    Objective o = objective("sigmoid", beta, 0);
    double h = 700 / beta;
    // -log sigma(-700) = 700 + log1p(e^-700): a naive log(1 + e^700) would be close to overflow.
    assertEquals(700, o.loss(-h, 1), 1e-12 * 700);
    assertEquals(700, o.loss(h, 0), 1e-12 * 700);
    double tiny = o.loss(h, 1);
    assertTrue(tiny >= 0 && tiny < 1e-300, "loss of a won pair with margin 700: " + tiny);
    assertEquals(-beta, o.derivative(-h, 1), 1e-15 * beta);
    assertEquals(beta, o.derivative(h, 0), 1e-15 * beta);
    assertEquals(0, o.derivative(h, 1), 1e-300);
    // Past exp's overflow at 709.8.
    assertEquals(1e4, o.loss(-1e4 / beta, 1), 1e-12 * 1e4);
  }

  @ParameterizedTest(name = "{0} beta={1} smoothing={2}")
  @MethodSource("objectives")
  void probabilityOutsideTheUnitIntervalIsRejected(String id, double beta, double smoothing) {
    Objective o = objective(id, beta, smoothing);
    for (double p : OUTSIDE_UNIT_INTERVAL) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> o.loss(0.5, p), "loss p=" + p);
      assertTrue(e.getMessage().contains(String.valueOf(p)), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> o.derivative(0.5, p), "deriv. p=" + p);
    }
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {0, -0.0, -0.1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void configRejectsInvalidBeta(double beta) {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> new ObjectiveConfig(beta, 0));
    assertEquals(List.of("beta"), fields(e));
    assertTrue(e.getMessage().contains(String.valueOf(beta)), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, -1e-12, 0.5, 0.7, 1, Double.NaN, Double.POSITIVE_INFINITY})
  void configRejectsInvalidLabelSmoothing(double smoothing) {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> new ObjectiveConfig(1, smoothing));
    assertEquals(List.of("labelSmoothing"), fields(e));
    assertTrue(e.getMessage().contains(String.valueOf(smoothing)), e.getMessage());
  }

  @Test
  void configReportsEveryViolationAtOnce() {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> new ObjectiveConfig(-1, 0.5));
    assertEquals(List.of("beta", "labelSmoothing"), fields(e));
  }

  @Test
  void configAcceptsTheBoundaries() {
    assertEquals(0.4999, new ObjectiveConfig(1e-9, 0.4999).labelSmoothing());
    ObjectiveConfig c = ObjectiveConfig.ofBeta(0.1);
    assertEquals(0.1, c.beta());
    assertEquals(0, c.labelSmoothing());
  }

  private static List<String> fields(ConfigurationException e) {
    return e.violations().stream().map(Violation::field).toList();
  }
}
