package dpo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Provider;
import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.PreferencePair;
import dpo.api.data.SafeRlhfRow;
import dpo.core.DpoRuntime;
import dpo.core.lm.CheckpointTexts;
import dpo.datasets.format.ChatFormat;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.JsonRowWriter;
import dpo.datasets.io.RowLocation;
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
    List<Row> rows = readRows(input);
    ObjectMapper json = new ObjectMapper();
    try (CheckpointTexts folder =
            new CheckpointTexts(runtime.get(), backendOptions.config(), List.of(model));
        JsonRowWriter writer = JsonRowWriter.open(out)) {
      int context = folder.context();
      for (Row r : rows) {
        int tokens = folder.promptTokens(r.prompt()) + folder.responseTokens(r.response());
        if (tokens > context) {
          throw r.at()
              .error(
                  input,
                  null,
                  "the prompt and its response are "
                      + tokens
                      + " tokens, more than the model's context of "
                      + context
                      + "; shorten them or score with a model of a longer context");
        }
      }
      for (int from = 0; from < rows.size(); from += BATCH) {
        List<String> prompts = new ArrayList<>();
        List<String> responses = new ArrayList<>();
        for (Row r : rows.subList(from, Math.min(rows.size(), from + BATCH))) {
          prompts.add(r.prompt());
          responses.add(r.response());
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
                + (rows.size() == 1 ? " response" : " responses")
                + " from "
                + input
                + " with "
                + model
                + "; wrote "
                + out);
    return 0;
  }

  /**
   * A prompt and a response to score, as the model reads them, and the row they come from.
   *
   * @param prompt the prompt's text
   * @param response the response's text
   * @param at the row
   */
  record Row(String prompt, String response, RowLocation at) {}

  /**
   * The (prompt, response) pairs of a file, in order. A conversation is rendered as the models
   * trained here read it ({@link ChatFormat#turns}), as {@code dpo lm train} and {@code dpo train}
   * render it.
   */
  static List<Row> readRows(Path file) {
    List<Row> rows = new ArrayList<>();
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
              new Row(
                  text(file, number, row, "prompt"),
                  text(file, number, row, "response"),
                  RowLocation.ofLine(rows.size(), number)));
        }
      } catch (IOException e) {
        throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
      }
      return rows;
    }
    try (DatasetReader<DataRecord> reader = Datasets.open(file, null)) {
      for (DataRecord record = reader.next(); record != null; record = reader.next()) {
        RowLocation at = reader.location();
        List<Content> responses;
        if (record instanceof GenerationRecord g) {
          responses = g.responses().stream().map(Content::of).toList();
        } else if (record instanceof PreferencePair p) {
          responses = List.of(p.chosen(), p.rejected());
        } else if (record instanceof SafeRlhfRow r) {
          responses = List.of(Content.of(r.response0()), Content.of(r.response1()));
        } else {
          throw at.error(
              file,
              "response",
              "a prompt-only row has no response to score; give {\"prompt\", \"response\"} rows");
        }
        for (Content response : responses) {
          String[] turns = ChatFormat.turns(record.prompt(), response);
          rows.add(new Row(turns[0], turns[1], at));
        }
      }
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
