package dpo.bench;

import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.api.io.DurableFiles;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import dpo.datasets.format.Conversions;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.DatasetWriter;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.RowSources;
import dpo.datasets.prompts.LengthFilter;
import dpo.datasets.prompts.Preparation;
import dpo.datasets.prompts.PromptTemplate;
import dpo.datasets.prompts.Split;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dpo data convert}: rewrite a dataset in another container or row format. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Read IN, optionally prepare its prompts, and write OUT: JSON lines for .jsonl, a JSON array"
          + " for .json, gzip-compressed with a further .gz. OUT appears complete or not at all, with its"
          + " provenance (options, the input's SHA-256, row counts) beside it in OUT.run.json.",
      "",
      "Preparation runs in the order of the paper's code: --template, then the length filter on"
          + " the templated prompt, then --shuffle, then --split. Any file converts to prompts;"
          + " pku-saferlhf converts to trl (the better response is chosen).",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  dpo data convert pairs.json pairs.jsonl.gz",
      "  dpo data convert pku_saferlhf.jsonl pairs.jsonl --to trl",
      "  dpo data convert prompts.jsonl train.jsonl --template safe-rlhf --max-chars 128"
          + " --split train"
    })
final class DataConvertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "The dataset to read.")
  Path in;

  @Parameters(
      index = "1",
      paramLabel = "OUT",
      description = "Where to write: .jsonl or .json, optionally .gz; replaced if it exists.")
  Path out;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = DataCommand.FormatConverter.class,
      description = "IN's row format (default: detected from the first row's fields).")
  DataFormat format;

  @Option(
      names = "--to",
      paramLabel = "FORMAT",
      converter = DataCommand.FormatConverter.class,
      description = "OUT's row format (default: IN's).")
  DataFormat to;

  @Option(
      names = "--template",
      paramLabel = "safe-rlhf|alpaca|TEXT",
      converter = DataCommand.TemplateConverter.class,
      description =
          "Wrap each prompt in a template: the paper's safe-rlhf or alpaca, or a text"
              + " with {prompt} where the prompt goes.")
  PromptTemplate template;

  @Option(
      names = "--min-chars",
      paramLabel = "N",
      defaultValue = "0",
      description = "Drop rows whose prompt has fewer characters (default: ${DEFAULT-VALUE}).")
  int minChars;

  @Option(
      names = "--max-chars",
      paramLabel = "N",
      defaultValue = "" + Integer.MAX_VALUE,
      description = "Drop rows whose prompt has more characters (default: no limit).")
  int maxChars;

  @Option(
      names = "--shuffle",
      paramLabel = "SEED",
      description = "Shuffle the rows with this seed (holds the rows in memory).")
  Long shuffle;

  @Option(
      names = "--split",
      paramLabel = "train|test|FROM:TO",
      converter = DataCommand.SplitConverter.class,
      description =
          "Keep rows FROM to TO-1 (0-based, after filtering and shuffling); train is"
              + " 0:10000 and test 10000:12000, the paper's splits.")
  Split split;

  @Option(
      names = "--max-row-chars",
      paramLabel = "N",
      defaultValue = "" + RowSources.DEFAULT_MAX_ROW_CHARS,
      description = "The longest row accepted, in characters (default: ${DEFAULT-VALUE}).")
  long maxRowChars;

  /** The provenance file beside an output file: {@code OUT.run.json}. */
  static Path provenanceFile(Path output) {
    return output.resolveSibling(output.getFileName() + "." + RunRecord.FILE);
  }

  @Override
  public Integer call() {
    Instant started = Instant.now();
    LengthFilter filter = lengthFilter();
    if (maxRowChars < 1) {
      throw new ParameterException(
          spec.commandLine(), "--max-row-chars must be >= 1, got " + maxRowChars);
    }
    Preparation preparation =
        new Preparation(
            Optional.ofNullable(template),
            filter,
            shuffle == null ? OptionalLong.empty() : OptionalLong.of(shuffle),
            Optional.ofNullable(split));
    try (DatasetReader<DataRecord> reader = Datasets.open(in, format, maxRowChars)) {
      DataFormat target = to != null ? to : reader.format();
      checkConvertible(reader.format(), target);
      try (DatasetWriter writer = openWriter(target)) {
        Preparation.Report report = preparation.run(reader, writer::write);
        if (report.emitted() == 0) {
          throw new ParameterException(
              spec.commandLine(),
              "no rows left to write: all "
                  + report.read()
                  + " rows were dropped by --min-chars/--max-chars; nothing was written to "
                  + out);
        }
        writer.commit();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("format", reader.format().id());
        results.put("to", target.id());
        results.put("rows_read", report.read());
        results.put("rows_dropped_by_length", report.filteredOut());
        results.put("rows_written", writer.rowsWritten());
        RunRecord record =
            RunRecord.start(
                    "data convert",
                    started,
                    OptionValues.of(spec),
                    new RunRecord.Providers(null, null, null, null),
                    null,
                    List.of(new RunRecord.Input("dataset", in.toString(), Provenance.sha256(in))))
                .finish(Instant.now(), results);
        DurableFiles.write(provenanceFile(out), record.toJson());
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(
            "read "
                + report.read()
                + " "
                + reader.format().id()
                + " rows from "
                + in
                + (report.filteredOut() > 0
                    ? "; dropped " + report.filteredOut() + " by prompt length"
                    : "")
                + "; wrote "
                + writer.rowsWritten()
                + " "
                + target.id()
                + " rows to "
                + out
                + " (provenance: "
                + provenanceFile(out).getFileName()
                + ")");
        stdout.flush();
      }
    }
    return 0;
  }

  private LengthFilter lengthFilter() {
    if (minChars < 0) {
      throw new ParameterException(spec.commandLine(), "--min-chars must be >= 0, got " + minChars);
    }
    if (maxChars < minChars) {
      throw new ParameterException(
          spec.commandLine(),
          "--max-chars (" + maxChars + ") must be >= --min-chars (" + minChars + ")");
    }
    return new LengthFilter(minChars, maxChars);
  }

  private void checkConvertible(DataFormat from, DataFormat target) {
    if (!Conversions.canConvert(from, target)) {
      String choices =
          Arrays.stream(DataFormat.values())
              .filter(f -> Conversions.canConvert(from, f))
              .map(DataFormat::id)
              .collect(Collectors.joining(", "));
      throw new ParameterException(
          spec.commandLine(),
          "--to "
              + target.id()
              + ": "
              + in
              + " holds "
              + from.id()
              + " rows, which cannot be written as "
              + target.id()
              + "; choose one of: "
              + choices);
    }
  }

  private DatasetWriter openWriter(DataFormat target) {
    try {
      return DatasetWriter.open(out, target);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "OUT: " + e.getMessage());
    }
  }
}
