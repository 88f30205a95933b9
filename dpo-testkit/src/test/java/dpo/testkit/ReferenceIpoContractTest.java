package dpo.testkit;

import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import java.util.List;

/** The testkit's own IPO loss obeys the objective contract (it has no label smoothing). */
class ReferenceIpoContractTest extends ObjectiveContract {
  @Override
  protected ObjectiveProvider provider() {
    return new ObjectiveProvider() {
      @Override
      public int apiVersion() {
        return API_VERSION;
      }

      @Override
      public String id() {
        return "testkit-ipo";
      }

      @Override
      public String description() {
        return "the testkit's IPO loss";
      }

      @Override
      public Objective create(ObjectiveConfig config) {
        return ReferenceObjectives.ipo(config.beta());
      }
    };
  }

  @Override
  protected List<ObjectiveConfig> configs() {
    return List.of(
        ObjectiveConfig.ofBeta(0.1), ObjectiveConfig.ofBeta(1), ObjectiveConfig.ofBeta(3));
  }
}
