package dpo.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dpo.api.DpoException;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.registry.ProviderRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class DpoRuntimeTest {

  private static final class FakeObjective implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    private final String id;

    FakeObjective(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String description() {
      return "fake objective";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void withoutDiscoveryOnlyTheAddedProvidersArePresent() {
    FakeObjective fake = new FakeObjective("fake-loss");
    DpoRuntime runtime = DpoRuntime.builder().autoDiscovery(false).addObjective(fake).build();
    assertEquals(List.of("fake-loss"), runtime.objectives().ids());
    assertSame(fake, runtime.objectives().get("fake-loss"));
    assertTrue(runtime.samplers().ids().isEmpty());
    assertTrue(runtime.backends().ids().isEmpty());
    assertEquals("objective", runtime.objectives().kind());
    assertEquals("sampler", runtime.samplers().kind());
    assertEquals("backend", runtime.backends().kind());
  }

  @Test
  void discoveryIsOnByDefaultAndAddedProvidersJoinIt() {
    FakeObjective fake = new FakeObjective("fake-loss");
    DpoRuntime runtime = DpoRuntime.builder().addObjective(fake).build();
    assertEquals(List.of("fake-loss", "hinge", "ipo", "sigmoid"), runtime.objectives().ids());
  }

  @Test
  void anAddedProviderClashingWithADiscoveredOneFails() {
    DpoRuntime.Builder builder = DpoRuntime.builder().addObjective(new FakeObjective("sigmoid"));
    DpoException e = assertThrows(DpoException.class, builder::build);
    assertTrue(e.getMessage().contains("sigmoid"), e.getMessage());
  }

  @Test
  void injectorProvidesTheRuntimesRegistries() {
    DpoRuntime runtime =
        DpoRuntime.builder().autoDiscovery(false).addObjective(new FakeObjective("x")).build();
    Clock clock = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);
    Injector injector = Guice.createInjector(new DpoModule(runtime, clock));

    assertSame(
        runtime.objectives(),
        injector.getInstance(Key.get(new TypeLiteral<ProviderRegistry<ObjectiveProvider>>() {})));
    assertSame(
        runtime.samplers(),
        injector.getInstance(Key.get(new TypeLiteral<ProviderRegistry<SamplerProvider>>() {})));
    assertSame(
        runtime.backends(),
        injector.getInstance(
            Key.get(new TypeLiteral<ProviderRegistry<PolicyBackendProvider>>() {})));
    assertSame(runtime, injector.getInstance(DpoRuntime.class));
    assertSame(clock, injector.getInstance(Clock.class));
  }

  @Test
  void injectorWorksWithTheSystemClockAndDiscoveredProviders() {
    DpoRuntime runtime = DpoRuntime.builder().build();
    Injector injector = Guice.createInjector(new DpoModule(runtime, Clock.systemUTC()));
    ProviderRegistry<ObjectiveProvider> objectives =
        injector.getInstance(Key.get(new TypeLiteral<ProviderRegistry<ObjectiveProvider>>() {}));
    assertSame(runtime.objectives(), objectives);
    assertEquals("sigmoid", objectives.preferred().id());
  }
}
