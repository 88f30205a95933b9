package dpo.core.lm;

import com.google.inject.AbstractModule;

/** The wiring of the experiments that train a language model on a fixed dataset. */
public final class LmModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(LmTrainExperiment.class);
    bind(DpoTrainExperiment.class);
  }
}
