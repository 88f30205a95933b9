package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher ({@code dpo} at the project root) starts every command with the Vector API module
 * (the CPU backend's tabular kernels and the products of Llama decoding steps run on it) and drops
 * the JVM's notice about the incubator module, its first line of standard error, and nothing else.
 */
class LauncherTest {
  private static final String NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

  private static String launcher() throws IOException {
    return Files.readString(Path.of("..", "dpo"));
  }

  @Test
  void everyCommandStartsWithTheVectorApiModule() throws IOException {
    Matcher exec = Pattern.compile("\\nexec java ([^\\n]*)").matcher(launcher());
    assertTrue(exec.find(), "the launcher's java command");
    assertTrue(exec.group(1).startsWith("--add-modules jdk.incubator.vector "), exec.group(1));
    assertTrue(!exec.find(), "one java command");
  }

  /**
   * The launcher's filter, run by bash on {@code input}: the notice is dropped only as the first
   * line; other lines, a later notice and a last line without its newline pass unchanged.
   */
  @ParameterizedTest
  @CsvSource(
      delimiterString = "->",
      value = {
        "NOTICE\\nline two\\nlast -> line two\\nlast",
        "first\\nNOTICE\\n -> first\\nNOTICE\\n",
        "no newline -> no newline",
        "NOTICE\\n -> ''",
        "'' -> ''",
        "\\r progress 1\\r progress 2 -> \\r progress 1\\r progress 2"
      })
  void theIncubatorNoticeIsDroppedAsTheFirstLineOnly(String input, String expected)
      throws IOException, InterruptedException {
    Matcher f =
        Pattern.compile("(?s)\\n(drop_incubator_notice\\(\\) \\{.*?\\n\\})\\n").matcher(launcher());
    assertTrue(f.find(), "the launcher's drop_incubator_notice function");
    Matcher notice = Pattern.compile("\\nINCUBATOR_NOTICE=\"([^\"]*)\"").matcher(launcher());
    assertTrue(notice.find());
    assertEquals(NOTICE, notice.group(1));
    String script =
        "INCUBATOR_NOTICE='" + NOTICE + "'\n" + f.group(1) + "\ndrop_incubator_notice\n";
    Process bash = new ProcessBuilder(List.of("bash", "-c", script)).start();
    bash.getOutputStream().write(unescape(input).getBytes(StandardCharsets.UTF_8));
    bash.getOutputStream().close();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
    assertEquals(unescape(expected), out);
  }

  private static String unescape(String s) {
    return s.replace("NOTICE", NOTICE).replace("\\n", "\n").replace("\\r", "\r");
  }
}
