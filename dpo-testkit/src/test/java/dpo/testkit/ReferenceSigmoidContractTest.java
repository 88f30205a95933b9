package dpo.testkit;

import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;

/** The testkit's own logistic loss obeys the objective contract it holds plugins to. */
class ReferenceSigmoidContractTest extends ObjectiveContract {
  @Override
  protected ObjectiveProvider provider() {
    return new ObjectiveProvider() {
      @Override
      public int apiVersion() {
        return API_VERSION;
      }

      @Override
      public String id() {
        return "testkit-sigmoid";
      }

      @Override
      public String description() {
        return "the testkit's DPO loss";
      }

      @Override
      public Objective create(ObjectiveConfig config) {
        return ReferenceObjectives.sigmoid(config.beta(), config.labelSmoothing());
      }
    };
  }
}
