package dpo.spark.align;

import dpo.api.ConfigurationException;
import dpo.api.lm.LoraConfig;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignExperiment;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment's settings ({@link AlignExperiment.Config}) in a form Spark can send to the tasks
 * of whole runs: the API's records as their components. A supervised reference's tokenizer travels
 * as itself, so it must be serialisable (the synthetic task's is).
 */
record ConfigForm(
    ArrayList<String> samplers,
    String objective,
    double beta,
    String backend,
    WorkerSetup worker,
    int seeds,
    long firstSeed,
    AlignConfig loop,
    AlignExperiment.Reference reference,
    int stopAfter,
    Integer loraRank,
    double loraAlpha,
    ArrayList<String> loraTargets,
    AlignExperiment.Engine engine,
    String sharedFirstIteration,
    TreeMap<String, TreeMap<String, String>> samplerOptions)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  static ConfigForm of(AlignExperiment.Config c, WorkerSetup worker) {
    try (ObjectOutputStream check = new ObjectOutputStream(OutputStream.nullOutputStream())) {
      check.writeObject(c.reference());
    } catch (IOException e) {
      throw new ConfigurationException(
          "distribute",
          "whole runs on Spark send the reference's settings to the tasks, and they cannot be"
              + " serialised ("
              + e.getMessage()
              + "); distribute generation instead");
    }
    TreeMap<String, TreeMap<String, String>> options = new TreeMap<>();
    c.samplerOptions().forEach((id, o) -> options.put(id, new TreeMap<>(o)));
    LoraConfig lora = c.lora();
    return new ConfigForm(
        new ArrayList<>(c.samplers()),
        c.objective(),
        c.beta(),
        c.backend(),
        worker,
        c.seeds(),
        c.firstSeed(),
        c.loop(),
        c.reference(),
        c.stopAfter(),
        lora == null ? null : lora.rank(),
        lora == null ? 0 : lora.alpha(),
        lora == null ? null : new ArrayList<>(lora.targets()),
        c.engine(),
        c.sharedFirstIteration(),
        options);
  }

  /** The settings again. */
  AlignExperiment.Config config() {
    return new AlignExperiment.Config(
        List.copyOf(samplers),
        objective,
        beta,
        backend,
        worker.backendConfig(),
        worker.oracle(),
        Map.copyOf(worker.oracleOptions()),
        seeds,
        firstSeed,
        loop,
        reference,
        stopAfter,
        loraRank == null ? null : new LoraConfig(loraRank, loraAlpha, loraTargets),
        engine,
        sharedFirstIteration,
        Map.copyOf(samplerOptions));
  }
}
