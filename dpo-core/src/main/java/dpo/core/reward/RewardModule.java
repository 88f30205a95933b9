package dpo.core.reward;

import com.google.inject.AbstractModule;

/**
 * The reward fit's wiring. An explicit binding, so that an injector that cannot build the
 * experiment fails when it is created, not when a user runs the command.
 */
public final class RewardModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(RewardFitExperiment.class);
  }
}
