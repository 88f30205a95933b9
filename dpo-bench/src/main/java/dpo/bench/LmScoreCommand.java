package dpo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Provider;
import dpo.api.BadDataException;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.PreferencePair;
import dpo.api.data.SafeRlhfRow;
import dpo.core.DpoRuntime;
import dpo.core.lm.CheckpointTexts;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.JsonRowWriter;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpo lm score}: log-probabilities of responses under a checkpoint. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Write one line {\"logp\": L, \"tokens\": N} per (prompt, response): L the sum of the"
          + " response tokens' log-probabilities given the prompt (the prompt encoded with the"
          + " tokenizer's special tokens, the response without, no end token added), N the"
          + " response's token count. Input rows are {\"prompt\", \"response\"} lines or any"
          + " format 'dpo data' reads: a generations row gives one line per response, a"
          + " preference row chosen then rejected, a PKU-SafeRLHF row response_0 then response_1."
    })
final class LmScoreCommand implements Callable<Integer> {
  private static final int BATCH = 8;

  @Spec CommandSpec spec;

  private final Provider<DpoRuntime> runtime;

  @Inject
  LmScoreCommand(Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "Hugging Face checkpoint folder with its tokenizer.json.")
  Path model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "ROWS",
      description = "Rows to score (JSONL {\"prompt\", \"response\"} or a 'dpo data' format).")
  Path input;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "OUT.jsonl",
      description = "Where to write the scores, one line per response, in input order.")
  Path out;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public Integer call() {
    List<String[]> rows = readRows(input);
    ObjectMapper json = new ObjectMapper();
    try (CheckpointTexts folder =
            new CheckpointTexts(runtime.get(), backendOptions.config(), List.of(model));
        JsonRowWriter writer = JsonRowWriter.open(out)) {
      for (int from = 0; from < rows.size(); from += BATCH) {
        List<String> prompts = new ArrayList<>();
        List<String> responses = new ArrayList<>();
        for (String[] r : rows.subList(from, Math.min(rows.size(), from + BATCH))) {
          prompts.add(r[0]);
          responses.add(r[1]);
        }
        for (double[] s : folder.score(prompts, responses)) {
          ObjectNode line = json.createObjectNode();
          line.put("logp", s[0]);
          line.put("tokens", (long) s[1]);
          writer.write(line);
        }
      }
      writer.commit();
    }
    spec.commandLine()
        .getOut()
        .println(
            "scored "
                + rows.size()
                + " responses from "
                + input
                + " with "
                + model
                + "; wrote "
                + out);
    return 0;
  }

  /** {prompt, response} pairs of a file, in order. */
  static List<String[]> readRows(Path file) {
    List<String[]> rows = new ArrayList<>();
    if (isPromptResponse(file)) {
      ObjectMapper json = new ObjectMapper();
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        long number = 0;
        while ((line = in.readLine()) != null) {
          number++;
          if (line.isBlank()) {
            continue;
          }
          JsonNode row;
          try {
            row = json.readTree(line);
          } catch (IOException e) {
            throw new BadDataException(
                file,
                number,
                null,
                "not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
          }
          rows.add(
              new String[] {
                text(file, number, row, "prompt"), text(file, number, row, "response")
              });
        }
      } catch (IOException e) {
        throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
      }
      return rows;
    }
    try (DatasetReader<DataRecord> reader = Datasets.open(file, null)) {
      reader.forEachRemaining(
          record -> {
            String prompt = record.prompt().text();
            if (record instanceof GenerationRecord g) {
              g.responses().forEach(r -> rows.add(new String[] {prompt, r}));
            } else if (record instanceof PreferencePair p) {
              rows.add(new String[] {prompt, p.chosen().text()});
              rows.add(new String[] {prompt, p.rejected().text()});
            } else if (record instanceof SafeRlhfRow s) {
              rows.add(new String[] {prompt, s.response0()});
              rows.add(new String[] {prompt, s.response1()});
            } else {
              throw new BadDataException(
                  file,
                  reader.recordsRead(),
                  "response",
                  "a prompt-only row"
                      + " has no response to score; give {\"prompt\", \"response\"} rows");
            }
          });
    }
    return rows;
  }

  private static boolean isPromptResponse(Path file) {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          JsonNode row = new ObjectMapper().readTree(line);
          return row.isObject() && row.has("response");
        }
      }
      return false;
    } catch (IOException e) {
      return false; // not JSON lines: the dataset readers report what the file is
    }
  }

  private static String text(Path file, long line, JsonNode row, String field) {
    JsonNode v = row.get(field);
    if (v == null || !v.isTextual()) {
      throw new BadDataException(
          file,
          line,
          field,
          "expected a string "
              + field
              + ", got "
              + (v == null ? "nothing" : v.getNodeType().toString().toLowerCase()));
    }
    return v.asText();
  }
}
