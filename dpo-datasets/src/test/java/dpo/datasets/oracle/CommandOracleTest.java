package dpo.datasets.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dpo.api.ConfigurationException;
import dpo.api.OracleException;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command oracle against small Python scripts that the tests write. */
class CommandOracleTest {
  private static final String ECHO_LENGTHS =
      String.join(
          "\n",
          "import json, sys",
          "for line in sys.stdin:",
          "    request = json.loads(line)",
          "    reward = len(request['prompt']) + 0.5 * len(request['response'].split())",
          "    print(json.dumps({'reward': reward, 'extra': 'ignored'}), flush=True)",
          "");

  @TempDir static Path dir;

  @BeforeAll
  static void needsPython() {
    boolean present;
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      present = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      present = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      present = false;
    }
    assumeTrue(present, "python3 is not on the PATH; the command oracle tests need it");
  }

  private static Path script(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return file;
  }

  private static RewardOracle oracle(Map<String, String> options) {
    return new CommandOracleProvider().create(OracleConfig.of(options));
  }

  private static RewardOracle python(Path script, String... options) {
    Map<String, String> map = new java.util.HashMap<>();
    map.put("command", "python3 '" + script + "'");
    for (int i = 0; i < options.length; i += 2) {
      map.put(options[i], options[i + 1]);
    }
    return oracle(map);
  }

  @Test
  void scoresEveryPairInOrderAcrossBatches() throws IOException {
    Path script = script("lengths.py", ECHO_LENGTHS);
    List<String> prompts =
        List.of(
            "tell me about bees", "caf\u00e9\nline two", "emoji \uD83D\uDE00 \"quoted\"", "a", "");
    List<String> responses = List.of("the bees are calm .", "x", "", "one two three", "tab\tsep");
    try (RewardOracle oracle = python(script, "batch", "2")) {
      double[] rewards = oracle.score(prompts, responses);
      double[] expected = new double[prompts.size()];
      for (int i = 0; i < expected.length; i++) {
        // Python counts code points, so the emoji is one character there.
        String p = prompts.get(i);
        expected[i] =
            p.codePointCount(0, p.length()) + 0.5 * responses.get(i).split("\\s+", -1).length;
        if (responses.get(i).isEmpty()) {
          expected[i] = p.codePointCount(0, p.length());
        }
      }
      assertArrayEquals(expected, rewards, 1e-12);
      // The process stays up between calls.
      assertEquals(2 + 0.5 * 3, oracle.score("ab", "one two three"), 1e-12);
      assertArrayEquals(new double[0], oracle.score(List.of(), List.of()));
    }
  }

  @Test
  void aProcessThatDiesMidBatchIsReportedWithItsExitCodeAndStderr() throws IOException {
    Path script =
        script(
            "dies.py",
            "import json, sys",
            "for n, line in enumerate(sys.stdin):",
            "    if n == 2:",
            "        sys.stderr.write('loading model\\nboom: model exploded\\n')",
            "        sys.exit(3)",
            "    print(json.dumps({'reward': 1.0}), flush=True)");
    try (RewardOracle oracle = python(script)) {
      List<String> five = List.of("p", "p", "p", "p", "p");
      OracleException e = assertThrows(OracleException.class, () -> oracle.score(five, five));
      assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
      assertTrue(e.getMessage().contains("after answering 2 of the 5 pairs"), e.getMessage());
      assertTrue(e.getMessage().contains("boom: model exploded"), e.getMessage());
      assertTrue(e.getMessage().contains("loading model"), e.getMessage());
      OracleException again = assertThrows(OracleException.class, () -> oracle.score("p", "r"));
      assertTrue(again.getMessage().contains("failed earlier"), again.getMessage());
    }
  }

  @Test
  void aProcessThatFailsAtStartUpIsReportedOnTheFirstBatch() throws IOException {
    Path script =
        script(
            "broken.py",
            "import sys",
            "sys.stderr.write('SyntaxError: bad import\\n')",
            "sys.exit(1)");
    try (RewardOracle oracle = python(script)) {
      OracleException e = assertThrows(OracleException.class, () -> oracle.score("p", "r"));
      assertTrue(
          e.getMessage().contains("exited with code 1 after answering 0 of the 1 pairs"),
          e.getMessage());
      assertTrue(e.getMessage().contains("SyntaxError: bad import"), e.getMessage());
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "hello                      | is not JSON",
        "{\"score\": 1}             | has no field \"reward\"",
        "{\"reward\": \"1\"}        | has a \"reward\" that is not a number",
        "{\"reward\": NaN}          | has a \"reward\" that is not finite (NaN)",
        "{\"reward\": 1e999}        | has a \"reward\" that is not finite (Infinity)",
        "[1]                        | is not a JSON object",
        "{\"reward\": 1} {\"x\": 2} | is not JSON",
        "``                         | is empty"
      })
  void aBadAnswerIsQuotedWithTheExpectedShape(String answer, String problem) throws IOException {
    Path script =
        script(
            "answers.py",
            "import sys",
            "for line in sys.stdin:",
            "    print(sys.argv[1], flush=True)");
    String command = "[\"python3\", \"" + script + "\", " + jsonString(answer) + "]";
    try (RewardOracle oracle = oracle(Map.of("command", command))) {
      OracleException e = assertThrows(OracleException.class, () -> oracle.score("p", "r"));
      assertTrue(
          e.getMessage().contains("with the line '" + answer + "', which " + problem),
          e.getMessage());
      assertTrue(e.getMessage().contains("{\"reward\": <finite number>}"), e.getMessage());
    }
  }

  private static String jsonString(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Test
  void logsOnStandardOutputAreCaught() throws IOException {
    Path script =
        script(
            "chatty.py",
            "import json, sys",
            "print('ready', flush=True)",
            "for line in sys.stdin:",
            "    print(json.dumps({'reward': 0}), flush=True)");
    try (RewardOracle oracle = python(script)) {
      OracleException e = assertThrows(OracleException.class, () -> oracle.score("p", "r"));
      assertTrue(e.getMessage().contains("'ready'"), e.getMessage());
      assertTrue(e.getMessage().contains("standard error"), e.getMessage());
    }
  }

  @Test
  void aSilentProcessTimesOutAndIsStopped() throws Exception {
    Path script =
        script(
            "silent.py",
            "import sys, time",
            "sys.stdin.readline()",
            "sys.stderr.write('thinking hard\\n')",
            "sys.stderr.flush()",
            "time.sleep(60)");
    try (RewardOracle oracle = python(script, "timeout", "0.5")) {
      ProcessHandle process = ((CommandOracle) oracle).processHandle();
      long start = System.nanoTime();
      OracleException e = assertThrows(OracleException.class, () -> oracle.score("p", "r"));
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "the timeout held");
      assertTrue(e.getMessage().contains("within the timeout of 0.5 s"), e.getMessage());
      assertTrue(e.getMessage().contains("raise the option 'timeout'"), e.getMessage());
      assertTrue(e.getMessage().contains("flush=True"), e.getMessage());
      process.onExit().get(10, TimeUnit.SECONDS);
      assertFalse(process.isAlive());
    }
  }

  @Test
  void aCommandThatCannotStartNamesThePath() throws IOException {
    ConfigurationException missing =
        assertThrows(
            ConfigurationException.class,
            () -> oracle(Map.of("command", "no-such-scorer-4711 --fast")));
    assertEquals("command", missing.violations().get(0).field());
    assertTrue(missing.getMessage().contains("'no-such-scorer-4711'"), missing.getMessage());
    assertTrue(missing.getMessage().contains("PATH"), missing.getMessage());

    Path notExecutable = script("plain.py", "print('hi')");
    ConfigurationException denied =
        assertThrows(
            ConfigurationException.class,
            () -> oracle(Map.of("command", notExecutable.toString())));
    assertTrue(denied.getMessage().contains("executable"), denied.getMessage());
  }

  @Test
  void closeEndsTheInputAndStopsAProcessThatIgnoresIt() throws Exception {
    Path polite = script("polite.py", ECHO_LENGTHS);
    RewardOracle first = python(polite);
    ProcessHandle politeProcess = ((CommandOracle) first).processHandle();
    first.close();
    assertFalse(politeProcess.isAlive());

    Path stubborn = script("stubborn.py", "import time", "time.sleep(60)");
    RewardOracle second = python(stubborn);
    ProcessHandle stubbornProcess = ((CommandOracle) second).processHandle();
    second.close();
    stubbornProcess.onExit().get(10, TimeUnit.SECONDS);
    assertFalse(stubbornProcess.isAlive());
    assertThrows(IllegalStateException.class, () -> second.score("p", "r"));
    second.close();
  }

  @Test
  void anEndlessAnswerLineFailsNamingTheLimit() throws Exception {
    Path script =
        script(
            "endless.py",
            "import sys",
            "sys.stdin.readline()",
            "while True:",
            "    sys.stdout.write('x' * 65536)");
    try (RewardOracle oracle = python(script)) {
      ProcessHandle process = ((CommandOracle) oracle).processHandle();
      OracleException e = assertThrows(OracleException.class, () -> oracle.score("p", "r"));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "the scoring command 'python3 '"
                      + script
                      + "'' wrote an answer line longer than "
                      + CommandOracle.MAX_LINE
                      + " characters (the limit) for pair 0 of this batch and was stopped"),
          e.getMessage());
      process.onExit().get(10, TimeUnit.SECONDS);
    }
  }

  /** A scorer that starts a grandchild ({@code sleep}), writes its pid to a file, then answers. */
  private static Path spawning(String name) throws IOException {
    return script(
        name,
        "import json, subprocess, sys",
        "child = subprocess.Popen(['sleep', '1000'])",
        "with open(sys.argv[1] + '.tmp', 'w') as f:",
        "    f.write(str(child.pid))",
        "import os",
        "os.rename(sys.argv[1] + '.tmp', sys.argv[1])",
        "for line in sys.stdin:",
        "    print(json.dumps({'reward': 1.0}), flush=True)");
  }

  private static ProcessHandle grandchild(Path pidFile) throws Exception {
    for (int i = 0; i < 200 && !Files.exists(pidFile); i++) {
      Thread.sleep(50);
    }
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("grandchild not running"));
  }

  private static void assertGone(ProcessHandle process) throws Exception {
    try {
      process.onExit().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("process " + process.pid() + " still runs", e);
    }
    assertFalse(process.isAlive());
  }

  @Test
  void closeStopsTheGrandchildrenOfTheScorer() throws Exception {
    Path pidFile = dir.resolve("close-grandchild.pid");
    Map<String, String> options =
        Map.of("command", "python3 '" + spawning("spawning.py") + "' '" + pidFile + "'");
    RewardOracle oracle = oracle(options);
    assertArrayEquals(new double[] {1.0}, oracle.score(List.of("p"), List.of("r")));
    ProcessHandle sleeper = grandchild(pidFile);
    ProcessHandle scorer = ((CommandOracle) oracle).processHandle();
    oracle.close();
    assertGone(scorer);
    assertGone(sleeper);
  }

  /** Runs in a child JVM: starts a spawning scorer, scores once, says "ready" and waits. */
  public static final class ScoreAndWait {
    /**
     * The entry point.
     *
     * @param args the scorer command
     * @throws Exception never expected
     */
    public static void main(String[] args) throws Exception {
      RewardOracle oracle =
          new CommandOracleProvider().create(OracleConfig.of(Map.of("command", args[0])));
      oracle.score(List.of("p"), List.of("r"));
      System.out.println("ready " + ((CommandOracle) oracle).processHandle().pid());
      System.out.flush();
      Thread.sleep(600_000);
    }
  }

  @Test
  void sigtermOfTheJvmStopsTheScorerAndItsGrandchildren() throws Exception {
    Path pidFile = dir.resolve("sigterm-grandchild.pid");
    String command = "python3 '" + spawning("spawning-term.py") + "' '" + pidFile + "'";
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process jvm =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ScoreAndWait.class.getName(),
                command)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      String ready =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertTrue(ready != null && ready.startsWith("ready "), "child JVM said: " + ready);
      ProcessHandle scorer =
          ProcessHandle.of(Long.parseLong(ready.substring(6)))
              .orElseThrow(() -> new AssertionError("scorer not running"));
      ProcessHandle sleeper = grandchild(pidFile);
      assertTrue(jvm.toHandle().destroy(), "SIGTERM could not be sent");
      assertTrue(jvm.waitFor(20, TimeUnit.SECONDS), "the child JVM did not stop on SIGTERM");
      assertGone(scorer);
      assertGone(sleeper);
    } finally {
      jvm.destroyForcibly();
    }
  }

  @Test
  void optionsAreValidatedBeforeAnythingStarts() {
    ConfigurationException unknown =
        assertThrows(
            ConfigurationException.class,
            () -> oracle(Map.of("command", "python3 x.py", "timeot", "5")));
    assertEquals(
        "unknown option 'timeot' for oracle command; known options: batch, command, timeout",
        unknown.getMessage());
    ConfigurationException missing =
        assertThrows(ConfigurationException.class, () -> oracle(Map.of("batch", "4")));
    assertEquals("command", missing.violations().get(0).field());
    ConfigurationException timeout =
        assertThrows(
            ConfigurationException.class,
            () -> oracle(Map.of("command", "python3 x.py", "timeout", "-1")));
    assertEquals("timeout", timeout.violations().get(0).field());
    ConfigurationException batch =
        assertThrows(
            ConfigurationException.class,
            () -> oracle(Map.of("command", "python3 x.py", "batch", "0")));
    assertEquals("batch", batch.violations().get(0).field());
  }

  @Test
  void mismatchedBatchesAreRejected() throws IOException {
    try (RewardOracle oracle = python(script("lengths2.py", ECHO_LENGTHS))) {
      assertThrows(
          IllegalArgumentException.class, () -> oracle.score(List.of("a", "b"), List.of("r")));
      // A bad call is the caller's error; the process is still usable.
      assertEquals(1 + 0.5, oracle.score("a", "r"), 1e-12);
    }
  }
}
