package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import dpo.api.lm.LoraConfig;
import dpo.backend.gpu.Scalars;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The low-rank adapters of a {@link GptModel}, laid out as PEFT lays them out: for each targeted
 * linear layer (a module, {@code model.layers.0.self_attn.q_proj} or GPT-2's {@code
 * h.0.attn.c_attn}) an A of shape (rank, in) and a B of shape (out, rank), the layer computing y =
 * W x + b + (alpha / rank) B A x. On disk, a folder with {@code adapter_config.json} and {@code
 * adapter_model.safetensors} whose tensors are named {@code
 * base_model.model.<module>.lora_A.weight} and {@code ...lora_B.weight}, GPT-2's modules under
 * {@code transformer.}.
 */
final class LoraAdapters {
  static final String CONFIG_FILE = "adapter_config.json";
  static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private static final String PREFIX = "base_model.model.";
  private static final List<String> LLAMA_MODULES =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
  private static final List<String> GPT2_MODULES = List.of("c_attn", "c_proj", "c_fc");

  /** One layer's adapter: A (rank, in) and B (out, rank), both trained. */
  record Pair(NDArray a, NDArray b) {}

  private final LoraConfig config;
  private final List<String> targets;
  private final boolean gpt2;

  /** By module prefix with its trailing dot, as the model's parameter names start. */
  private final Map<String, Pair> layers;

  private LoraAdapters(
      LoraConfig config, List<String> targets, boolean gpt2, Map<String, Pair> layers) {
    this.config = config;
    this.targets = List.copyOf(targets);
    this.gpt2 = gpt2;
    this.layers = layers;
  }

  LoraConfig config() {
    return config;
  }

  /** The resolved module names ({@code all-linear} and the default expanded). */
  List<String> targets() {
    return targets;
  }

  /** The module short names a family's adapters may target. */
  static List<String> modules(GptArchitecture a) {
    return a.isGpt2() ? GPT2_MODULES : LLAMA_MODULES;
  }

  /** The module names of a config, checked against the architecture; defaults as PEFT's. */
  static List<String> resolve(GptArchitecture a, List<String> requested) {
    List<String> known = modules(a);
    if (requested.isEmpty()) {
      return a.isGpt2() ? List.of("c_attn") : List.of("q_proj", "v_proj");
    }
    if (requested.contains(LoraConfig.ALL_LINEAR)) {
      return known;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String t : requested) {
      if (!known.contains(t)) {
        throw new ConfigurationException(
            "lora-targets",
            "--lora-targets names '"
                + t
                + "', which is not a linear layer of a "
                + a.modelType()
                + " model; choose from "
                + String.join(",", known)
                + " or "
                + LoraConfig.ALL_LINEAR);
      }
      out.add(t);
    }
    return List.copyOf(out);
  }

  /**
   * The weight names (model parameter names) the targets select, in the model's order, with each
   * one's (out, in) sizes.
   */
  static Map<String, long[]> selected(GptArchitecture a, List<String> targets) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : GptModel.layout(a).entrySet()) {
      String name = e.getKey();
      if (!name.endsWith(".weight") || e.getValue().length != 2) {
        continue;
      }
      String module = name.substring(0, name.length() - ".weight".length());
      String last = module.substring(module.lastIndexOf('.') + 1);
      if (!targets.contains(last)) {
        continue;
      }
      long[] s = e.getValue();
      // GPT-2's Conv1D stores (in, out); Llama's Linear (out, in).
      out.put(module + ".", a.isGpt2() ? new long[] {s[1], s[0]} : new long[] {s[0], s[1]});
    }
    return out;
  }

  /**
   * Fresh adapters as PEFT initialises them: A uniform in +-1/sqrt(in) (Kaiming-uniform with a =
   * sqrt(5)), B zero, drawn from {@code seed} on the host.
   */
  static LoraAdapters create(NDManager manager, GptArchitecture a, LoraConfig config, long seed) {
    List<String> targets = resolve(a, config.targets());
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Pair> layers = new LinkedHashMap<>();
    int r = config.rank();
    for (Map.Entry<String, long[]> e : selected(a, targets).entrySet()) {
      long out = e.getValue()[0];
      long in = e.getValue()[1];
      float[] data = new float[Math.toIntExact(r * in)];
      double bound = 1 / Math.sqrt(in);
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
      }
      layers.put(
          e.getKey(),
          new Pair(
              trainable(manager, new Tensor(new long[] {r, in}, data)),
              trainable(manager, new Tensor(new long[] {out, r}, new float[(int) (out * r)]))));
    }
    return new LoraAdapters(config, targets, a.isGpt2(), layers);
  }

  private static NDArray trainable(NDManager manager, Tensor t) {
    NDArray array = manager.create(t.data(), new Shape(t.shape()));
    array.setRequiresGradient(true);
    return array;
  }

  /** A copy of these adapters in another manager. */
  LoraAdapters copy(NDManager manager) {
    Map<String, Pair> copies = new LinkedHashMap<>();
    layers.forEach(
        (k, p) ->
            copies.put(
                k, new Pair(trainable(manager, tensor(p.a())), trainable(manager, tensor(p.b())))));
    return new LoraAdapters(config, targets, gpt2, copies);
  }

  /** Copies another model's adapter values into these (same layers and shapes). */
  void copyFrom(LoraAdapters other) {
    if (!other.layers.keySet().equals(layers.keySet()) || other.config.rank() != config.rank()) {
      throw new ConfigurationException(
          "model", "can only copy adapters from a model with the same LoRA targets and rank");
    }
    layers.forEach(
        (k, p) -> {
          other.layers.get(k).a().copyTo(p.a());
          other.layers.get(k).b().copyTo(p.b());
        });
  }

  /**
   * Adds the adapter's (alpha / rank) B A x to a layer's output {@code y} in place; {@code y}
   * unchanged when the module carries none.
   */
  NDArray apply(String module, NDArray x, NDArray y) {
    Pair p = layers.get(module);
    if (p == null) {
      return y;
    }
    NDArray low = Linear.linear(x, p.a()).singletonOrThrow();
    NDArray delta = Linear.linear(low, p.b()).singletonOrThrow();
    return y.addi(delta.muli(Scalars.like(delta, config.scale())));
  }

  /** The trained arrays by PEFT tensor name (live: the trainer updates them in place). */
  Map<String, NDArray> parameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    layers.forEach(
        (module, p) -> {
          out.put(tensorName(module, "lora_A"), p.a());
          out.put(tensorName(module, "lora_B"), p.b());
        });
    return out;
  }

  private String tensorName(String module, String which) {
    return PREFIX + (gpt2 ? "transformer." : "") + module + which + ".weight";
  }

  /**
   * The update (alpha / rank) B A of each adapted weight, in the weight's own layout (transposed
   * for GPT-2's Conv1D), by parameter name.
   */
  Map<String, NDArray> deltas(NDManager m) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    layers.forEach(
        (module, p) -> {
          NDArray ba = p.b().matMul(p.a());
          ba.attach(m);
          NDArray delta = (gpt2 ? ba.transpose() : ba).mul(Scalars.like(ba, config.scale()));
          delta.attach(m);
          out.put(module + "weight", delta);
        });
    return out;
  }

  /** Writes {@code adapter_config.json} and {@code adapter_model.safetensors} into a folder. */
  void write(Path directory, Path base, Map<String, byte[]> companions) {
    Path absolute = directory.toAbsolutePath();
    boolean fresh = !Files.exists(absolute);
    Path into = fresh ? DurableFiles.stagingFolder(absolute) : absolute;
    DurableFiles.write(into.resolve(CONFIG_FILE), Checkpoint.json(configJson(base)));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    parameters().forEach((name, array) -> tensors.put(name, tensor(array)));
    SafeTensors.write(into.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
    for (Map.Entry<String, byte[]> c : companions.entrySet()) {
      DurableFiles.write(into.resolve(c.getKey()), c.getValue());
    }
    if (fresh) {
      DurableFiles.publishFolder(into, absolute);
    }
  }

  /** {@code adapter_config.json} with the keys PEFT's {@code LoraConfig} writes. */
  JsonObject configJson(Path base) {
    JsonObject json = new JsonObject();
    json.add("alpha_pattern", new JsonObject());
    json.add("auto_mapping", JsonNull.INSTANCE);
    if (base == null) {
      json.add("base_model_name_or_path", JsonNull.INSTANCE);
    } else {
      json.addProperty("base_model_name_or_path", base.toString());
    }
    json.addProperty("bias", "none");
    json.addProperty("fan_in_fan_out", gpt2);
    json.addProperty("inference_mode", true);
    json.addProperty("init_lora_weights", true);
    json.add("layers_pattern", JsonNull.INSTANCE);
    json.add("layers_to_transform", JsonNull.INSTANCE);
    double alpha = config.alpha();
    if (alpha == Math.rint(alpha) && Math.abs(alpha) < 1e15) {
      json.addProperty("lora_alpha", (long) alpha);
    } else {
      json.addProperty("lora_alpha", alpha);
    }
    json.addProperty("lora_dropout", 0.0);
    json.add("modules_to_save", JsonNull.INSTANCE);
    json.addProperty("peft_type", "LORA");
    json.addProperty("r", config.rank());
    json.add("rank_pattern", new JsonObject());
    json.add("revision", JsonNull.INSTANCE);
    JsonArray modules = new JsonArray();
    targets.forEach(modules::add);
    json.add("target_modules", modules);
    json.addProperty("task_type", "CAUSAL_LM");
    json.addProperty("use_dora", false);
    json.addProperty("use_rslora", false);
    return json;
  }

  /** The base folder an adapter folder names, or null if it names none. */
  private static Path basePath(Path directory) {
    JsonObject json = Checkpoint.readJson(directory.resolve(CONFIG_FILE), true);
    JsonElement base = json.get("base_model_name_or_path");
    if (base == null || base.isJsonNull()) {
      return null;
    }
    Path path = Path.of(base.getAsString());
    return path.isAbsolute() ? path : directory.toAbsolutePath().resolve(path).normalize();
  }

  /**
   * The base checkpoint folder of an adapter folder, as its config names it.
   *
   * @throws BadDataException naming adapter_config.json's base_model_name_or_path if it names no
   *     base, or a path that is not a folder here
   */
  static Path base(Path directory) {
    Path base = basePath(directory);
    if (base == null || !Files.isDirectory(base)) {
      throw new BadDataException(
          directory.resolve(CONFIG_FILE),
          0,
          "base_model_name_or_path",
          base == null
              ? "names no base model; set it to the base checkpoint's folder"
              : "base model "
                  + base
                  + " is not a folder here; set base_model_name_or_path to the local folder of"
                  + " the base checkpoint");
    }
    return base;
  }

  /** Whether a folder holds an adapter rather than a full checkpoint. */
  static boolean isAdapterFolder(Path directory) {
    return Files.isRegularFile(directory.resolve(CONFIG_FILE));
  }

  /**
   * Reads an adapter folder for a base architecture: checks its config (PEFT's LoRA, no bias, no
   * DoRA, rsLoRA or per-layer patterns) and that its tensors are exactly the targets' A and B with
   * the shapes the base implies, all finite, before anything is allocated.
   */
  static LoraAdapters read(NDManager manager, GptArchitecture a, Path directory) {
    Path configFile = directory.resolve(CONFIG_FILE);
    JsonObject json = Checkpoint.readJson(configFile, true);
    String peftType = string(json, "peft_type", configFile);
    if (!"LORA".equals(peftType)) {
      throw new BadDataException(
          configFile, 0, "peft_type", "peft_type is " + peftType + "; only LORA adapters load");
    }
    refuseIf(json, configFile, "bias", e -> !e.getAsString().equals("none"), "must be \"none\"");
    refuseIf(json, configFile, "use_dora", JsonElement::getAsBoolean, "DoRA is not supported");
    refuseIf(
        json,
        configFile,
        "use_rslora",
        JsonElement::getAsBoolean,
        "rsLoRA scaling is not supported");
    for (String key : List.of("rank_pattern", "alpha_pattern")) {
      refuseIf(
          json,
          configFile,
          key,
          e -> !e.isJsonObject() || e.getAsJsonObject().size() > 0,
          "per-layer ranks or alphas are not supported");
    }
    for (String key : List.of("layers_to_transform", "modules_to_save")) {
      refuseIf(json, configFile, key, e -> true, "must be null");
    }
    int rank;
    double alpha;
    try {
      rank = json.get("r").getAsInt();
      alpha = json.get("lora_alpha").getAsDouble();
    } catch (RuntimeException e) {
      throw new BadDataException(configFile, 0, "r", "needs numbers r and lora_alpha");
    }
    JsonElement modules = json.get("target_modules");
    List<String> targets = new ArrayList<>();
    if (modules != null && modules.isJsonArray()) {
      modules.getAsJsonArray().forEach(e -> targets.add(e.getAsString()));
    } else if (modules != null
        && modules.isJsonPrimitive()
        && modules.getAsString().equals(LoraConfig.ALL_LINEAR)) {
      targets.add(LoraConfig.ALL_LINEAR);
    } else {
      throw new BadDataException(
          configFile,
          0,
          "target_modules",
          "target_modules must be a list of module names (a regular expression is not supported)");
    }
    LoraConfig config;
    List<String> resolved;
    try {
      config = new LoraConfig(rank, alpha, targets);
      resolved = resolve(a, config.targets());
      if (targets.isEmpty()) {
        throw new ConfigurationException("target_modules", "no module named");
      }
    } catch (ConfigurationException e) {
      throw new BadDataException(configFile, 0, "target_modules", e.getMessage());
    }
    Path weights = directory.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(weights)) {
      throw new BadDataException(weights, 0, null, "missing; an adapter folder needs it");
    }
    Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
    for (SafeTensors.Entry e : SafeTensors.header(weights)) {
      entries.put(e.name(), e);
    }
    LoraAdapters shape = new LoraAdapters(config, resolved, a.isGpt2(), Map.of());
    Map<String, long[]> expected = new LinkedHashMap<>();
    Map<String, long[]> selected = selected(a, resolved);
    selected.forEach(
        (module, outIn) -> {
          expected.put(shape.tensorName(module, "lora_A"), new long[] {rank, outIn[1]});
          expected.put(shape.tensorName(module, "lora_B"), new long[] {outIn[0], rank});
        });
    for (String name : entries.keySet()) {
      if (!expected.containsKey(name)) {
        throw new BadDataException(
            weights,
            0,
            name,
            "tensor "
                + name
                + " is not an adapter of target_modules "
                + resolved
                + " of this "
                + a.modelType()
                + " base");
      }
    }
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      SafeTensors.Entry entry = entries.get(e.getKey());
      if (entry == null) {
        throw new BadDataException(
            weights,
            0,
            e.getKey(),
            "missing tensor " + e.getKey() + " for target_modules " + resolved);
      }
      if (!Arrays.equals(entry.shape(), e.getValue())) {
        throw new BadDataException(
            weights,
            0,
            e.getKey(),
            "tensor "
                + e.getKey()
                + " has shape "
                + Arrays.toString(entry.shape())
                + ", r = "
                + rank
                + " and the base imply "
                + Arrays.toString(e.getValue()));
      }
    }
    Map<String, Pair> layers = new LinkedHashMap<>();
    try {
      for (String module : selected.keySet()) {
        layers.put(
            module,
            new Pair(
                trainable(manager, finite(entries.get(shape.tensorName(module, "lora_A")))),
                trainable(manager, finite(entries.get(shape.tensorName(module, "lora_B"))))));
      }
    } catch (RuntimeException e) {
      layers
          .values()
          .forEach(
              p -> {
                p.a().close();
                p.b().close();
              });
      throw e;
    }
    return new LoraAdapters(config, resolved, a.isGpt2(), layers);
  }

  private static Tensor finite(SafeTensors.Entry entry) {
    Tensor t = SafeTensors.read(entry);
    for (int i = 0; i < t.data().length; i++) {
      if (!Float.isFinite(t.data()[i])) {
        throw new BadDataException(
            entry.file(),
            0,
            entry.name(),
            "tensor " + entry.name() + " holds " + t.data()[i] + " at element " + i);
      }
    }
    return t;
  }

  private static String string(JsonObject json, String key, Path file) {
    JsonElement e = json.get(key);
    if (e == null || !e.isJsonPrimitive()) {
      throw new BadDataException(file, 0, key, "missing " + key + "; not a PEFT adapter config");
    }
    return e.getAsString();
  }

  private static void refuseIf(
      JsonObject json,
      Path file,
      String key,
      java.util.function.Predicate<JsonElement> bad,
      String why) {
    JsonElement e = json.get(key);
    if (e == null || e.isJsonNull()) {
      return;
    }
    boolean refused;
    try {
      refused = bad.test(e);
    } catch (RuntimeException malformed) {
      refused = true;
    }
    if (refused) {
      throw new BadDataException(file, 0, key, key + " is " + e + "; " + why);
    }
  }

  private static Tensor tensor(NDArray a) {
    return new Tensor(a.getShape().getShape(), a.toFloatArray());
  }
}
