package dpo.api.objective;

import dpo.api.Provider;

/**
 * Service-provider interface for objectives; list implementations in {@code
 * META-INF/services/dpo.api.objective.ObjectiveProvider}.
 */
public interface ObjectiveProvider extends Provider {

  /**
   * Creates the objective.
   *
   * @param config beta and label smoothing
   * @return the objective
   */
  Objective create(ObjectiveConfig config);
}
