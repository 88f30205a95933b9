package dpo.spark.sweep;

import dpo.core.bandit.SamplerRun;
import dpo.core.metrics.Convergence;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one cell computed: the trajectory of its sampler, as {@code dpo bandit} computes it for the
 * same options, and where it ran.
 *
 * @param id the cell's id
 * @param options the cell's options as text
 * @param backend the backend that ran it
 * @param device the device the backend computed on
 * @param engine the numerical engine
 * @param engineVersion the engine's version
 * @param paramDiff Param Diff at steps 0 .. T
 * @param value V(pi) at steps 0 .. T
 * @param valueDiff V(pi*) - V(pi) at steps 0 .. T
 */
public record CellResult(
    String id,
    Map<String, String> options,
    String backend,
    String device,
    String engine,
    String engineVersion,
    double[] paramDiff,
    double[] value,
    double[] valueDiff)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Copies the options, keeping their order. */
  public CellResult {
    options = new LinkedHashMap<>(options);
  }

  /**
   * The sampler of the cell.
   *
   * @return its id
   */
  public String sampler() {
    return options.get("samplers");
  }

  /**
   * The trajectory as the tabular study's type, under a label of the caller's choice.
   *
   * @param label the label (the row name of a table)
   * @return the run; its loss is not kept by a sweep (empty)
   */
  public SamplerRun asRun(String label) {
    return new SamplerRun(
        label, paramDiff, value, valueDiff, new double[0], Convergence.of(paramDiff));
  }
}
