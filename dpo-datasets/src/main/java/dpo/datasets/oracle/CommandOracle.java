package dpo.datasets.oracle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.ConfigurationException;
import dpo.api.OracleException;
import dpo.api.oracle.RewardOracle;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Scores by exchanging JSON lines with a long-running process; {@link CommandOracleProvider}
 * documents the protocol. Three daemon threads serve the process: one writes each batch to its
 * standard input, one reads its standard output into a queue, one keeps the last lines of its
 * standard error. Writing off the caller's thread means a process that answers as it reads and one
 * that reads a whole batch first both work, and the caller can enforce the timeout while either
 * side blocks.
 */
final class CommandOracle implements RewardOracle {
  static final String EXPECTED = "{\"reward\": <finite number>}";
  private static final int STDERR_LINES = 20;
  private static final int MAX_QUOTED = 200;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long EXIT_WAIT_MILLIS = 2_000;
  // The process's own stderr thread may lag its exit a little; wait for it so that the message
  // carries the process's last words.
  private static final long STDERR_JOIN_MILLIS = 1_000;
  private static final Object END_OF_OUTPUT = new Object();
  private static final Object LINE_TOO_LONG = new Object();

  /**
   * The longest answer line read, in characters. An answer is a small JSON object; the bound keeps
   * a runaway process (an endless line) from filling the heap.
   */
  static final int MAX_LINE = 1 << 20;

  private static final JsonMapper JSON =
      JsonMapper.builder()
          // NaN and Infinity are parsed so that the message can say "not finite" rather than
          // "not JSON"; the reward check rejects them.
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // Requests are pure ASCII, so the process may read them in any locale's encoding.
          .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .build();

  private final String command;
  private final long timeoutNanos;
  private final String timeoutText;
  private final int batch;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<Object> stdout = new LinkedBlockingQueue<>();
  private final Deque<String> stderrTail = new ArrayDeque<>();
  private final Thread stderrThread;
  private final ExecutorService writer;
  private final Thread cleanup;
  private OracleException failure;
  private boolean closed;

  /**
   * Starts the process.
   *
   * @param command the command as the user wrote it, for messages
   * @param argv the program and its arguments
   * @param timeoutSeconds how long one batch may take
   * @param batch the most pairs sent at once
   */
  CommandOracle(String command, List<String> argv, double timeoutSeconds, int batch) {
    this.command = command.strip();
    this.timeoutNanos = (long) Math.min(Long.MAX_VALUE / 2, timeoutSeconds * 1e9);
    this.timeoutText = trimZeros(timeoutSeconds);
    this.batch = batch;
    try {
      this.process = new ProcessBuilder(inOwnGroup(argv)).start();
    } catch (IOException e) {
      throw new ConfigurationException(
          CommandOracleProvider.COMMAND,
          "cannot start the scoring command '"
              + command
              + "' ("
              + e.getMessage()
              + "); check that '"
              + argv.get(0)
              + "' is installed and on the PATH (or give its full path) and that a script is"
              + " executable, or run it through its interpreter, e.g. python3 score.py");
    }
    this.stdin =
        new BufferedWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    daemon("stdout", process.getInputStream(), this::offerLine, true);
    this.stderrThread = daemon("stderr", process.getErrorStream(), this::keepErrorLine, false);
    this.writer =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "dpo-command-oracle-stdin");
              thread.setDaemon(true);
              return thread;
            });
    this.cleanup = new Thread(this::kill, "dpo-command-oracle-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /**
   * Runs the command in a new session and process group ({@code setsid}, where installed), so that
   * the whole group, the process and everything it started, can be found and stopped at the end,
   * also children it left behind when it exited. A program that cannot be found is started
   * directly, so that the start fails with the operating system's own reason.
   */
  private static List<String> inOwnGroup(List<String> argv) {
    Path setsid = onPath("setsid");
    if (setsid == null || onPath(argv.get(0)) == null) {
      return argv;
    }
    List<String> wrapped = new ArrayList<>(argv.size() + 1);
    wrapped.add(setsid.toString());
    wrapped.addAll(argv);
    return wrapped;
  }

  /** The executable a name refers to (a path, or a name searched on the PATH), or null. */
  private static Path onPath(String program) {
    if (program.contains("/")) {
      Path file = Path.of(program);
      return Files.isRegularFile(file) && Files.isExecutable(file) ? file : null;
    }
    String path = System.getenv("PATH");
    for (String folder : path == null ? new String[0] : path.split(File.pathSeparator)) {
      if (folder.isEmpty()) {
        continue;
      }
      Path file = Path.of(folder, program);
      if (Files.isRegularFile(file) && Files.isExecutable(file)) {
        return file;
      }
    }
    return null;
  }

  /**
   * Reads lines of at most {@link #MAX_LINE} characters. On standard output a longer line ends the
   * reading with {@link #LINE_TOO_LONG} (the process is then stopped); on standard error it is cut,
   * since only its start is ever shown.
   */
  private Thread daemon(String name, InputStream in, Consumer<String> sink, boolean isStdout) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                StringBuilder line = new StringBuilder();
                boolean cut = false;
                int c;
                while ((c = reader.read()) != -1) {
                  if (c == '\n') {
                    sink.accept(withoutCarriageReturn(line));
                    line.setLength(0);
                    cut = false;
                  } else if (line.length() < (isStdout ? MAX_LINE : MAX_QUOTED + 1)) {
                    line.append((char) c);
                  } else if (isStdout) {
                    stdout.add(LINE_TOO_LONG);
                    return;
                  } else if (!cut) {
                    cut = true;
                  }
                }
                if (line.length() > 0) {
                  sink.accept(withoutCarriageReturn(line));
                }
              } catch (IOException e) {
                // The stream closes when the process dies or is killed; the end marker below and
                // the exit code tell that story.
              } finally {
                if (isStdout) {
                  stdout.add(END_OF_OUTPUT);
                }
              }
            },
            "dpo-command-oracle-" + name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static String withoutCarriageReturn(StringBuilder line) {
    int end = line.length();
    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
  }

  private void offerLine(String line) {
    stdout.add(line);
  }

  private void keepErrorLine(String line) {
    synchronized (stderrTail) {
      if (stderrTail.size() == STDERR_LINES) {
        stderrTail.removeFirst();
      }
      stderrTail.addLast(abbreviate(line));
    }
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    if (closed) {
      throw new IllegalStateException("this command oracle is closed; create a new one");
    }
    if (failure != null) {
      throw new OracleException(
          "the scoring command failed earlier and was stopped; create a new oracle. The failure: "
              + failure.getMessage(),
          failure);
    }
    Oracles.checkBatch(prompts, responses);
    double[] rewards = new double[prompts.size()];
    for (int from = 0; from < rewards.length; from += batch) {
      int to = Math.min(rewards.length, from + batch);
      scoreBatch(prompts, responses, from, to, rewards);
    }
    return rewards;
  }

  private void scoreBatch(
      List<String> prompts, List<String> responses, int from, int to, double[] rewards) {
    List<String> requests = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      ObjectNode request = JSON.createObjectNode();
      request.put("prompt", Objects.requireNonNull(prompts.get(i), "prompt " + i));
      request.put("response", Objects.requireNonNull(responses.get(i), "response " + i));
      requests.add(request.toString());
    }
    Object stray = stdout.peek();
    if (stray instanceof String) {
      throw fail(
          "the scoring command '"
              + command
              + "' wrote the line "
              + quote((String) stray)
              + ", which answers no request; it must write exactly one line per request line,"
              + " and logs must go to standard error",
          false);
    }
    Future<?> sent = writer.submit(() -> send(requests));
    long deadline = System.nanoTime() + timeoutNanos;
    int size = to - from;
    for (int k = 0; k < size; k++) {
      String line = nextLine(deadline, sent, k, size);
      rewards[from + k] = parse(line, from + k);
    }
    // Every request was answered, so every request was read; waiting for the writer here means no
    // write is ever left in flight between calls or at close.
    try {
      sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw fail(
          "the scoring command '"
              + command
              + "' answered every pair of this batch but did not read all of its request lines;"
              + " it must read one request line before writing each answer",
          true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail("interrupted while writing to the scoring command '" + command + "'", false);
    }
  }

  private Void send(List<String> requests) throws IOException {
    for (String request : requests) {
      stdin.write(request);
      stdin.write('\n');
    }
    stdin.flush();
    return null;
  }

  /** The next answer line, or a failure: the process ended, stopped reading, or ran out of time. */
  private String nextLine(long deadline, Future<?> sent, int answered, int size) {
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw fail(
            "the scoring command '"
                + command
                + "' answered "
                + answered
                + " of the "
                + size
                + " pairs of this batch within the timeout of "
                + timeoutText
                + " s and was stopped; raise the option 'timeout' (seconds per batch) or lower"
                + " 'batch', and check that the command writes one line per pair and flushes it"
                + " (Python: print(json.dumps({\"reward\": r}), flush=True))",
            true);
      }
      Object item;
      try {
        item = stdout.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail("interrupted while waiting for the scoring command '" + command + "'", false);
      }
      if (item instanceof String) {
        return (String) item;
      }
      if (item == END_OF_OUTPUT) {
        throw ended(answered, size);
      }
      if (item == LINE_TOO_LONG) {
        throw fail(
            "the scoring command '"
                + command
                + "' wrote an answer line longer than "
                + MAX_LINE
                + " characters (the limit) for pair "
                + answered
                + " of this batch and was stopped; each answer must be one short line "
                + EXPECTED
                + " ending with a newline, and logs must go to standard error",
            true);
      }
      if (sent.isDone() && process.isAlive() && failed(sent)) {
        throw fail(
            "the scoring command '"
                + command
                + "' stopped reading its standard input while "
                + (size - answered)
                + " pairs of this batch were unanswered; it must read one request line per pair"
                + " until its input ends",
            true);
      }
    }
  }

  private static boolean failed(Future<?> sent) {
    try {
      sent.get();
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private OracleException ended(int answered, int size) {
    String how;
    try {
      how =
          process.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS)
              ? "exited with code " + process.exitValue()
              : "closed its standard output";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      how = "closed its standard output";
    }
    return fail(
        "the scoring command '"
            + command
            + "' "
            + how
            + " after answering "
            + answered
            + " of the "
            + size
            + " pairs of this batch; it must keep running and answer every request line with "
            + EXPECTED
            + " until its input ends",
        true);
  }

  private double parse(String line, int pair) {
    String problem;
    JsonNode answer = null;
    try {
      answer = JSON.readTree(line);
      problem = null;
    } catch (JsonProcessingException e) {
      problem = "is not JSON";
    }
    if (problem == null) {
      JsonNode reward = answer == null ? null : answer.get("reward");
      if (answer == null || answer.isMissingNode()) {
        problem = "is empty";
      } else if (!answer.isObject()) {
        problem = "is not a JSON object";
      } else if (reward == null) {
        problem = "has no field \"reward\"";
      } else if (!reward.isNumber()) {
        problem = "has a \"reward\" that is not a number";
      } else if (!Double.isFinite(reward.doubleValue())) {
        problem = "has a \"reward\" that is not finite (" + reward.doubleValue() + ")";
      } else {
        return reward.doubleValue();
      }
    }
    throw fail(
        "the scoring command '"
            + command
            + "' answered pair "
            + pair
            + " with the line "
            + quote(line)
            + ", which "
            + problem
            + "; each answer must be one line "
            + EXPECTED
            + ", in the order of the requests, and logs must go to standard error, not standard"
            + " output",
        false);
  }

  /**
   * Stops the process, whose answers can no longer be trusted, and records the failure; stopping it
   * first lets its standard error close, so that the message can end with its last lines.
   */
  private OracleException fail(String message, boolean withStderr) {
    kill();
    failure = new OracleException(withStderr ? message + stderrSummary() : message);
    return failure;
  }

  /**
   * Stops the process and everything it started: its descendants and the other members of its
   * process group (children it left behind are no longer its descendants), then the process. Also
   * the shutdown hook, so that nothing outlives the JVM on SIGTERM or Ctrl-C.
   */
  private void kill() {
    long group = process.pid();
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    ProcessHandle.allProcesses()
        .filter(p -> p.pid() != group && processGroup(p.pid()) == group)
        .forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    writer.shutdownNow();
  }

  /**
   * The process group of a process, from Linux's /proc; -1 where that cannot be read (another
   * system, or the process is gone), which leaves only the descendants to be stopped.
   */
  private static long processGroup(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // "pid (name) state ppid pgrp ..."; the name may hold spaces and parentheses.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private String stderrSummary() {
    try {
      stderrThread.join(STDERR_JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> lines;
    synchronized (stderrTail) {
      lines = new ArrayList<>(stderrTail);
    }
    if (lines.isEmpty()) {
      return "; it wrote nothing to standard error";
    }
    return "; the last lines of its standard error:\n  " + String.join("\n  ", lines);
  }

  /** The process, for tests that check it was stopped. */
  ProcessHandle processHandle() {
    return process.toHandle();
  }

  /**
   * Ends the input, gives the process a moment to exit on its own, then stops it and everything it
   * started that still runs.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    writer.shutdownNow();
    try {
      stdin.close();
    } catch (IOException e) {
      // The process is already gone; there is nothing left to flush.
    }
    try {
      process.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      kill();
      process.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // The JVM is shutting down and the hook runs anyway; stopping twice is harmless.
    }
  }

  private static String quote(String line) {
    return "'" + abbreviate(line) + "'";
  }

  private static String abbreviate(String text) {
    return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
  }

  private static String trimZeros(double seconds) {
    return seconds == Math.rint(seconds) && seconds < 1e15
        ? Long.toString((long) seconds)
        : Double.toString(seconds);
  }
}
