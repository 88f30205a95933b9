package dpo.samplers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.Provider;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.SamplerRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The shipped samplers as ServiceLoader sees them. */
class SamplerProvidersTest {
  private static final Set<String> SHIPPED =
      Set.of(
          "dpo-unif",
          "dpo-mix-r",
          "dpo-mix-p",
          "dpo-mix-p-star",
          "on-policy",
          "vanilla",
          "hybrid",
          "mix-p",
          "mix-p-on-policy",
          "half-mix-r",
          "half-mix-p");

  private static Map<String, SamplerProvider> byId() {
    List<String> ids = new ArrayList<>();
    Map<String, SamplerProvider> map = new TreeMap<>();
    for (SamplerProvider p : ServiceLoader.load(SamplerProvider.class)) {
      ids.add(p.id());
      map.put(p.id(), p);
    }
    assertEquals(ids.size(), map.size(), "an id is provided twice: " + ids);
    return map;
  }

  @Test
  void serviceLoaderFindsExactlyTheShippedSamplers() {
    assertEquals(SHIPPED, byId().keySet());
  }

  @Test
  void idsAreKebabCaseAndDescriptionsAreNotBlank() {
    for (SamplerProvider p : byId().values()) {
      assertTrue(p.id().matches(Provider.ID_PATTERN), p.id());
      assertTrue(p.description() != null && !p.description().isBlank(), p.id());
    }
  }

  @Test
  void everySamplerHasAComponentWithPositiveWeight() {
    for (SamplerProvider p : byId().values()) {
      List<PairComponent> components = p.create().components();
      assertFalse(components.isEmpty(), p.id());
      assertTrue(components.stream().anyMatch(c -> c.weight() > 0), p.id() + ": " + components);
    }
  }

  @Test
  void capabilitiesFollowTheTilts() {
    Set<String> needsRewards = Set.of("dpo-mix-r", "half-mix-r");
    Set<String> policyDependent =
        Set.of(
            "dpo-mix-p",
            "dpo-mix-p-star",
            "on-policy",
            "hybrid",
            "mix-p",
            "mix-p-on-policy",
            "half-mix-p");
    Map<String, SamplerProvider> providers = byId();
    for (SamplerProvider p : providers.values()) {
      Set<SamplerRequirement> caps = p.capabilities();
      assertEquals(
          needsRewards.contains(p.id()), caps.contains(SamplerRequirement.NEEDS_REWARDS), p.id());
      assertEquals(
          policyDependent.contains(p.id()),
          caps.contains(SamplerRequirement.POLICY_DEPENDENT),
          p.id());
    }
    for (String plain : List.of("dpo-unif", "vanilla")) {
      assertEquals(Set.of(), providers.get(plain).capabilities(), plain);
    }
  }

  @Test
  void onlyMixPStarIsCappedAtMixRsLargestWeight() {
    double[] ranges = {0, 0.5, 1, 3, 10};
    for (SamplerProvider p : byId().values()) {
      Sampler s = p.create();
      for (double range : ranges) {
        double cap = s.weightCap(range);
        if (p.id().equals("dpo-mix-p-star")) {
          double expected = 2 + Math.exp(range) + Math.exp(-range);
          assertEquals(expected, cap, 1e-12 * expected, "R=" + range);
        } else {
          assertEquals(Double.POSITIVE_INFINITY, cap, p.id() + " R=" + range);
        }
      }
    }
    assertEquals(4, byId().get("dpo-mix-p-star").create().weightCap(0));
  }
}
