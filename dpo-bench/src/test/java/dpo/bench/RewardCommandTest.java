package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.provenance.RunRecord;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learned reward model recovers the synthetic task's true preferences, and the learned oracle
 * serves it: {@code dpo reward train}, then {@code learned} with {@code model=DIR}.
 */
class RewardCommandTest {

  @Test
  void aLearnedRewardModelRecoversTheTruePreferencesAndServesAsOracle(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("rm");
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code =
        Main.execute(
            new String[] {
              "reward",
              "train",
              "--pairs",
              "2000",
              "--held-out",
              "400",
              "--epochs",
              "3",
              "--width",
              "32",
              "--heads",
              "2",
              "--out",
              out.toString()
            },
            new PrintWriter(stdout),
            new PrintWriter(stderr));
    assertEquals(0, code, stderr.toString());
    RunRecord record = RunRecord.readFrom(out);
    assertEquals("reward train", record.command());
    assertEquals(3, record.config().get("epochs").asInt());
    int trainPairs = record.results().get("train_pairs").asInt();
    assertTrue(trainPairs > 1500 && trainPairs <= 2000, "pairs without ties: " + trainPairs);
    JsonNode fit = record.results();
    double untrained = fit.get("held_out_accuracy_untrained").asDouble();
    JsonNode accuracy = fit.get("held_out_accuracy");
    double last = accuracy.get(accuracy.size() - 1).asDouble();
    assertTrue(
        last >= 0.75 && last > untrained + 0.2,
        "held-out accuracy " + untrained + " -> " + accuracy + "\n" + stdout);

    // The oracle scores text; on fresh pairs it agrees with the true reward's order.
    SyntheticTask task = SyntheticTasks.get("safe-helpful");
    DpoRuntime runtime = DpoRuntime.builder().build();
    try (RewardOracle oracle =
        runtime
            .oracles()
            .get("learned")
            .create(OracleConfig.of(Map.of("model", out.toString(), "device", "cpu")))) {
      SplittableRandom random = new SplittableRandom(99);
      List<String> prompts = new ArrayList<>();
      List<String> responses = new ArrayList<>();
      for (String prompt : task.prompts(11_000, 150, 1)) {
        prompts.add(prompt);
        responses.add(task.demonstration(prompt, 0.5, random).response());
        prompts.add(prompt);
        responses.add(task.demonstration(prompt, 0.5, random).response());
      }
      double[] learned = oracle.score(prompts, responses);
      int agree = 0;
      int decided = 0;
      for (int i = 0; i < learned.length; i += 2) {
        double truth =
            task.reward(prompts.get(i), responses.get(i))
                - task.reward(prompts.get(i + 1), responses.get(i + 1));
        if (truth != 0) {
          decided++;
          agree += (learned[i] > learned[i + 1]) == (truth > 0) ? 1 : 0;
        }
      }
      assertTrue(agree >= 0.7 * decided, agree + " of " + decided + " pairs ordered right");
      assertEquals(learned[0], oracle.score(prompts.get(0), responses.get(0)), 1e-5);
    }
  }

  @Test
  void anExistingFolderThatIsNotOursIsRefusedAndKept(@TempDir Path dir) throws Exception {
    Path out = Files.createDirectory(dir.resolve("thesis"));
    Files.writeString(out.resolve("chapter1.tex"), "precious");
    StringWriter stderr = new StringWriter();
    int code =
        Main.execute(
            new String[] {
              "reward", "train", "--pairs", "10", "--held-out", "10", "--out", out.toString()
            },
            new PrintWriter(new StringWriter()),
            new PrintWriter(stderr));
    assertEquals(2, code, stderr.toString());
    assertTrue(
        stderr
            .toString()
            .startsWith(
                "dpo reward train: --out: "
                    + out
                    + " is not empty and was not written by dpo; choose a new or empty folder"),
        stderr.toString());
    assertEquals(List.of(out.resolve("chapter1.tex")), Files.list(out).toList());
    assertEquals("precious", Files.readString(out.resolve("chapter1.tex")));
  }

  @Test
  void aSecondTrainingIntoItsOwnFolderKeepsTheFolder(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("rm");
    String[] args = {
      "reward",
      "train",
      "--pairs",
      "64",
      "--held-out",
      "32",
      "--epochs",
      "1",
      "--width",
      "16",
      "--heads",
      "2",
      "--layers",
      "1",
      "--out",
      out.toString()
    };
    StringWriter stderr = new StringWriter();
    assertEquals(
        0,
        Main.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(stderr)),
        stderr.toString());
    Files.writeString(out.resolve("notes.txt"), "mine");
    assertEquals(
        0,
        Main.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(stderr)),
        stderr.toString());
    assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
  }
}
