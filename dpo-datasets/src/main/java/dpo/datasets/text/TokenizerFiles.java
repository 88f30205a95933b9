package dpo.datasets.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.datasets.format.ChatFormat;
import dpo.datasets.io.JsonSupport;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE tokenizer as the two files of a Hugging Face checkpoint folder:
 *
 * <ul>
 *   <li>{@code tokenizer.json}, the tokenizers library's format: a {@code BPE} model (vocab and
 *       merges, no unknown token), an optional {@code Lowercase} normalizer, {@code ByteLevel}
 *       pre-tokenizer and decoder, the special tokens as {@code added_tokens}, and a {@code
 *       TemplateProcessing} post-processor that puts the beginning-of-sequence token first when
 *       special tokens are asked for;
 *   <li>{@code tokenizer_config.json}, what {@code transformers} reads beside it: the bos, eos and
 *       pad tokens, {@code add_bos_token}, {@code model_max_length}, {@code tokenizer_class} and a
 *       {@code chat_template} that renders conversations as {@link ChatFormat} does.
 * </ul>
 */
public final class TokenizerFiles {
  /** The tokenizers library's file. */
  public static final String TOKENIZER = "tokenizer.json";

  /** The transformers file beside it. */
  public static final String CONFIG = "tokenizer_config.json";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private TokenizerFiles() {}

  /**
   * The two files' contents.
   *
   * @param tokenizer the tokenizer
   * @param modelMaxLength the longest sequence the model takes, in tokens, for {@code
   *     model_max_length}
   * @return file name -> UTF-8 JSON, in the order to write them
   */
  public static Map<String, byte[]> contents(BpeTokenizer tokenizer, int modelMaxLength) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(TOKENIZER, bytes(tokenizerJson(tokenizer)));
    files.put(CONFIG, bytes(configJson(tokenizer, modelMaxLength)));
    return files;
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JsonSupport.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  static ObjectNode tokenizerJson(BpeTokenizer tokenizer) {
    ObjectNode root = JSON.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (String s : tokenizer.specials().all()) {
      added
          .addObject()
          .put("id", tokenizer.id(s))
          .put("content", s)
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", false)
          .put("special", true);
    }
    if (tokenizer.lowercases()) {
      root.putObject("normalizer").put("type", "Lowercase");
    } else {
      root.putNull("normalizer");
    }
    byteLevel(root.putObject("pre_tokenizer"));
    String bos = tokenizer.specials().bos();
    ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode bosEntry = post.putObject("special_tokens").putObject(bos);
    bosEntry.put("id", bos);
    bosEntry.putArray("ids").add(tokenizer.id(bos));
    bosEntry.putArray("tokens").add(bos);
    byteLevel(root.putObject("decoder"));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    List<String> tokens = tokenizer.tokens();
    for (int i = 0; i < tokens.size(); i++) {
      vocab.put(tokens.get(i), i);
    }
    // "left right" strings: byte-level tokens never hold a space, and every version of the
    // tokenizers library reads this form (newer ones also write pairs as arrays).
    ArrayNode merges = model.putArray("merges");
    for (String[] m : tokenizer.merges()) {
      merges.add(m[0] + " " + m[1]);
    }
    return root;
  }

  private static void byteLevel(ObjectNode node) {
    node.put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
  }

  static ObjectNode configJson(BpeTokenizer tokenizer, int modelMaxLength) {
    SpecialTokens s = tokenizer.specials();
    ObjectNode root = JSON.objectNode();
    root.put("tokenizer_class", "PreTrainedTokenizerFast");
    root.put("bos_token", s.bos());
    root.put("eos_token", s.eos());
    root.put("pad_token", s.pad());
    ArrayNode more = root.putArray("additional_special_tokens");
    s.additional().forEach(more::add);
    root.put("add_bos_token", true);
    root.put("add_eos_token", false);
    root.put("model_max_length", modelMaxLength);
    root.put("padding_side", "right");
    root.put("clean_up_tokenization_spaces", false);
    root.put("chat_template", ChatFormat.JINJA);
    return root;
  }

  /**
   * Loads the tokenizer of a folder, as this class writes it.
   *
   * @param directory a folder with {@code tokenizer.json} and {@code tokenizer_config.json}
   * @return the tokenizer
   * @throws BadDataException if a file is missing, malformed, or describes another kind of
   *     tokenizer; the message names the file and field
   */
  public static BpeTokenizer load(Path directory) {
    Path file = directory.resolve(TOKENIZER);
    JsonNode root = read(file);
    JsonNode model = root.path("model");
    if (!"BPE".equals(model.path("type").asText())) {
      throw new BadDataException(
          file,
          0,
          "model.type",
          "expected \"BPE\", got "
              + JsonSupport.describe(model.path("type"))
              + "; only byte-level BPE tokenizers (such as"
              + " 'dpo tokenizer train' writes) are read in pure Java");
    }
    JsonNode pre = root.path("pre_tokenizer");
    if (!"ByteLevel".equals(pre.path("type").asText())
        || pre.path("add_prefix_space").asBoolean(false)
        || !pre.path("use_regex").asBoolean(true)) {
      throw new BadDataException(
          file,
          0,
          "pre_tokenizer",
          "expected a ByteLevel pre-tokenizer"
              + " with add_prefix_space false and use_regex true (GPT-2's scheme), got "
              + JsonSupport.describe(pre));
    }
    JsonNode normalizer = root.path("normalizer");
    boolean lowercase = "Lowercase".equals(normalizer.path("type").asText());
    if (!normalizer.isMissingNode() && !normalizer.isNull() && !lowercase) {
      throw new BadDataException(
          file,
          0,
          "normalizer",
          "expected null or Lowercase, got " + JsonSupport.describe(normalizer));
    }
    JsonNode vocab = model.path("vocab");
    if (!vocab.isObject()) {
      throw new BadDataException(file, 0, "model.vocab", "expected an object of token -> id");
    }
    String[] byId = new String[vocab.size()];
    var fields = vocab.fields();
    while (fields.hasNext()) {
      var e = fields.next();
      int id = e.getValue().asInt(-1);
      if (!e.getValue().isInt() || id < 0 || id >= byId.length || byId[id] != null) {
        throw new BadDataException(
            file,
            0,
            "model.vocab." + e.getKey(),
            "ids must be 0.."
                + (byId.length - 1)
                + ", each once; got "
                + JsonSupport.describe(e.getValue()));
      }
      byId[id] = e.getKey();
    }
    List<String[]> merges = new ArrayList<>();
    JsonNode list = model.path("merges");
    for (int i = 0; i < list.size(); i++) {
      JsonNode m = list.get(i);
      String[] pair =
          m.isTextual()
              ? m.textValue().split(" ", 2)
              : m.isArray() && m.size() == 2
                  ? new String[] {m.get(0).asText(), m.get(1).asText()}
                  : null;
      if (pair == null || pair.length != 2) {
        throw new BadDataException(
            file,
            0,
            "model.merges[" + i + "]",
            "expected \"left right\" or [\"left\", \"right\"], got " + JsonSupport.describe(m));
      }
      merges.add(pair);
    }
    Path configFile = directory.resolve(CONFIG);
    JsonNode config = read(configFile);
    SpecialTokens specials;
    try {
      List<String> more = new ArrayList<>();
      config.path("additional_special_tokens").forEach(t -> more.add(t.asText()));
      specials =
          new SpecialTokens(
              token(configFile, config, "bos_token"),
              token(configFile, config, "eos_token"),
              token(configFile, config, "pad_token"),
              more);
    } catch (IllegalArgumentException e) {
      throw new BadDataException(configFile, 0, null, e.getMessage());
    }
    try {
      return new BpeTokenizer(List.of(byId), merges, specials, lowercase);
    } catch (IllegalArgumentException e) {
      throw new BadDataException(file, 0, "model", e.getMessage());
    }
  }

  private static String token(Path file, JsonNode config, String field) {
    JsonNode t = config.path(field);
    if (t.isObject()) {
      t = t.path("content"); // transformers also writes {"content": ..., "lstrip": ...}
    }
    if (!t.isTextual() || t.textValue().isEmpty()) {
      throw new BadDataException(
          file,
          0,
          field,
          "expected the token as a string, got "
              + JsonSupport.describe(config.path(field))
              + "; every tokenizer here declares bos_token,"
              + " eos_token and pad_token");
    }
    return t.textValue();
  }

  private static JsonNode read(Path file) {
    try {
      JsonNode node = JsonSupport.MAPPER.readTree(file.toFile());
      if (node == null || !node.isObject()) {
        throw new BadDataException(file, 0, null, "expected a JSON object");
      }
      return node;
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new BadDataException(
          file,
          0,
          null,
          "missing; a tokenizer folder holds "
              + TOKENIZER
              + " and "
              + CONFIG
              + " (make one with 'dpo tokenizer train')");
    } catch (JsonProcessingException e) {
      throw new BadDataException(
          file,
          e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
          null,
          "not valid JSON: " + JsonSupport.reason(e));
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read the file (" + e + ")");
    }
  }
}
