package dpo.samplers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.Provider;
import dpo.api.sampler.GenerationPlan;
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
          "half-mix-p",
          "simplemix",
          "best-of-4",
          "best-of-8");

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
            "half-mix-p",
            "simplemix",
            "best-of-4",
            "best-of-8");
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

  @Test
  void simpleMixIsOnPolicyOrOffPolicyWithTheStatedProbability() {
    Sampler s = byId().get("simplemix").create();
    GenerationPlan plan = GenerationPlan.of(s, 0.5);
    assertEquals(2, plan.components().size());
    GenerationPlan.Pair on = plan.components().get(0);
    GenerationPlan.Pair off = plan.components().get(1);
    assertEquals(SamplerDefinitions.SIMPLEMIX_ON_POLICY, on.probability(), 1e-15);
    assertEquals(0.5, off.probability(), 1e-15);
    assertArrayEquals(new double[] {1, 0}, on.first());
    assertArrayEquals(new double[] {1, 0}, on.second());
    assertArrayEquals(new double[] {0, 1}, off.first());
    assertArrayEquals(new double[] {0, 1}, off.second());
    assertEquals(0, s.responsesPerPrompt(), "the experiment's K");
    // The mixing probability is the share of prompts whose pair is on-policy.
    GenerationPlan mostlyOn = GenerationPlan.of(SamplerDefinitions.simpleMix(0.8), 0.1);
    assertEquals(0.8, mostlyOn.components().get(0).probability(), 1e-15);
    int onPolicy = 0;
    for (int i = 0; i < 10_000; i++) {
      onPolicy += mostlyOn.pick((i + 0.5) / 10_000) == 0 ? 1 : 0;
    }
    assertEquals(8_000, onPolicy);
    // The option sets it; other samplers take no options.
    GenerationPlan viaOption =
        GenerationPlan.of(byId().get("simplemix").create(Map.of("on-policy", "0.3")), 0.5);
    assertEquals(0.3, viaOption.components().get(0).probability(), 1e-15);
    assertEquals(0.7, viaOption.components().get(1).probability(), 1e-15);
    assertEquals(
        "on-policy must be a probability in [0, 1], got 'x'",
        assertThrows(
                ConfigurationException.class,
                () -> byId().get("simplemix").create(Map.of("on-policy", "x")))
            .violations()
            .get(0)
            .message());
    assertThrows(
        ConfigurationException.class, () -> byId().get("mix-p").create(Map.of("on-policy", "1")));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SamplerDefinitions.simpleMix(1.5));
    assertEquals("the on-policy probability must be in [0, 1], got 1.5", e.getMessage());
  }

  @Test
  void bestOfKDrawsKOnPolicyResponsesAndOnlyTheyFixK() {
    for (int k : new int[] {4, 8}) {
      Sampler s = byId().get("best-of-" + k).create();
      assertEquals(k, s.responsesPerPrompt());
      GenerationPlan plan = GenerationPlan.of(s, 0.5);
      assertEquals(1, plan.components().size());
      assertArrayEquals(new double[] {1, 0}, plan.components().get(0).first());
      assertArrayEquals(new double[] {1, 0}, plan.components().get(0).second());
    }
    for (SamplerProvider p : byId().values()) {
      if (!p.id().startsWith("best-of-")) {
        assertEquals(0, p.create().responsesPerPrompt(), p.id());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> SamplerDefinitions.bestOfK(1));
  }
}
