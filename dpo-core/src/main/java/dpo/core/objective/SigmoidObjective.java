package dpo.core.objective;

import dpo.api.objective.LogisticForm;
import dpo.api.objective.ObjectiveConfig;
import java.util.Optional;

/**
 * The DPO loss -log sigma(beta h) for a winning first response. With soft labels p = sigma(r_y -
 * r_y') it is docs/method.md's soft-label Bradley-Terry loss -p log sigma(beta h) - (1 - p) log
 * sigma(-beta h); with labels in {0, 1} it is the standard hard-label DPO loss; with label
 * smoothing it is robust (conservative) DPO.
 */
final class SigmoidObjective extends LabelledObjective {
  private final double beta;
  private final LogisticForm form;

  SigmoidObjective(ObjectiveConfig config) {
    super(config);
    this.beta = config.beta();
    this.form = new LogisticForm(config.beta(), config.labelSmoothing());
  }

  @Override
  public Optional<LogisticForm> logisticForm() {
    return Optional.of(form);
  }

  @Override
  double win(double h) {
    return LogisticForm.softplus(-beta * h);
  }

  @Override
  double winDerivative(double h) {
    return -beta * LogisticForm.sigmoid(-beta * h);
  }
}
