package dpo.api.objective;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings shared by the objectives.
 *
 * @param beta the KL-regularisation coefficient, > 0 (docs/method.md: 3 in the tabular study, 0.1
 *     for language models)
 * @param labelSmoothing probability in [0, 0.5) that a label is flipped (robust / conservative
 *     DPO); 0 for none
 */
public record ObjectiveConfig(double beta, double labelSmoothing) {

  /**
   * Validates the components, reporting every violation at once.
   *
   * @param beta the KL-regularisation coefficient, > 0 (docs/method.md: 3 in the tabular study, 0.1
   *     for language models)
   * @param labelSmoothing probability in [0, 0.5) that a label is flipped (robust / conservative
   *     DPO); 0 for none
   */
  public ObjectiveConfig {
    List<Violation> errors = new ArrayList<>();
    if (!(beta > 0) || Double.isInfinite(beta)) {
      errors.add(new Violation("beta", "beta must be a finite number > 0, got " + beta));
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
      errors.add(
          new Violation(
              "labelSmoothing", "labelSmoothing must be in [0, 0.5), got " + labelSmoothing));
    }
    if (!errors.isEmpty()) {
      throw new ConfigurationException(errors);
    }
  }

  /**
   * A config without label smoothing.
   *
   * @param beta the KL coefficient
   * @return the config
   */
  public static ObjectiveConfig ofBeta(double beta) {
    return new ObjectiveConfig(beta, 0);
  }
}
