package dpo.testkit;

import dpo.api.objective.ObjectiveProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The objective contract, run against every shipped objective. */
@ParameterizedClass(name = "{0}")
@MethodSource("objectives")
class BundledObjectivesTest extends ObjectiveContract {
  private final ObjectiveProvider provider;

  BundledObjectivesTest(ObjectiveProvider provider) {
    this.provider = provider;
  }

  static Stream<Named<ObjectiveProvider>> objectives() {
    return Discovered.objectives().stream().map(p -> Named.of(p.id(), p));
  }

  @Override
  protected ObjectiveProvider provider() {
    return provider;
  }
}
