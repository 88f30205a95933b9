package dpo.core.lm;

import dpo.api.ConfigurationException;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LoraConfig;
import dpo.core.align.AlignExperiment;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the training experiments share: the run's fingerprint and provenance, and a model's adapters
 * ({@link #withLora}, also {@code dpo align}'s).
 */
public final class TrainingRuns {
  private TrainingRuns() {}

  /** The SHA-256 of the canonical JSON of a value. */
  static String fingerprint(Map<String, Object> everything) {
    return Provenance.sha256(AlignExperiment.canonicalJson(everything));
  }

  /** The SHA-256 of token blocks and their loss masks. */
  static String sha256(dpo.api.lm.TokenBatch batch) {
    java.security.MessageDigest d = Provenance.newSha256();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * batch.length() + batch.length());
    for (int r = 0; r < batch.size(); r++) {
      b.clear();
      for (int t : batch.tokens()[r]) {
        b.putInt(t);
      }
      for (boolean t : batch.targets()[r]) {
        b.put((byte) (t ? 1 : 0));
      }
      d.update(b.array(), 0, b.position());
    }
    return java.util.HexFormat.of().formatHex(d.digest());
  }

  /** A checkpoint's context: as the backend describes it, else from the loaded model. */
  static int checkpointContext(LanguageModels lm, Path model) {
    if (lm.describe(model).get("context") instanceof Number n) {
      return n.intValue();
    }
    try (LanguageModel m = lm.loadLanguageModel(model)) {
      return m.config().contextLength();
    }
  }

  /**
   * Refuses an architecture or preset that the backend does not create.
   *
   * @param lm the backend's language models
   * @param architecture e.g. {@code llama}
   * @param preset e.g. {@code tiny}
   * @throws ConfigurationException naming {@code arch} or {@code preset}
   */
  public static void checkPreset(LanguageModels lm, String architecture, String preset) {
    Map<String, List<String>> presets = lm.presets();
    if (!presets.containsKey(architecture)) {
      throw new ConfigurationException(
          "arch",
          "arch must be one of "
              + presets.keySet()
              + " (the backend's presets), got '"
              + architecture
              + "'"
              + (presets.isEmpty()
                  ? "; this backend creates no preset, start from a checkpoint"
                  : ""));
    }
    List<String> sizes = presets.get(architecture);
    if (!sizes.contains(preset)) {
      throw new ConfigurationException(
          "preset", "preset must be one of " + sizes + ", got '" + preset + "'");
    }
  }

  /** The providers of a run with a backend only. */
  static RunRecord.Providers providers(PolicyBackendProvider backend) {
    return new RunRecord.Providers(RunRecord.ProviderInfo.of(backend), null, null, null);
  }

  /**
   * A loaded model with adapters added (closed if that fails), or the model as it is when {@code
   * lora} is null.
   *
   * @param lm the language models of the model's backend
   * @param model the model, which this takes over
   * @param lora the adapters, or null
   * @param seed seed of the adapters' initialisation
   * @return the model, with the adapters
   */
  public static LanguageModel withLora(
      LanguageModels lm, LanguageModel model, LoraConfig lora, long seed) {
    if (lora == null) {
      return model;
    }
    try {
      lm.addLora(model, lora, seed);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
