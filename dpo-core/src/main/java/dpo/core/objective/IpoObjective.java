package dpo.core.objective;

import dpo.api.objective.ObjectiveConfig;

/** IPO (Azar et al.): (h - 1 / (2 tau))^2 for a winning first response, with tau = beta. */
final class IpoObjective extends LabelledObjective {
  private final double target;

  IpoObjective(ObjectiveConfig config) {
    super(config);
    this.target = 1 / (2 * config.beta());
  }

  @Override
  double win(double h) {
    double d = h - target;
    return d * d;
  }

  @Override
  double winDerivative(double h) {
    return 2 * (h - target);
  }
}
