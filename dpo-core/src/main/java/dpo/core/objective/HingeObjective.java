package dpo.core.objective;

import dpo.api.objective.ObjectiveConfig;

/** Hinge (SLiC): max(0, 1 - beta h) for a winning first response; subgradient 0 at the kink. */
final class HingeObjective extends LabelledObjective {
  private final double beta;

  HingeObjective(ObjectiveConfig config) {
    super(config);
    this.beta = config.beta();
  }

  @Override
  double win(double h) {
    return Math.max(0, 1 - beta * h);
  }

  @Override
  double winDerivative(double h) {
    return 1 - beta * h > 0 ? -beta : 0;
  }
}
