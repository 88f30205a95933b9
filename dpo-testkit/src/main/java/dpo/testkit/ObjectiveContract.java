package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dpo.api.Provider;
import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The contract of an {@link ObjectiveProvider}. Extend it in your own test sources and return your
 * provider:
 *
 * <pre>{@code
 * class MyLossTest extends ObjectiveContract {
 *   @Override
 *   protected ObjectiveProvider provider() {
 *     return new MyLossProvider();
 *   }
 * }
 * }</pre>
 *
 * <p>For every config of {@link #configs()} it checks the laws that {@link Objective} states: the
 * loss is the expectation of its hard-label losses, {@code loss(h, p) = p loss(h, 1) + (1 - p)
 * loss(h, 0)}; it is symmetric under presenting the pair the other way round, {@code loss(h, p) =
 * loss(-h, 1 - p)}; the derivative matches central finite differences (or, at a kink, lies between
 * the one-sided slopes); {@code beta()} is the configured beta; a configured label smoothing eps is
 * applied, {@code loss(h, p)} being the unsmoothed loss at {@code q = (1 - eps) p + eps (1 - p)};
 * values are finite over a wide range and beyond it, where a naive {@code exp(beta h)} overflows
 * (|beta h| past 709.78); and an objective that offers a {@link LogisticForm} computes exactly that
 * form.
 */
public abstract class ObjectiveContract {
  private static final int POINTS = 400;

  /**
   * The provider under test. Called once per test; may return a new instance each time.
   *
   * @return the provider
   */
  protected abstract ObjectiveProvider provider();

  /**
   * The configs the laws are checked at: beta 0.1, 1 and 3, each without and with label smoothing
   * 0.2. Override to narrow or widen them.
   *
   * @return the configs
   */
  protected List<ObjectiveConfig> configs() {
    List<ObjectiveConfig> configs = new ArrayList<>();
    for (double beta : new double[] {0.1, 1, 3}) {
      configs.add(new ObjectiveConfig(beta, 0));
      configs.add(new ObjectiveConfig(beta, 0.2));
    }
    return configs;
  }

  /** Creates the contract. */
  protected ObjectiveContract() {}

  @Test
  public void providerDescribesItself() {
    ObjectiveProvider p = provider();
    assertNotNull(p.id(), "id() must not be null");
    assertTrue(
        p.id().matches(Provider.ID_PATTERN),
        "id '" + p.id() + "' must be kebab-case (" + Provider.ID_PATTERN + ")");
    assertNotNull(p.description(), "description() must not be null");
    assertFalse(p.description().isBlank(), "description() must say what the loss is");
    assertFalse(p.description().contains("\n"), "description() must fit on one line");
  }

  @Test
  public void betaIsTheConfiguredOne() {
    for (ObjectiveConfig c : configs()) {
      assertEquals(c.beta(), provider().create(c).beta(), 0, "beta() for " + c);
    }
  }

  @Test
  public void createIsRepeatable() {
    SplittableRandom r = new SplittableRandom(1);
    for (ObjectiveConfig c : configs()) {
      Objective a = provider().create(c);
      Objective b = provider().create(c);
      for (int i = 0; i < 50; i++) {
        double h = h(r, c.beta());
        double p = r.nextDouble();
        assertEquals(a.loss(h, p), b.loss(h, p), 0, "two objectives from " + c);
        assertEquals(a.derivative(h, p), b.derivative(h, p), 0, "two objectives from " + c);
      }
    }
  }

  @Test
  public void lossIsTheExpectationOverTheLabel() {
    SplittableRandom r = new SplittableRandom(2);
    for (ObjectiveConfig c : configs()) {
      Objective o = provider().create(c);
      for (int i = 0; i < POINTS; i++) {
        double h = h(r, c.beta());
        double p = r.nextDouble();
        double mixed = p * o.loss(h, 1) + (1 - p) * o.loss(h, 0);
        assertEquals(
            mixed,
            o.loss(h, p),
            1e-10 * Math.max(1, Math.abs(mixed)),
            "loss(h, p) must be p loss(h, 1) + (1 - p) loss(h, 0) at h "
                + h
                + ", p "
                + p
                + ", "
                + c);
        double slope = p * o.derivative(h, 1) + (1 - p) * o.derivative(h, 0);
        assertEquals(
            slope,
            o.derivative(h, p),
            1e-10 * Math.max(1, Math.abs(slope)),
            "derivative(h, p) must be linear in p too, at h " + h + ", p " + p + ", " + c);
      }
    }
  }

  @Test
  public void lossIsSymmetricUnderSwappingThePair() {
    SplittableRandom r = new SplittableRandom(3);
    for (ObjectiveConfig c : configs()) {
      Objective o = provider().create(c);
      for (int i = 0; i < POINTS; i++) {
        double h = h(r, c.beta());
        double p = label(r, i);
        double loss = o.loss(h, p);
        assertEquals(
            loss,
            o.loss(-h, 1 - p),
            1e-12 * Math.max(1, Math.abs(loss)),
            "loss(h, p) must equal loss(-h, 1 - p) at h " + h + ", p " + p + ", " + c);
        double d = o.derivative(h, p);
        assertEquals(
            -d,
            o.derivative(-h, 1 - p),
            1e-12 * Math.max(1, Math.abs(d)),
            "derivative(h, p) must equal -derivative(-h, 1 - p) at h " + h + ", p " + p + ", " + c);
      }
    }
  }

  @Test
  public void derivativeMatchesFiniteDifferences() {
    SplittableRandom r = new SplittableRandom(4);
    for (ObjectiveConfig c : configs()) {
      Objective o = provider().create(c);
      double beta = c.beta();
      // A step that is small on the loss's own scale, beta * h.
      double eps = 1e-5 / beta;
      for (int i = 0; i < POINTS; i++) {
        double h = h(r, beta);
        double p = label(r, i);
        double left = (o.loss(h, p) - o.loss(h - eps, p)) / eps;
        double right = (o.loss(h + eps, p) - o.loss(h, p)) / eps;
        double d = o.derivative(h, p);
        String at = " at h " + h + ", p " + p + ", " + c;
        double tolerance = 1e-6 * (beta + Math.abs(d));
        if (Math.abs(left - right) > 1e-2 * beta) {
          // A kink within eps: any slope between the one-sided ones is a subgradient.
          assertTrue(
              d >= Math.min(left, right) - tolerance && d <= Math.max(left, right) + tolerance,
              "derivative "
                  + d
                  + " must lie between the one-sided slopes "
                  + left
                  + " and "
                  + right
                  + at);
        } else {
          double central = (o.loss(h + eps, p) - o.loss(h - eps, p)) / (2 * eps);
          assertEquals(central, d, tolerance, "derivative vs central finite differences" + at);
        }
      }
    }
  }

  @Test
  public void valuesAreFiniteOverAWideRange() {
    for (ObjectiveConfig c : configs()) {
      Objective o = provider().create(c);
      for (double betaH = -700; betaH <= 700; betaH += 12.5) {
        double h = betaH / c.beta();
        for (double p : new double[] {0, 0.3, 0.5, 1}) {
          assertTrue(
              Double.isFinite(o.loss(h, p)),
              "loss(" + h + ", " + p + ") = " + o.loss(h, p) + ", " + c);
          assertTrue(
              Double.isFinite(o.derivative(h, p)),
              "derivative(" + h + ", " + p + ") = " + o.derivative(h, p) + ", " + c);
        }
      }
    }
  }

  /** Checks the configured label smoothing is applied: the label flips with probability eps. */
  @Test
  public void labelSmoothingFlipsTheLabel() {
    List<ObjectiveConfig> smoothed = new ArrayList<>();
    for (ObjectiveConfig c : configs()) {
      if (c.labelSmoothing() > 0) {
        smoothed.add(c);
      }
    }
    assumeFalse(smoothed.isEmpty(), "configs() has no label smoothing to check");
    SplittableRandom r = new SplittableRandom(6);
    for (ObjectiveConfig c : smoothed) {
      Objective o = provider().create(c);
      Objective plain = provider().create(new ObjectiveConfig(c.beta(), 0));
      double eps = c.labelSmoothing();
      for (int i = 0; i < POINTS; i++) {
        double h = h(r, c.beta());
        double p = label(r, i);
        double q = (1 - eps) * p + eps * (1 - p);
        String at = " at h " + h + ", p " + p + ", " + c + " (q = " + q + ")";
        double loss = plain.loss(h, q);
        assertEquals(
            loss,
            o.loss(h, p),
            1e-10 * Math.max(1, Math.abs(loss)),
            "with label smoothing eps, loss(h, p) must be the unsmoothed loss at q = (1 - eps) p"
                + " + eps (1 - p)"
                + at);
        double d = plain.derivative(h, q);
        assertEquals(
            d,
            o.derivative(h, p),
            1e-10 * Math.max(1, Math.abs(d)),
            "with label smoothing eps, derivative(h, p) must be the unsmoothed one at q" + at);
      }
    }
  }

  /**
   * Checks loss and derivative stay finite where exp(beta h) overflows a double (|beta h| past
   * 709.78), as it does when a softplus or sigmoid is computed naively.
   */
  @Test
  public void valuesAreFiniteBeyondExpOverflow() {
    double[] magnitudes = {709, 709.78, 710, 720, 745, 746, 800, 1e3, 1e4, 1e5};
    for (ObjectiveConfig c : configs()) {
      Objective o = provider().create(c);
      for (double m : magnitudes) {
        for (double betaH : new double[] {m, -m}) {
          double h = betaH / c.beta();
          for (double p : new double[] {0, 0.3, 0.5, 1}) {
            String at = " at beta h " + betaH + ", p " + p + ", " + c;
            assertTrue(Double.isFinite(o.loss(h, p)), "loss is " + o.loss(h, p) + at);
            assertTrue(
                Double.isFinite(o.derivative(h, p)), "derivative is " + o.derivative(h, p) + at);
          }
        }
      }
    }
  }

  @Test
  public void logisticFormIsComputedExactly() {
    SplittableRandom r = new SplittableRandom(5);
    for (ObjectiveConfig c : configs()) {
      Objective o = provider().create(c);
      Optional<LogisticForm> form = o.logisticForm();
      assertNotNull(form, "logisticForm() must not be null; return Optional.empty()");
      if (form.isEmpty()) {
        continue;
      }
      LogisticForm f = form.get();
      assertEquals(o.beta(), f.beta(), 0, "the logistic form's beta must be the objective's");
      for (int i = 0; i < POINTS; i++) {
        double h = h(r, c.beta());
        double p = label(r, i);
        double q = (1 - f.labelSmoothing()) * p + f.labelSmoothing() * (1 - p);
        double bh = f.beta() * h;
        double loss = LogisticForm.softplus(bh) - q * bh;
        double d = f.beta() * (LogisticForm.sigmoid(bh) - q);
        String at = " at h " + h + ", p " + p + ", " + c;
        assertEquals(
            loss,
            o.loss(h, p),
            1e-12 * Math.max(1, Math.abs(loss)),
            "loss must be the logistic form softplus(beta h) - q beta h" + at);
        assertEquals(
            d,
            o.derivative(h, p),
            1e-12 * Math.max(1, Math.abs(d)),
            "derivative must be the logistic form beta (sigma(beta h) - q)" + at);
      }
    }
  }

  /** h with beta * h in [-8, 8]: where losses curve. */
  private static double h(SplittableRandom r, double beta) {
    return (16 * r.nextDouble() - 8) / beta;
  }

  /** Hard labels now and then, soft ones otherwise. */
  private static double label(SplittableRandom r, int i) {
    return switch (i % 8) {
      case 0 -> 0;
      case 1 -> 1;
      default -> r.nextDouble();
    };
  }
}
