package dpo.spark.align;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.Tokenizer;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignExperiment;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment's settings ({@link AlignExperiment.Config}) in a form Spark can send to the tasks
 * of whole runs: paths as text, the API's records as their components. A supervised reference's
 * tokenizer travels as itself, so it must be serialisable (the synthetic task's is).
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
    String checkpoint,
    int[] shape,
    int sftSteps,
    double sftLearningRate,
    int sftBatch,
    Tokenizer tokenizer,
    byte[] tokenizerJson,
    String architecture,
    String preset,
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
    String checkpoint = null;
    int[] shape = null;
    AlignExperiment.Reference.Supervised sft = null;
    if (c.reference() instanceof AlignExperiment.Reference.Checkpoint ch) {
      checkpoint = ch.model().toString();
    } else {
      sft = (AlignExperiment.Reference.Supervised) c.reference();
      ModelConfig m = sft.shape();
      shape = new int[] {m.vocabularySize(), m.width(), m.layers(), m.heads(), m.contextLength()};
      if (!(sft.tokenizer() instanceof Serializable)) {
        throw new ConfigurationException(
            "distribute",
            "whole runs on Spark send the reference's tokenizer to the tasks, and "
                + sft.tokenizer().getClass().getName()
                + " is not serialisable; distribute generation instead");
      }
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
        checkpoint,
        shape,
        sft == null ? 0 : sft.steps(),
        sft == null ? 0 : sft.learningRate(),
        sft == null ? 0 : sft.batch(),
        sft == null ? null : sft.tokenizer(),
        sft == null ? null : sft.tokenizerJson(),
        sft == null ? null : sft.architecture(),
        sft == null ? null : sft.preset(),
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
    AlignExperiment.Reference reference =
        checkpoint != null
            ? new AlignExperiment.Reference.Checkpoint(Path.of(checkpoint))
            : new AlignExperiment.Reference.Supervised(
                new ModelConfig(shape[0], shape[1], shape[2], shape[3], shape[4]),
                sftSteps,
                sftLearningRate,
                sftBatch,
                tokenizer,
                tokenizerJson,
                architecture,
                preset);
    BackendConfig backendConfig = worker.backendConfig();
    return new AlignExperiment.Config(
        List.copyOf(samplers),
        objective,
        beta,
        backend,
        backendConfig,
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
