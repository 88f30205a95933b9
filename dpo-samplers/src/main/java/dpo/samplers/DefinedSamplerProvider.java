package dpo.samplers;

import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import java.util.function.Supplier;

/** A provider for one of the {@link SamplerDefinitions}; subclasses only name it. */
abstract class DefinedSamplerProvider implements SamplerProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  private final String id;
  private final String description;
  private final Supplier<Sampler> definition;

  DefinedSamplerProvider(String id, String description, Supplier<Sampler> definition) {
    this.id = id;
    this.description = description;
    this.definition = definition;
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
  public final Sampler create() {
    return definition.get();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + id + "]";
  }
}
