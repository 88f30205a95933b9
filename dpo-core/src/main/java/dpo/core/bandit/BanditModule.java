package dpo.core.bandit;

import com.google.inject.AbstractModule;

/**
 * The bandit study's wiring. An explicit binding, so that an injector that cannot build the study
 * (a registry it needs is unbound) fails when it is created, not when a user runs the command.
 */
public final class BanditModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(BanditExperiment.class);
  }
}
