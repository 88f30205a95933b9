package dpo.core.provenance;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dpo.api.BadDataException;
import dpo.api.Provider;
import dpo.api.backend.DeviceInfo;
import dpo.api.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The provenance of one result: which command made it, with which effective configuration, from
 * which inputs, with which providers, on which machine, device and engine. Every command writes one
 * as {@code run.json} into its output folder, and every checkpoint folder holds one. It reads back
 * into this type; fields that later versions add are ignored, so old programs read new records.
 *
 * @param command the command or experiment, e.g. "bandit", "align", "reward train"
 * @param started when the run started (ISO-8601, UTC)
 * @param finished when it finished (ISO-8601, UTC; null while it runs, e.g. beside an intermediate
 *     checkpoint)
 * @param config the experiment's typed configuration record, as JSON
 * @param providers the providers that ran
 * @param environment framework, Java, machine, device and engine
 * @param inputs the data the run read, each with where it came from and its hash
 * @param results the experiment's summary, as JSON (null where there is none)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RunRecord(
    String command,
    String started,
    String finished,
    JsonNode config,
    Providers providers,
    Environment environment,
    List<Input> inputs,
    JsonNode results) {

  /** The file name of the record in an output or checkpoint folder. */
  public static final String FILE = "run.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  /** Checks the components. */
  public RunRecord {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(started, "started");
    config = config == null ? NullNode.getInstance() : config;
    Objects.requireNonNull(providers, "providers");
    Objects.requireNonNull(environment, "environment");
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    results = results == null ? NullNode.getInstance() : results;
  }

  /**
   * A record of a run that starts now, on this machine.
   *
   * @param command the command
   * @param started when it started
   * @param config the configuration record (any Jackson-serialisable value)
   * @param providers the providers
   * @param device the device and engine the backend ran on (null if no backend ran)
   * @param inputs the inputs
   * @return the record, not finished
   */
  public static RunRecord start(
      String command,
      Instant started,
      Object config,
      Providers providers,
      Device device,
      List<Input> inputs) {
    return new RunRecord(
        command,
        started.toString(),
        null,
        JSON.valueToTree(config),
        providers,
        Environment.current(device),
        inputs,
        null);
  }

  /**
   * This record, finished now with the given results.
   *
   * @param finishedAt when it finished
   * @param summary the results (any Jackson-serialisable value)
   * @return the finished record
   */
  public RunRecord finish(Instant finishedAt, Object summary) {
    return new RunRecord(
        command,
        started,
        finishedAt.toString(),
        config,
        providers,
        environment,
        inputs,
        JSON.valueToTree(summary));
  }

  /**
   * The record as JSON text.
   *
   * @return UTF-8 bytes
   */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise the provenance record", e);
    }
  }

  /**
   * Writes the record durably as {@value #FILE} into a folder.
   *
   * @param folder the output or checkpoint folder
   */
  public void writeTo(Path folder) {
    DurableFiles.write(folder.resolve(FILE), toJson());
  }

  /**
   * Reads a record written by {@link #writeTo(Path)}.
   *
   * @param folder the folder that holds {@value #FILE}
   * @return the record
   * @throws BadDataException if the file is missing or not a record
   */
  public static RunRecord readFrom(Path folder) {
    Path file = folder.resolve(FILE);
    try {
      return JSON.readValue(file.toFile(), RunRecord.class);
    } catch (IOException e) {
      throw new BadDataException(
          file,
          0,
          null,
          "not a dpo provenance record (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  /**
   * Converts a value to the JSON tree this record stores.
   *
   * @param value a Jackson-serialisable value
   * @return its tree
   */
  public static JsonNode tree(Object value) {
    return JSON.valueToTree(value);
  }

  /**
   * The providers of a run; those a command does not use are null.
   *
   * @param backend the policy backend
   * @param objective the objective
   * @param oracle the reward oracle
   * @param samplers the samplers, in the order they ran
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Providers(
      ProviderInfo backend,
      ProviderInfo objective,
      ProviderInfo oracle,
      List<ProviderInfo> samplers) {
    /** Copies the list. */
    public Providers {
      samplers = samplers == null ? List.of() : List.copyOf(samplers);
    }
  }

  /**
   * One provider: its id, class, version and the jar (or folder) it came from.
   *
   * @param id the id
   * @param className the implementing class
   * @param version the version of what holds it
   * @param source the jar file name or class folder
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ProviderInfo(
      String id, @JsonProperty("class") String className, String version, String source) {
    /**
     * Describes a provider.
     *
     * @param provider the provider
     * @return its description
     */
    public static ProviderInfo of(Provider provider) {
      Provenance.Origin origin = Provenance.origin(provider.getClass());
      return new ProviderInfo(
          provider.id(), provider.getClass().getName(), origin.version(), origin.source());
    }
  }

  /**
   * Where a run ran.
   *
   * @param dpoVersion the framework's version
   * @param javaVersion the Java version
   * @param javaVendor the Java vendor
   * @param os the operating system and its version
   * @param arch the CPU architecture
   * @param processors the processors Java sees
   * @param device the device the backend actually used (null if no backend ran)
   * @param nativeRuntime the environment variables that change how fast native engines run ({@link
   *     #NATIVE_RUNTIME_VARIABLES}, those that are set), e.g. {@code OMP_WAIT_POLICY}
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Environment(
      String dpoVersion,
      String javaVersion,
      String javaVendor,
      String os,
      String arch,
      int processors,
      Device device,
      Map<String, String> nativeRuntime) {
    /**
     * Environment variables read by native engines' runtimes when they load: OpenMP's (PyTorch's
     * libgomp: how many threads, whether they spin or sleep between operations) and glibc malloc's
     * (whether freed large blocks go back to the kernel). The {@code dpo} launcher sets some of
     * them. They change timings, never results, which is why a benchmark's record carries them.
     */
    public static final List<String> NATIVE_RUNTIME_VARIABLES =
        List.of(
            "OMP_NUM_THREADS",
            "OMP_WAIT_POLICY",
            "GOMP_SPINCOUNT",
            "MALLOC_ARENA_MAX",
            "MALLOC_MMAP_MAX_",
            "MALLOC_TRIM_THRESHOLD_");

    /**
     * This machine.
     *
     * @param device the device used, or null
     * @return the environment
     */
    public static Environment current(Device device) {
      return new Environment(
          Provenance.version(),
          System.getProperty("java.version"),
          System.getProperty("java.vendor"),
          System.getProperty("os.name") + " " + System.getProperty("os.version"),
          System.getProperty("os.arch"),
          Runtime.getRuntime().availableProcessors(),
          device,
          nativeRuntime(System.getenv()));
    }

    /**
     * The native runtimes' settings among environment variables, in {@link
     * #NATIVE_RUNTIME_VARIABLES} order.
     *
     * @param environment the environment variables
     * @return those that are set, name to value
     */
    static Map<String, String> nativeRuntime(Map<String, String> environment) {
      Map<String, String> set = new LinkedHashMap<>();
      for (String name : NATIVE_RUNTIME_VARIABLES) {
        String value = environment.get(name);
        if (value != null) {
          set.put(name, value);
        }
      }
      return set;
    }
  }

  /**
   * The device and engine a backend ran on, as the backend reports them.
   *
   * @param name the device, e.g. "cpu()" or "gpu(0)"
   * @param engine the engine, e.g. "PyTorch", or the backend's own name
   * @param engineVersion the engine's version
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Device(String name, String engine, String engineVersion) {
    /**
     * What a backend reports.
     *
     * @param info the backend's device
     * @return the device
     */
    public static Device of(DeviceInfo info) {
      return new Device(info.device(), info.engine(), info.engineVersion());
    }
  }

  /**
   * An input of a run.
   *
   * @param role what it is, e.g. "rewards", "prompts", "initial model"
   * @param source a path, or how it was generated
   * @param sha256 the SHA-256 of its content (for a folder: of its files), or null
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Input(String role, String source, String sha256) {}
}
