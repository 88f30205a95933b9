package dpo.core.align;

import com.google.inject.AbstractModule;

/**
 * The align experiment's wiring. An explicit binding, so that an injector that cannot build the
 * experiment fails when it is created, not when a user runs the command.
 */
public final class AlignModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(AlignExperiment.class);
  }
}
