package dpo.core.bandit;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.StepSize;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * A tabular study: which samplers to compare on which bandit, how long, with which step size. Field
 * names match the {@code ./dpo bandit} options, so violations name the option to fix.
 *
 * @param prompts X, the number of prompts (ignored when rewards come from a file)
 * @param responses Y, responses per prompt (ignored when rewards come from a file)
 * @param beta the KL coefficient, > 0
 * @param seed seeds the rewards and every sampled step
 * @param samplers sampler ids, in the order they are reported; no duplicates
 * @param mode exact or empirical (sampled) gradients
 * @param steps number of updates, >= 1
 * @param lr the per-prompt step size
 * @param pairs pairs drawn per prompt and step in empirical mode, >= 1
 * @param objective objective id
 * @param backend backend id, or null for the preferred one
 * @param backendConfig the backend's settings (threads, device); null for the defaults
 */
public record BanditConfig(
    int prompts,
    int responses,
    double beta,
    long seed,
    List<String> samplers,
    Mode mode,
    int steps,
    StepSize lr,
    int pairs,
    String objective,
    String backend,
    BackendConfig backendConfig) {

  /** How the gradient of a step is obtained. */
  public enum Mode {
    /** The exact gradient of the sampler-weighted loss with soft Bradley-Terry labels. */
    EXACT,
    /** A gradient from sampled pairs with Bernoulli labels. */
    EMPIRICAL
  }

  /** The paper's exact-gradient figure: 1 prompt, 20 responses, beta 3, 100 steps at lr 10. */
  public static final BanditConfig PAPER_EXACT =
      new BanditConfig(
          1,
          20,
          3,
          1234567,
          List.of("dpo-unif", "dpo-mix-r", "dpo-mix-p"),
          Mode.EXACT,
          100,
          StepSize.fixed(10),
          8192,
          "sigmoid",
          null,
          BackendConfig.defaults());

  /**
   * Validates every field and reports all violations together.
   *
   * @param prompts X, the number of prompts (ignored when rewards come from a file)
   * @param responses Y, responses per prompt (ignored when rewards come from a file)
   * @param beta the KL coefficient, > 0
   * @param seed seeds the rewards and every sampled step
   * @param samplers sampler ids, in the order they are reported; no duplicates
   * @param mode exact or empirical (sampled) gradients
   * @param steps number of updates, >= 1
   * @param lr the per-prompt step size
   * @param pairs pairs drawn per prompt and step in empirical mode, >= 1
   * @param objective objective id
   * @param backend backend id, or null for the preferred one
   * @param backendConfig the backend's settings (threads, device); null for the defaults
   */
  public BanditConfig {
    List<Violation> errors = new ArrayList<>();
    if (prompts < 1) {
      errors.add(new Violation("prompts", "prompts must be >= 1, got " + prompts));
    }
    if (responses < 2) {
      errors.add(new Violation("responses", "responses must be >= 2, got " + responses));
    }
    if (!(beta > 0) || Double.isInfinite(beta)) {
      errors.add(new Violation("beta", "beta must be a finite number > 0, got " + beta));
    }
    if (samplers == null || samplers.isEmpty()) {
      errors.add(new Violation("samplers", "at least one sampler is needed"));
    } else if (samplers.stream().anyMatch(id -> id == null || id.isBlank())) {
      errors.add(new Violation("samplers", "sampler ids must not be empty, got " + samplers));
    } else if (new HashSet<>(samplers).size() != samplers.size()) {
      errors.add(new Violation("samplers", "samplers must not repeat, got " + samplers));
    }
    if (steps < 1) {
      errors.add(new Violation("steps", "steps must be >= 1, got " + steps));
    }
    if (pairs < 1) {
      errors.add(new Violation("pairs", "pairs must be >= 1, got " + pairs));
    }
    if (mode == null) {
      errors.add(new Violation("mode", "mode must be exact or empirical"));
    }
    if (lr == null) {
      errors.add(new Violation("lr", "lr must be a number > 0 or 'newton'"));
    }
    if (objective == null || objective.isBlank()) {
      errors.add(new Violation("objective", "objective id must not be empty"));
    }
    if (!errors.isEmpty()) {
      throw new ConfigurationException(errors);
    }
    samplers = List.copyOf(samplers);
    Objects.requireNonNull(mode);
    backendConfig = backendConfig == null ? BackendConfig.defaults() : backendConfig;
  }

  /**
   * This config with X and Y taken from a reward table.
   *
   * @param x prompts
   * @param y responses
   * @return a copy
   */
  public BanditConfig withShape(int x, int y) {
    return new BanditConfig(
        x, y, beta, seed, samplers, mode, steps, lr, pairs, objective, backend, backendConfig);
  }
}
