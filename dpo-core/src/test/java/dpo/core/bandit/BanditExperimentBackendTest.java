package dpo.core.bandit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.StepSize;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.Tilt;
import dpo.core.DpoRuntime;
import dpo.core.registry.MissingCapabilityException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The study refuses a backend that cannot run its gradient mode, naming those that can. */
class BanditExperimentBackendTest {

  private record FakeBackend(String id, Set<BackendCapability> capabilities)
      implements PolicyBackendProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String description() {
      return "fake backend";
    }

    @Override
    public PolicyBackend create(BackendConfig config) {
      throw new UnsupportedOperationException("the check must fail before a backend is created");
    }
  }

  /** Refuses device gpu when checked, as a CPU-only plugin would; never creates a backend. */
  private record CpuOnly() implements PolicyBackendProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "cpu-only";
    }

    @Override
    public String description() {
      return "fake backend that checks its device";
    }

    @Override
    public Set<BackendCapability> capabilities() {
      return Set.of(BackendCapability.EXACT_GRADIENT);
    }

    @Override
    public void validate(BackendConfig config) {
      if ("gpu".equals(config.options().get(BackendConfig.DEVICE))) {
        throw new ConfigurationException(
            BackendConfig.DEVICE, "device 'gpu': backend cpu-only computes on the CPU only");
      }
    }

    @Override
    public PolicyBackend create(BackendConfig config) {
      throw new UnsupportedOperationException("the check must not create a backend");
    }
  }

  private static final SamplerProvider SAMPLER =
      new SamplerProvider() {
        @Override
        public int apiVersion() {
          return API_VERSION;
        }

        @Override
        public String id() {
          return "uniform-pairs";
        }

        @Override
        public String description() {
          return "fake sampler";
        }

        @Override
        public Sampler create() {
          return () -> List.of(PairComponent.unnormalised(1, Tilt.UNIFORM, Tilt.UNIFORM));
        }
      };

  private static final ObjectiveProvider OBJECTIVE =
      new ObjectiveProvider() {
        @Override
        public int apiVersion() {
          return API_VERSION;
        }

        @Override
        public String id() {
          return "fake-loss";
        }

        @Override
        public String description() {
          return "fake objective";
        }

        @Override
        public Objective create(ObjectiveConfig config) {
          throw new UnsupportedOperationException();
        }
      };

  private static BanditExperiment study(PolicyBackendProvider... more) {
    DpoRuntime.Builder builder = DpoRuntime.builder();
    for (PolicyBackendProvider p : more) {
      builder.addBackend(p);
    }
    DpoRuntime runtime =
        builder
            .autoDiscovery(false)
            .addSampler(SAMPLER)
            .addObjective(OBJECTIVE)
            .addBackend(new FakeBackend("text-only", Set.of(BackendCapability.LANGUAGE_MODELS)))
            .addBackend(new FakeBackend("exact-only", Set.of(BackendCapability.EXACT_GRADIENT)))
            .addBackend(
                new FakeBackend(
                    "full",
                    Set.of(BackendCapability.EXACT_GRADIENT, BackendCapability.SAMPLED_GRADIENT)))
            .build();
    return new BanditExperiment(runtime.samplers(), runtime.objectives(), runtime.backends());
  }

  private static BanditConfig config(BanditConfig.Mode mode, String backend) {
    return config(mode, backend, new BackendConfig(1));
  }

  private static BanditConfig config(
      BanditConfig.Mode mode, String backend, BackendConfig backendConfig) {
    return new BanditConfig(
        1,
        4,
        3,
        1,
        List.of("uniform-pairs"),
        mode,
        2,
        StepSize.fixed(1),
        8,
        "fake-loss",
        backend,
        backendConfig);
  }

  @Test
  void theProvidersCheckRefusesASettingWithoutCreatingTheBackend() {
    BackendConfig gpu = BanditOptions.backendConfig(1, "gpu");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                study(new CpuOnly())
                    .checkWithBackend(config(BanditConfig.Mode.EXACT, "cpu-only", gpu)));
    assertEquals("device 'gpu': backend cpu-only computes on the CPU only", e.getMessage());
    assertEquals("device", e.violations().get(0).field());
    // Accepted settings, and a backend without its own check (the SPI's default), pass without
    // creating a backend (create throws in both fakes).
    BackendConfig cpu = BanditOptions.backendConfig(1, "cpu");
    assertDoesNotThrow(
        () ->
            study(new CpuOnly())
                .checkWithBackend(config(BanditConfig.Mode.EXACT, "cpu-only", cpu)));
    assertDoesNotThrow(
        () -> study().checkWithBackend(config(BanditConfig.Mode.EXACT, "exact-only", gpu)));
  }

  @Test
  void anExactStudyOnABackendWithoutExactGradientsNamesTheBackendsThatHaveThem() {
    MissingCapabilityException e =
        assertThrows(
            MissingCapabilityException.class,
            () -> study().check(config(BanditConfig.Mode.EXACT, "text-only")));
    assertEquals(
        "backend 'text-only' cannot train tabular policies with exact gradients: it lacks"
            + " EXACT_GRADIENT; backends with EXACT_GRADIENT: exact-only, full",
        e.getMessage());
  }

  @Test
  void anEmpiricalStudyNamesTheBackendsWithSampledGradients() {
    MissingCapabilityException e =
        assertThrows(
            MissingCapabilityException.class,
            () -> study().check(config(BanditConfig.Mode.EMPIRICAL, "exact-only")));
    assertEquals(
        "backend 'exact-only' cannot train tabular policies with sampled gradients: it lacks"
            + " SAMPLED_GRADIENT; backends with SAMPLED_GRADIENT: full",
        e.getMessage());
  }

  @Test
  void backendsThatHaveTheCapabilityPassTheCheck() {
    assertDoesNotThrow(() -> study().check(config(BanditConfig.Mode.EXACT, "exact-only")));
    assertDoesNotThrow(() -> study().check(config(BanditConfig.Mode.EMPIRICAL, "full")));
    assertDoesNotThrow(() -> study().check(config(BanditConfig.Mode.EXACT, null)));
  }
}
