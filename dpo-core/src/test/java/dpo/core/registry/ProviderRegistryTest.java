package dpo.core.registry;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.DpoException;
import dpo.api.Provider;
import dpo.api.ProviderNotFoundException;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.Tilt;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderRegistryTest {
  private static final String SERVICE_FILE =
      "META-INF/services/" + ObjectiveProvider.class.getName();
  private static final String IPO = "dpo.core.objective.ObjectiveProviders$Ipo";

  /** A minimal sampler provider; create() is never needed by the registry. */
  private static class FakeSampler implements SamplerProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    private final String id;
    private final int priority;

    FakeSampler(String id) {
      this(id, 0);
    }

    FakeSampler(String id, int priority) {
      this.id = id;
      this.priority = priority;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String description() {
      return "fake sampler " + id;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public Sampler create() {
      return () -> List.of(PairComponent.normalised(1, Tilt.UNIFORM, Tilt.UNIFORM));
    }

    @Override
    public String toString() {
      return id + "@" + priority;
    }
  }

  /** A second class, so that a duplicate-id message can be checked to name both. */
  private static final class RivalSampler extends FakeSampler {
    RivalSampler(String id) {
      super(id);
    }
  }

  /** Listed in a test-only service file; its constructor fails the way a broken plugin's would. */
  public static final class ExplodingObjectiveProvider implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    /** Fails on purpose. */
    public ExplodingObjectiveProvider() {
      throw new IllegalStateException("boom: cannot initialise");
    }

    @Override
    public String id() {
      return "exploding";
    }

    @Override
    public String description() {
      return "never constructed";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      throw new AssertionError();
    }
  }

  /**
   * Loads classes through the test's class loader but hides its service files, so that a {@code
   * URLClassLoader} on top sees only the service file written by a test.
   */
  private static final class HidingServiceFiles extends ClassLoader {
    HidingServiceFiles(ClassLoader parent) {
      super(parent);
    }

    @Override
    public URL getResource(String name) {
      return name.startsWith("META-INF/services/") ? null : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return name.startsWith("META-INF/services/")
          ? Collections.emptyEnumeration()
          : super.getResources(name);
    }
  }

  private static ClassLoader testLoader() {
    return ProviderRegistryTest.class.getClassLoader();
  }

  private static Path serviceRoot(Path dir, String... lines) throws IOException {
    Path file = dir.resolve(SERVICE_FILE);
    Files.createDirectories(file.getParent());
    Files.write(file, List.of(lines));
    return dir;
  }

  // ---- of(...) ---------------------------------------------------------------------------------

  @Test
  void providersAreFoundById() {
    FakeSampler b = new FakeSampler("beta-sampler");
    FakeSampler a = new FakeSampler("alpha");
    FakeSampler c = new FakeSampler("c-3");
    List<SamplerProvider> input = new ArrayList<>(List.of(b, a, c));
    ProviderRegistry<SamplerProvider> registry = ProviderRegistry.of("sampler", input);

    assertSame(a, registry.get("alpha"));
    assertSame(b, registry.get("beta-sampler"));
    assertSame(c, registry.get("c-3"));
    assertEquals(Optional.of(b), registry.find("beta-sampler"));
    assertEquals(Optional.empty(), registry.find("nope"));
    assertEquals(List.of("alpha", "beta-sampler", "c-3"), registry.ids());
    assertEquals(List.of(a, b, c), registry.all());
    assertEquals("sampler", registry.kind());
    assertTrue(registry.problems().isEmpty());

    input.clear(); // the registry is a snapshot
    assertEquals(3, registry.ids().size());
    assertThrows(UnsupportedOperationException.class, () -> registry.ids().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> registry.all().clear());
  }

  @Test
  void unknownIdFailsListingEveryAvailableId() {
    ProviderRegistry<SamplerProvider> registry =
        ProviderRegistry.of(
            "sampler",
            List.of(
                new FakeSampler("dpo-mix-p"), new FakeSampler("dpo-unif"), new FakeSampler("x")));
    ProviderNotFoundException e =
        assertThrows(ProviderNotFoundException.class, () -> registry.get("dpo-mix-q"));
    assertTrue(e.getMessage().contains("dpo-mix-q"), e.getMessage());
    for (String id : List.of("dpo-mix-p", "dpo-unif", "x")) {
      assertTrue(e.getMessage().contains(id), e.getMessage());
    }
    assertTrue(e.getMessage().contains("sampler"), e.getMessage());
    assertEquals("dpo-mix-q", e.requestedId());
    assertEquals("sampler", e.kind());
    assertEquals(List.of("dpo-mix-p", "dpo-unif", "x"), e.availableIds());
  }

  @Test
  void unknownIdInAnEmptyRegistrySaysNoneWereFound() {
    ProviderRegistry<SamplerProvider> registry = ProviderRegistry.of("sampler", List.of());
    ProviderNotFoundException e =
        assertThrows(ProviderNotFoundException.class, () -> registry.get("dpo-unif"));
    assertTrue(e.getMessage().contains("dpo-unif"), e.getMessage());
    assertTrue(e.availableIds().isEmpty());
  }

  @Test
  void duplicateIdsFailNamingBothClasses() {
    DpoException e =
        assertThrows(
            DpoException.class,
            () ->
                ProviderRegistry.of(
                    "sampler",
                    List.of(
                        new FakeSampler("other"),
                        new FakeSampler("dpo-unif"),
                        new RivalSampler("dpo-unif"))));
    assertTrue(e.getMessage().contains("dpo-unif"), e.getMessage());
    assertTrue(e.getMessage().contains(FakeSampler.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains(RivalSampler.class.getName()), e.getMessage());
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {"Bad_Id", "", "UPPER", "has space", "-lead", "trail-", "double--dash", "dot.id"})
  void malformedIdsAreRejected(String id) {
    DpoException e =
        assertThrows(
            DpoException.class, () -> ProviderRegistry.of("sampler", List.of(new FakeSampler(id))));
    assertTrue(e.getMessage().contains(FakeSampler.class.getName()), e.getMessage());
  }

  /**
   * With more than one provider, the id sort runs before the id check and fails with a bare
   * NullPointerException instead of the documented DpoException naming the provider class.
   */
  @Test
  void nullIdAmongSeveralProvidersIsReportedLikeOtherMalformedIds() {
    DpoException e =
        assertThrows(
            DpoException.class,
            () ->
                ProviderRegistry.of(
                    "sampler", List.of(new FakeSampler("good"), new RivalSampler(null))));
    assertTrue(e.getMessage().contains(RivalSampler.class.getName()), e.getMessage());
  }

  @Test
  void preferredIsTheHighestPriority() {
    ProviderRegistry<SamplerProvider> registry =
        ProviderRegistry.of(
            "sampler",
            List.of(
                new FakeSampler("low", -5), new FakeSampler("high", 7), new FakeSampler("mid", 3)));
    assertEquals("high", registry.preferred().id());
  }

  @Test
  void preferredBreaksTiesDeterministically() {
    List<SamplerProvider> providers =
        List.of(
            new FakeSampler("zeta", 5),
            new FakeSampler("alpha", 5),
            new FakeSampler("mu", 5),
            new FakeSampler("other", 1));
    AtomicReference<String> chosen = new AtomicReference<>();
    // Every insertion order must choose the same provider.
    for (List<SamplerProvider> order : permutations(providers)) {
      String id = ProviderRegistry.of("sampler", order).preferred().id();
      chosen.compareAndSet(null, id);
      assertEquals(chosen.get(), id, "order " + order);
    }
    // Documented as "ties broken by id": the smallest id wins.
    assertEquals("alpha", chosen.get());
  }

  @Test
  void preferredOfAnEmptyRegistryFails() {
    ProviderRegistry<SamplerProvider> registry = ProviderRegistry.of("sampler", List.of());
    assertThrows(ProviderNotFoundException.class, registry::preferred);
  }

  // ---- discover(...) ---------------------------------------------------------------------------

  @Test
  void discoveryFindsTheShippedObjectives() {
    ProviderRegistry<ObjectiveProvider> registry =
        ProviderRegistry.discover("objective", ObjectiveProvider.class, testLoader(), List.of());
    assertEquals(List.of("hinge", "ipo", "sigmoid"), registry.ids());
    assertTrue(registry.problems().isEmpty(), registry.problems().toString());
    assertEquals("sigmoid", registry.preferred().id());
    assertEquals("objective", registry.kind());
  }

  @Test
  void discoveryAddsExtraProvidersAndRejectsClashes() {
    ObjectiveProvider extra = new NamedObjective("my-loss");
    ProviderRegistry<ObjectiveProvider> registry =
        ProviderRegistry.discover(
            "objective", ObjectiveProvider.class, testLoader(), List.of(extra));
    assertEquals(List.of("hinge", "ipo", "my-loss", "sigmoid"), registry.ids());
    assertSame(extra, registry.get("my-loss"));

    ObjectiveProvider clash = new NamedObjective("ipo");
    DpoException e =
        assertThrows(
            DpoException.class,
            () ->
                ProviderRegistry.discover(
                    "objective", ObjectiveProvider.class, testLoader(), List.of(clash)));
    assertTrue(e.getMessage().contains(NamedObjective.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains(IPO), e.getMessage());
  }

  @Test
  void oneBrokenProviderDoesNotBreakDiscovery(@TempDir Path dir) throws IOException {
    serviceRoot(dir, "com.example.DoesNotExist", IPO);
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, testLoader())) {
      ProviderRegistry<ObjectiveProvider> registry =
          assertDoesNotThrow(
              () ->
                  ProviderRegistry.discover(
                      "objective", ObjectiveProvider.class, loader, List.of()));
      assertTrue(registry.find("ipo").isPresent(), registry.ids().toString());
      assertEquals(1, registry.problems().size(), registry.problems().toString());
      assertTrue(
          registry.problems().get(0).contains("com.example.DoesNotExist"),
          registry.problems().get(0));
    }
  }

  @Test
  void providersListedAfterBrokenOnesAreStillLoaded(@TempDir Path dir) throws IOException {
    // Only this service file is visible, so ipo can only come from the line after the broken ones.
    serviceRoot(
        dir,
        "# plugins",
        "com.example.DoesNotExist",
        ExplodingObjectiveProvider.class.getName(),
        // Not an ObjectiveProvider. (A JDK class would not do: classes in named modules are
        // skipped.)
        ProviderRegistry.class.getName(),
        IPO);
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, new HidingServiceFiles(testLoader()))) {
      ProviderRegistry<ObjectiveProvider> registry =
          assertDoesNotThrow(
              () ->
                  ProviderRegistry.discover(
                      "objective", ObjectiveProvider.class, loader, List.of()));
      assertEquals(List.of("ipo"), registry.ids());
      List<String> problems = registry.problems();
      assertEquals(3, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("com.example.DoesNotExist"), problems.get(0));
      assertTrue(problems.get(1).contains("ExplodingObjectiveProvider"), problems.get(1));
      assertTrue(problems.get(2).contains(ProviderRegistry.class.getName()), problems.get(2));
    }
  }

  /** Each of these breaks in one of the methods discovery calls; all are skipped. */
  public static class MisbehavingObjective implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String id() {
      return "misbehaving";
    }

    @Override
    public String description() {
      return "breaks in one method";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      throw new IllegalStateException("no native library", new UnsatisfiedLinkError("libfoo.so"));
    }
  }

  /** Its id() throws, with a cause. */
  public static final class ThrowingId extends MisbehavingObjective {
    @Override
    public String id() {
      throw new IllegalStateException("id unavailable", new IOException("config.properties"));
    }
  }

  /** Its capabilities() throws. */
  public static final class ThrowingCapabilities extends MisbehavingObjective {
    @Override
    public Set<dpo.api.backend.BackendCapability> capabilities() {
      throw new UnsupportedOperationException("not yet");
    }
  }

  /** Built, as far as its class file says, against a future API. */
  public static final class FutureApi extends MisbehavingObjective {
    @Override
    public int apiVersion() {
      return API_VERSION + 1;
    }
  }

  /** Its id is not kebab-case. */
  public static final class BadId extends MisbehavingObjective {
    @Override
    public String id() {
      return "Bad_Id";
    }
  }

  @Test
  void providersThatThrowOrDoNotFitAreSkippedWithClassJarAndCauseChain(@TempDir Path dir)
      throws IOException {
    serviceRoot(
        dir,
        ThrowingId.class.getName(),
        ThrowingCapabilities.class.getName(),
        FutureApi.class.getName(),
        BadId.class.getName(),
        IPO);
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, new HidingServiceFiles(testLoader()))) {
      ProviderRegistry<ObjectiveProvider> registry =
          ProviderRegistry.discover("objective", ObjectiveProvider.class, loader, List.of());
      assertEquals(List.of("ipo"), registry.ids());
      List<String> problems = registry.problems();
      assertEquals(4, problems.size(), problems.toString());
      String source = ProviderRegistry.source(ThrowingId.class);
      assertEquals(
          "objective provider "
              + ThrowingId.class.getName()
              + " ("
              + source
              + ") failed in id(): java.lang.IllegalStateException: id unavailable"
              + " <- java.io.IOException: config.properties; it is skipped",
          problems.get(0));
      assertTrue(
          problems
              .get(1)
              .contains(
                  ThrowingCapabilities.class.getName()
                      + " ("
                      + source
                      + ") failed in capabilities(): java.lang.UnsupportedOperationException: not yet"),
          problems.get(1));
      assertEquals(
          "objective provider "
              + FutureApi.class.getName()
              + " ("
              + source
              + ") was built for dpo API version "
              + (Provider.API_VERSION + 1)
              + ", but this dpo supports API version "
              + Provider.API_VERSION
              + "; rebuild the plugin against this dpo-api (or use a dpo release of API version "
              + (Provider.API_VERSION + 1)
              + "); it is skipped",
          problems.get(2));
      assertTrue(
          problems.get(3).contains(BadId.class.getName() + " (" + source + ") has the id 'Bad_Id'"),
          problems.get(3));
    }
  }

  @Test
  void aProviderThatFailsToCreateIsNamedWithItsJarAndCause() {
    ProviderRegistry<ObjectiveProvider> registry =
        ProviderRegistry.of("objective", List.of(new MisbehavingObjective()));
    DpoException e =
        assertThrows(
            DpoException.class,
            () -> registry.create("misbehaving", p -> p.create(ObjectiveConfig.ofBeta(1))));
    assertEquals(
        "objective 'misbehaving' ("
            + MisbehavingObjective.class.getName()
            + " from "
            + ProviderRegistry.source(MisbehavingObjective.class)
            + ") failed to start:"
            + " java.lang.IllegalStateException: no native library"
            + " <- java.lang.UnsatisfiedLinkError: libfoo.so; fix or remove that plugin, or choose"
            + " another objective",
        e.getMessage());
    // The project's own errors keep their message.
    DpoException own = new DpoException("--beta must be > 0");
    assertEquals(
        own,
        assertThrows(
            DpoException.class,
            () ->
                registry.create(
                    "misbehaving",
                    p -> {
                      throw own;
                    })));
  }

  @Test
  void discoveryWithNoServiceFilesIsEmptyButUsable() {
    ProviderRegistry<ObjectiveProvider> registry =
        ProviderRegistry.discover(
            "objective", ObjectiveProvider.class, new HidingServiceFiles(testLoader()), List.of());
    assertTrue(registry.ids().isEmpty());
    assertTrue(registry.problems().isEmpty());
    assertThrows(ProviderNotFoundException.class, () -> registry.get("sigmoid"));
  }

  private static final class NamedObjective implements ObjectiveProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    private final String id;

    NamedObjective(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String description() {
      return "test objective";
    }

    @Override
    public Objective create(ObjectiveConfig config) {
      throw new UnsupportedOperationException();
    }
  }

  private static <T> List<List<T>> permutations(List<T> items) {
    if (items.isEmpty()) {
      return List.of(List.of());
    }
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      List<T> rest = new ArrayList<>(items);
      T head = rest.remove(i);
      for (List<T> tail : permutations(rest)) {
        List<T> p = new ArrayList<>();
        p.add(head);
        p.addAll(tail);
        out.add(p);
      }
    }
    return out;
  }
}
