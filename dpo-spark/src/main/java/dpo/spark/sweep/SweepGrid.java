package dpo.spark.sweep;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditOptions;
import dpo.core.provenance.Provenance;
import dpo.core.registry.MissingCapabilityException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A sweep's grid: a JSON object whose keys are {@code dpo bandit}'s options without the dashes
 * ({@link BanditOptions#NAMES}), each with a list of values; every combination is one cell. {@code
 * samplers} takes one sampler id per value (one per cell); without it, the cells run {@code dpo
 * bandit}'s default samplers. Keys vary in file order, the last fastest.
 *
 * <pre>{"samplers": ["dpo-unif", "dpo-mix-p"], "seed": [1, 2, 3], "lr": [10, "newton"]}</pre>
 *
 * @param file the file it was read from
 * @param keys the grid's keys in file order, {@code samplers} included
 * @param values each key's values as text
 * @param sha256 the SHA-256 of the file
 */
public record SweepGrid(
    Path file, List<String> keys, Map<String, List<String>> values, String sha256) {
  private static final String EXAMPLE =
      "e.g. {\"samplers\": [\"dpo-unif\", \"dpo-mix-p\"], \"seed\": [1, 2]}";

  /** Copies the collections. */
  public SweepGrid {
    keys = List.copyOf(keys);
    values = new LinkedHashMap<>(values);
  }

  /**
   * Reads and checks a grid: every cell must be a valid {@code dpo bandit} study.
   *
   * @param file the JSON file
   * @param check resolves a cell's providers (samplers, objective, backend), throwing for an
   *     unknown id; e.g. {@code BanditExperiment::checkWithBackend}
   * @return the grid
   * @throws BadDataException naming the file and key, for malformed JSON, an unknown key or a bad
   *     value
   */
  public static SweepGrid read(Path file, Consumer<BanditConfig> check) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new BadDataException(file, 0, null, "no such file; give a JSON grid, " + EXAMPLE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new BadDataException(
          file,
          at == null ? 0 : Math.max(0, at.getLineNr()),
          null,
          "not valid JSON (" + e.getOriginalMessage() + "); write an object, " + EXAMPLE);
    }
    if (root == null || !root.isObject() || root.isEmpty()) {
      throw new BadDataException(
          file,
          0,
          null,
          "the grid must be a non-empty JSON object of option -> list of values, " + EXAMPLE);
    }
    List<String> keys = new ArrayList<>();
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String key = e.getKey();
      if (!BanditOptions.NAMES.contains(key)) {
        throw new BadDataException(
            file,
            0,
            key,
            "unknown key '"
                + key
                + "'; the keys are dpo bandit's options without the dashes: "
                + String.join(", ", BanditOptions.NAMES));
      }
      JsonNode list = e.getValue();
      if (!list.isArray() || list.isEmpty()) {
        throw new BadDataException(
            file, 0, key, "must be a non-empty list of values, e.g. \"" + key + "\": [...]");
      }
      List<String> texts = new ArrayList<>();
      for (JsonNode v : list) {
        if (!v.isNumber() && !v.isTextual()) {
          throw new BadDataException(
              file, 0, key, "values must be numbers or strings, got " + v + "; write e.g. [1, 2]");
        }
        String text = v.asText();
        if (key.equals("samplers") && text.contains(",")) {
          throw new BadDataException(
              file,
              0,
              key,
              "one sampler id per value (each is one cell), got '"
                  + text
                  + "'; write [\""
                  + text.replace(",", "\", \"")
                  + "\"]");
        }
        if (texts.contains(text)) {
          throw new BadDataException(file, 0, key, "value '" + text + "' is listed twice");
        }
        texts.add(text);
      }
      keys.add(key);
      values.put(key, texts);
    }
    if (!values.containsKey("samplers")) {
      keys.add(0, "samplers");
      values.put("samplers", Arrays.asList(BanditOptions.SAMPLERS.split(",")));
    }
    SweepGrid grid = new SweepGrid(file, keys, values, Provenance.sha256(bytes));
    grid.check(check);
    return grid;
  }

  /** Every value of every key makes a valid study, with providers that exist. */
  private void check(Consumer<BanditConfig> check) {
    Set<String> checked = new HashSet<>();
    for (SweepCell cell : cells()) {
      BanditConfig config;
      try {
        config = BanditOptions.config(cell.options());
      } catch (ConfigurationException e) {
        ConfigurationException.Violation v = e.violations().get(0);
        throw new BadDataException(
            file,
            0,
            v.field(),
            "value '" + cell.options().get(v.field()) + "': " + v.message() + "; fix or remove it");
      }
      // Providers and the backend's settings depend on a few keys: checking each combination of
      // their values once is enough.
      String providers =
          cell.sampler()
              + "|"
              + config.objective()
              + "|"
              + config.backend()
              + "|"
              + config.mode()
              + "|"
              + config.backendConfig();
      if (checked.add(providers)) {
        try {
          check.accept(config);
        } catch (dpo.api.ProviderNotFoundException e) {
          String key = e.kind().equals("sampler") ? "samplers" : e.kind();
          throw new BadDataException(file, 0, key, e.getMessage() + "; fix or remove it");
        } catch (MissingCapabilityException e) {
          throw new BadDataException(file, 0, e.kind(), e.getMessage() + "; fix or remove it");
        } catch (ConfigurationException e) {
          ConfigurationException.Violation v = e.violations().get(0);
          String value = cell.options().get(v.field());
          throw new BadDataException(
              file,
              0,
              v.field(),
              (value == null ? "" : "value '" + value + "': ")
                  + v.message()
                  + "; fix or remove it");
        }
      }
    }
  }

  /**
   * The cells: every combination of the values, keys varying in file order, the last fastest.
   *
   * @return the cells
   */
  public List<SweepCell> cells() {
    List<SweepCell> cells = new ArrayList<>();
    int[] index = new int[keys.size()];
    while (true) {
      Map<String, String> options = new LinkedHashMap<>();
      for (int k = 0; k < keys.size(); k++) {
        options.put(keys.get(k), values.get(keys.get(k)).get(index[k]));
      }
      cells.add(new SweepCell(id(options), options));
      int k = keys.size() - 1;
      while (k >= 0 && ++index[k] == values.get(keys.get(k)).size()) {
        index[k] = 0;
        k--;
      }
      if (k < 0) {
        return cells;
      }
    }
  }

  /** A cell's name: a hash of its options, whatever their order in the file. */
  static String id(Map<String, String> options) {
    StringBuilder canonical = new StringBuilder();
    new TreeMap<>(options)
        .forEach((k, v) -> canonical.append(k).append('=').append(v).append('\n'));
    return Provenance.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8))
        .substring(0, 16);
  }
}
