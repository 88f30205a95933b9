package dpo.testkit;

import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import java.util.Optional;

/**
 * The objectives the contracts train with, written by the testkit from docs/method.md §1, so that a
 * third party's test class path needs no objective module: the logistic DPO loss, which offers its
 * {@link LogisticForm} (backends take their vectorised path), and the IPO loss, which does not
 * (backends take their generic, per-pair path).
 */
final class ReferenceObjectives {
  private ReferenceObjectives() {}

  /**
   * The DPO loss {@code -q log sigma(beta h) - (1 - q) log sigma(-beta h)} with the label flipped
   * with probability {@code labelSmoothing}, {@code q = (1 - eps) p + eps (1 - p)}; written as the
   * logistic form {@code softplus(beta h) - q beta h}, derivative {@code beta (sigma(beta h) - q)}.
   */
  static Objective sigmoid(double beta, double labelSmoothing) {
    LogisticForm form = new LogisticForm(beta, labelSmoothing);
    return new Objective() {
      @Override
      public double beta() {
        return beta;
      }

      @Override
      public double loss(double h, double p) {
        return LogisticForm.softplus(beta * h) - q(p, labelSmoothing) * beta * h;
      }

      @Override
      public double derivative(double h, double p) {
        return beta * (LogisticForm.sigmoid(beta * h) - q(p, labelSmoothing));
      }

      @Override
      public Optional<LogisticForm> logisticForm() {
        return Optional.of(form);
      }

      @Override
      public String toString() {
        return "sigmoid(beta " + beta + ", label smoothing " + labelSmoothing + ")";
      }
    };
  }

  /**
   * The IPO loss: {@code (h - 1 / (2 beta))^2} when the first response wins, and its expectation
   * over the label {@code p (h - t)^2 + (1 - p) (h + t)^2}, {@code t = 1 / (2 beta)}.
   */
  static Objective ipo(double beta) {
    double target = 1 / (2 * beta);
    return new Objective() {
      @Override
      public double beta() {
        return beta;
      }

      @Override
      public double loss(double h, double p) {
        return p * (h - target) * (h - target) + (1 - p) * (h + target) * (h + target);
      }

      @Override
      public double derivative(double h, double p) {
        return 2 * p * (h - target) + 2 * (1 - p) * (h + target);
      }

      @Override
      public String toString() {
        return "ipo(beta " + beta + ")";
      }
    };
  }

  private static double q(double p, double labelSmoothing) {
    return (1 - labelSmoothing) * p + labelSmoothing * (1 - p);
  }
}
