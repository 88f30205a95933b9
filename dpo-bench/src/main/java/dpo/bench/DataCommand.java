package dpo.bench;

import dpo.api.data.DataFormat;
import dpo.datasets.prompts.PromptTemplate;
import dpo.datasets.prompts.Split;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo data}: look into and convert dataset files. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    subcommands = {DataInspectCommand.class, DataConvertCommand.class},
    description = {
      "Inspect and convert dataset files: JSON lines, JSON arrays (also RLHFlow's {\"instances\":"
          + " [...]} files) and Parquet, optionally gzip-compressed.",
      "",
      "Row formats (--format): trl {prompt, chosen, rejected} (strings or [{role, content}]"
          + " messages; without prompt, the shared prefix of chosen and rejected), prompts"
          + " {prompt}, generations {prompt, responses, rewards}, pku-saferlhf (prompt,"
          + " response_0, response_1, better_response_id, safer_response_id, is_response_0_safe,"
          + " is_response_1_safe), pku-saferlhf-prompts {prompt, prompt_source}, rlhflow-prompts"
          + " {context_messages}. Without --format the format is detected from the fields of the"
          + " first row."
    })
final class DataCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing command; try 'dpo data inspect FILE'");
  }

  /** Parses a format id with a message that lists the ids. */
  static final class FormatConverter implements CommandLine.ITypeConverter<DataFormat> {
    @Override
    public DataFormat convert(String value) {
      try {
        return DataFormat.fromId(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses {@code --template}: a built-in name or a text with {prompt}. */
  static final class TemplateConverter implements CommandLine.ITypeConverter<PromptTemplate> {
    @Override
    public PromptTemplate convert(String value) {
      try {
        return PromptTemplate.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses {@code --split}: train, test or FROM:TO. */
  static final class SplitConverter implements CommandLine.ITypeConverter<Split> {
    @Override
    public Split convert(String value) {
      try {
        return Split.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
