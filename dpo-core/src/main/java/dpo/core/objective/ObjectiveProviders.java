package dpo.core.objective;

import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import java.util.function.Function;

/** The providers of the shipped objectives, as listed in META-INF/services. */
public final class ObjectiveProviders {
  private ObjectiveProviders() {}

  private abstract static class Base implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    private final String id;
    private final String description;
    private final Function<ObjectiveConfig, Objective> factory;

    Base(String id, String description, Function<ObjectiveConfig, Objective> factory) {
      this.id = id;
      this.description = description;
      this.factory = factory;
    }

    @Override
    public final String id() {
      return id;
    }

    @Override
    public final String description() {
      return description;
    }

    @Override
    public final Objective create(ObjectiveConfig config) {
      return factory.apply(config);
    }
  }

  /** {@code sigmoid}: the (soft-label) Bradley-Terry DPO loss, the default. */
  public static final class Sigmoid extends Base {
    /** Creates the provider. */
    public Sigmoid() {
      super(
          "sigmoid",
          "DPO loss -log sigma(beta h); soft Bradley-Terry labels, hard labels or label smoothing",
          SigmoidObjective::new);
    }

    @Override
    public int priority() {
      return 100;
    }
  }

  /** {@code ipo}: the IPO squared loss. */
  public static final class Ipo extends Base {
    /** Creates the provider. */
    public Ipo() {
      super("ipo", "IPO loss (h - 1/(2 beta))^2", IpoObjective::new);
    }
  }

  /** {@code hinge}: the SLiC hinge loss. */
  public static final class Hinge extends Base {
    /** Creates the provider. */
    public Hinge() {
      super("hinge", "hinge (SLiC) loss max(0, 1 - beta h)", HingeObjective::new);
    }
  }
}
