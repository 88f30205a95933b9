package dpo.core.registry;

import dpo.api.DpoException;
import dpo.api.Provider;
import dpo.api.ProviderNotFoundException;
import dpo.core.provenance.Provenance;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers of one kind, by id. Built once, immutable afterwards, thread-safe.
 *
 * <p>Discovery uses {@link ServiceLoader}; a provider that fails to load is logged and recorded in
 * {@link #problems()} instead of breaking discovery. Duplicate ids and malformed ids are errors. An
 * unknown id fails with the list of available ids.
 *
 * @param <P> the provider type
 */
public final class ProviderRegistry<P extends Provider> {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderRegistry.class);
  private static final int MAX_BROKEN = 1000;

  private final String kind;
  private final Map<String, P> byId;
  private final List<String> problems;

  private ProviderRegistry(String kind, List<P> providers, List<String> problems) {
    this.kind = kind;
    this.problems = List.copyOf(problems);
    for (P p : providers) {
      String id = p.id();
      if (id == null || !id.matches(Provider.ID_PATTERN)) {
        throw new DpoException(
            kind
                + " provider "
                + p.getClass().getName()
                + " ("
                + source(p.getClass())
                + ") has id '"
                + id
                + "'; ids must be kebab-case, like 'dpo-mix-p'");
      }
    }
    Map<String, P> map = new LinkedHashMap<>();
    List<P> sorted = new ArrayList<>(providers);
    sorted.sort(Comparator.comparing(Provider::id));
    for (P p : sorted) {
      String id = p.id();
      P previous = map.putIfAbsent(id, p);
      if (previous != null) {
        throw new DpoException(
            "two "
                + kind
                + " providers have the id '"
                + id
                + "': "
                + previous.getClass().getName()
                + " ("
                + source(previous.getClass())
                + ") and "
                + p.getClass().getName()
                + " ("
                + source(p.getClass())
                + "); remove one of them from the class path or give it another id");
      }
    }
    this.byId = map;
  }

  /**
   * A registry of exactly the given providers, without discovery (for tests and embedders).
   *
   * @param kind the provider kind, used in messages ("sampler")
   * @param providers the providers
   * @param <P> the provider type
   * @return the registry
   * @throws DpoException on duplicate or malformed ids
   */
  public static <P extends Provider> ProviderRegistry<P> of(String kind, List<P> providers) {
    return new ProviderRegistry<>(kind, providers, List.of());
  }

  /**
   * Discovers providers with {@link ServiceLoader} and adds the given extra ones.
   *
   * @param kind the provider kind, used in messages
   * @param type the service interface
   * @param loader the class loader to search
   * @param extra providers registered directly
   * @param <P> the provider type
   * @return the registry
   */
  public static <P extends Provider> ProviderRegistry<P> discover(
      String kind, Class<P> type, ClassLoader loader, List<P> extra) {
    List<P> found = new ArrayList<>(extra);
    List<String> problems = new ArrayList<>();
    Iterator<ServiceLoader.Provider<P>> it = ServiceLoader.load(type, loader).stream().iterator();
    // A broken entry throws from hasNext() or next(); the iterator then moves on to the next one.
    while (problems.size() < MAX_BROKEN) {
      ServiceLoader.Provider<P> entry;
      try {
        if (!it.hasNext()) {
          break;
        }
        entry = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        problems.add(skipped("a " + kind + " provider failed to load", e));
        continue;
      }
      P provider = check(kind, entry, problems);
      if (provider != null) {
        found.add(provider);
      }
    }
    ProviderRegistry<P> registry = new ProviderRegistry<>(kind, found, problems);
    LOG.debug("discovered {} providers: {}", kind, registry.ids());
    return registry;
  }

  /**
   * Constructs a discovered provider and calls what listings and lookups call (id, description,
   * priority, capabilities, API version), so that a provider that throws from any of them is
   * skipped here instead of failing a command later.
   *
   * @return the provider, or null when it is not usable; the problem is then logged and added to
   *     {@code problems}
   */
  private static <P extends Provider> P check(
      String kind, ServiceLoader.Provider<P> entry, List<String> problems) {
    Class<? extends P> type = entry.type();
    String who = kind + " provider " + type.getName() + " (" + source(type) + ")";
    String step = "its constructor";
    try {
      P p = entry.get();
      step = "apiVersion()";
      int version = p.apiVersion();
      if (version != Provider.API_VERSION) {
        problems.add(
            skipped(
                who
                    + " was built for dpo API version "
                    + version
                    + ", but this dpo supports API version "
                    + Provider.API_VERSION
                    + "; rebuild the plugin against this dpo-api (or use a dpo release of API version "
                    + version
                    + ")"));
        return null;
      }
      step = "id()";
      String id = p.id();
      if (id == null || !id.matches(Provider.ID_PATTERN)) {
        problems.add(
            skipped(who + " has the id '" + id + "'; ids must be kebab-case, like 'dpo-mix-p'"));
        return null;
      }
      step = "description()";
      p.description();
      step = "priority()";
      p.priority();
      step = "capabilities()";
      if (p.capabilities() == null) {
        throw new NullPointerException("capabilities() returned null");
      }
      return p;
    } catch (AbstractMethodError e) {
      problems.add(
          skipped(
              who
                  + " was built against an older dpo API: "
                  + step
                  + " is missing ("
                  + e
                  + "); rebuild it against dpo-api of API version "
                  + Provider.API_VERSION));
      return null;
    } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
      Throwable cause =
          e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
      problems.add(skipped(who + " failed in " + step, cause));
      return null;
    }
  }

  private static String skipped(String what, Throwable e) {
    return skipped(what + ": " + causes(e));
  }

  private static String skipped(String message) {
    String line = message + "; it is skipped";
    LOG.warn(line);
    return line;
  }

  /**
   * An exception and its causes on one line: {@code Type: message <- Cause: message}.
   *
   * @param e the exception
   * @return the chain, at most 10 links deep
   */
  static String causes(Throwable e) {
    StringBuilder chain = new StringBuilder();
    int depth = 0;
    for (Throwable t = e; t != null && depth < 10; t = t.getCause(), depth++) {
      if (depth > 0) {
        chain.append(" <- ");
      }
      chain.append(t.getClass().getName());
      if (t.getMessage() != null) {
        chain.append(": ").append(t.getMessage().replaceAll("\\s*\\R\\s*", " ").strip());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return chain.toString();
  }

  /**
   * Where a provider class comes from, for messages: its jar file name or class folder.
   *
   * @param type the provider class
   * @return e.g. "my-sampler-1.0.jar"
   */
  public static String source(Class<?> type) {
    return Provenance.origin(type).source();
  }

  /**
   * Creates a component from a provider, so that a plugin that throws from {@code create(...)}
   * becomes one clear error naming the provider, its class and jar, and the cause, instead of a
   * stack trace. The project's own errors ({@link DpoException}, e.g. a bad option) pass through
   * unchanged.
   *
   * @param id the provider id
   * @param create what to call on the provider, e.g. {@code p -> p.create(config)}
   * @param <T> the component type
   * @return the component
   * @throws ProviderNotFoundException for an unknown id
   * @throws DpoException when the provider fails
   */
  public <T> T create(String id, java.util.function.Function<? super P, T> create) {
    P p = get(id);
    try {
      return create.apply(p);
    } catch (DpoException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      throw new DpoException(
          kind
              + " '"
              + id
              + "' ("
              + p.getClass().getName()
              + " from "
              + source(p.getClass())
              + ") failed to start: "
              + causes(e)
              + "; fix or remove that plugin, or choose another "
              + kind,
          e);
    }
  }

  /**
   * The provider with the given id.
   *
   * @param id the kebab-case id
   * @return the provider
   * @throws ProviderNotFoundException listing the available ids
   */
  public P get(String id) {
    P p = byId.get(id);
    if (p == null) {
      throw new ProviderNotFoundException(kind, id, ids());
    }
    return p;
  }

  /**
   * The provider with the given id, if present.
   *
   * @param id the id
   * @return the provider or empty
   */
  public Optional<P> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * The provider chosen when no id is given: the highest priority, ties broken by id. The choice
   * and the candidates passed over are logged.
   *
   * @return the provider
   * @throws ProviderNotFoundException if there is none
   */
  public P preferred() {
    if (byId.isEmpty()) {
      throw new ProviderNotFoundException(kind, "(default)", ids());
    }
    P best = best(byId.values());
    LOG.info("using {} '{}' (priority {}) out of {}", kind, best.id(), best.priority(), ids());
    return best;
  }

  /** The highest priority, ties broken by the smallest id. */
  private P best(Collection<P> candidates) {
    return candidates.stream()
        .max(
            Comparator.comparingInt(Provider::priority)
                .thenComparing(Provider::id, Comparator.reverseOrder()))
        .orElseThrow();
  }

  /**
   * Chooses a provider for a purpose that needs a capability: the one with the given id, or, when
   * no id is given, the highest-priority provider among those that have the capability.
   *
   * @param id the id the user asked for, or null to choose
   * @param needed the capability the purpose needs, of the type this kind of provider declares
   *     ({@link dpo.api.backend.BackendCapability} for backends)
   * @param purpose what the caller is about to do, as a verb phrase for the message ("train with
   *     exact gradients")
   * @return the provider, which has {@code needed}
   * @throws ProviderNotFoundException for an unknown id
   * @throws MissingCapabilityException if the provider asked for, or every provider, lacks {@code
   *     needed}; the message names the providers that have it
   */
  public P require(String id, Enum<?> needed, String purpose) {
    List<String> able = idsWith(needed);
    if (id == null) {
      if (able.isEmpty()) {
        throw new MissingCapabilityException(
            kind,
            "no "
                + kind
                + " can "
                + purpose
                + ": none has "
                + needed
                + " (available: "
                + (byId.isEmpty() ? "none found on the class path" : String.join(", ", ids()))
                + "); add a "
                + kind
                + " that has it to the class path",
            needed,
            able);
      }
      P best = best(able.stream().map(byId::get).toList());
      LOG.info(
          "using {} '{}' (priority {}) out of those with {}: {}",
          kind,
          best.id(),
          best.priority(),
          needed,
          able);
      return best;
    }
    P provider = get(id);
    if (!provider.capabilities().contains(needed)) {
      throw new MissingCapabilityException(
          kind,
          kind
              + " '"
              + id
              + "' cannot "
              + purpose
              + ": it lacks "
              + needed
              + "; "
              + (able.isEmpty()
                  ? "no " + kind + " found has it"
                  : kind + "s with " + needed + ": " + String.join(", ", able)),
          needed,
          able);
    }
    return provider;
  }

  /**
   * The ids of the providers that have a capability.
   *
   * @param capability the capability
   * @return the ids, sorted; empty if none has it
   */
  public List<String> idsWith(Enum<?> capability) {
    return byId.values().stream()
        .filter(p -> p.capabilities().contains(capability))
        .map(Provider::id)
        .toList();
  }

  /**
   * All providers, sorted by id.
   *
   * @return an unmodifiable list
   */
  public List<P> all() {
    return List.copyOf(byId.values());
  }

  /**
   * The ids, sorted.
   *
   * @return an unmodifiable list
   */
  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  /**
   * The kind of provider this registry holds.
   *
   * @return e.g. "sampler"
   */
  public String kind() {
    return kind;
  }

  /**
   * Providers that failed to load, one message each.
   *
   * @return an unmodifiable list, empty when all loaded
   */
  public List<String> problems() {
    return problems;
  }
}
