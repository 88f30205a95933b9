package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Batched generation from a logit mixture of models. Prompts are left-padded: padding keys are
 * masked and positions count from each prompt's first token, so a prompt's continuation does not
 * depend on the other prompts of its batch. With the KV cache each step feeds one token per
 * sequence; without it each step recomputes the whole sequence (the baseline the cache is measured
 * against, and the reference the tests compare it with).
 */
final class Generator {
  /**
   * Prompts per forward pass: small models are bound by per-operation overhead, so wide batches
   * pay; the cap bounds the attention's memory on long lists.
   */
  static final int MICRO_BATCH = 256;

  /** Most threads drawing a step's tokens (one sampler each, rows split among them). */
  static final int SAMPLING_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

  /** Fewest logits of a step (rows x vocabulary) drawn on several threads. */
  static final long PARALLEL_SAMPLING = 1 << 16;

  private final List<GptModel> models;
  private final double[] weights;
  private final GenerationConfig config;
  private final boolean useCache;
  private final boolean sideBySide;
  private final int vocabulary;

  Generator(List<GptModel> models, double[] weights, GenerationConfig config, boolean useCache) {
    this(models, weights, config, useCache, true);
  }

  /**
   * @param models the mixed models
   * @param weights one mixing weight per model
   * @param config the sampling settings
   * @param useCache whether steps feed one token per sequence from a KV cache
   * @param sideBySide whether the mixed models' one-token steps on the CPU run side by side, one
   *     thread per model (false runs them one after the other: the same bits, for the tests)
   */
  Generator(
      List<GptModel> models,
      double[] weights,
      GenerationConfig config,
      boolean useCache,
      boolean sideBySide) {
    if (models.isEmpty() || models.size() != weights.length) {
      throw new ConfigurationException(
          "weights",
          "need one weight per model, got "
              + models.size()
              + " models and "
              + weights.length
              + " weights");
    }
    for (double w : weights) {
      if (!Double.isFinite(w)) {
        throw new ConfigurationException(
            "weights", "mixing weights must be finite, got " + Arrays.toString(weights));
      }
    }
    this.vocabulary = models.get(0).config().vocabularySize();
    for (GptModel m : models) {
      if (m.config().vocabularySize() != vocabulary) {
        throw new ConfigurationException(
            "models",
            "mixed models need one vocabulary, got sizes "
                + vocabulary
                + " and "
                + m.config().vocabularySize());
      }
    }
    if (config.endOfSequence() >= vocabulary) {
      throw new ConfigurationException(
          "endOfSequence",
          "end-of-sequence token "
              + config.endOfSequence()
              + " is outside the vocabulary of "
              + vocabulary);
    }
    for (int end : config.alsoEnding()) {
      if (end >= vocabulary) {
        throw new ConfigurationException(
            "alsoEnding", "end token " + end + " is outside the vocabulary of " + vocabulary);
      }
    }
    this.models = List.copyOf(models);
    this.weights = weights.clone();
    this.config = config;
    this.useCache = useCache;
    this.sideBySide = sideBySide;
  }

  List<int[]> generate(NDManager parent, List<int[]> prompts) {
    // The smallest context of the mixed models bounds every prompt plus its new tokens.
    int context = models.stream().mapToInt(m -> m.config().contextLength()).min().orElseThrow();
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = prompts.get(i);
      if (p.length == 0) {
        throw new ConfigurationException(
            "prompts",
            "prompt "
                + i
                + " is empty; generation"
                + " needs at least one token (for example a beginning-of-text token)");
      }
      for (int t : p) {
        PaddedPairs.checkToken(t, vocabulary, "prompts", i);
      }
      int needed = p.length + config.maxNewTokens();
      if (needed > context) {
        throw new ConfigurationException(
            "maxNewTokens",
            "prompt "
                + (i + 1)
                + " has "
                + p.length
                + " tokens; with "
                + config.maxNewTokens()
                + " new tokens it needs a context of "
                + needed
                + ", the model has "
                + context
                + "; lower the number of new tokens or shorten the prompt");
      }
    }
    SplittableRandom[] streams = streams(config, prompts.size());
    List<int[]> out = new ArrayList<>(prompts.size());
    for (int from = 0; from < prompts.size(); from += MICRO_BATCH) {
      int to = Math.min(prompts.size(), from + MICRO_BATCH);
      try (NDManager m = parent.newSubManager()) {
        out.addAll(
            generateBatch(m, prompts.subList(from, to), Arrays.copyOfRange(streams, from, to)));
      }
    }
    return out;
  }

  /**
   * One stream per prompt: seeded by the prompt's own seed when the config has them (a prompt's
   * response then does not depend on the other prompts of the call), else split from the seed in
   * prompt order. Either way results do not depend on micro-batching.
   */
  static SplittableRandom[] streams(GenerationConfig config, int prompts) {
    SplittableRandom[] streams = new SplittableRandom[prompts];
    if (!config.rowSeeds().isEmpty()) {
      if (config.rowSeeds().size() != prompts) {
        throw new ConfigurationException(
            "rowSeeds",
            "need one seed per prompt, got "
                + config.rowSeeds().size()
                + " seeds for "
                + prompts
                + " prompts");
      }
      for (int i = 0; i < prompts; i++) {
        streams[i] = new SplittableRandom(config.rowSeeds().get(i));
      }
      return streams;
    }
    SplittableRandom root = new SplittableRandom(config.seed());
    for (int i = 0; i < prompts; i++) {
      streams[i] = root.split();
    }
    return streams;
  }

  private List<int[]> generateBatch(NDManager m, List<int[]> prompts, SplittableRandom[] streams) {
    int batch = prompts.size();
    int promptLength = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    int maxLength = promptLength + config.maxNewTokens();
    // Full token grid (left-padded prompts, then generated tokens) and which keys are real.
    long[][] tokens = new long[batch][maxLength];
    boolean[][] real = new boolean[batch][maxLength];
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      int[] p = prompts.get(b);
      int pad = promptLength - p.length;
      for (int t = 0; t < p.length; t++) {
        tokens[b][pad + t] = p[t];
        real[b][pad + t] = true;
      }
      lengths[b] = p.length;
    }
    List<List<Integer>> generated = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      generated.add(new ArrayList<>());
    }
    boolean[] done = new boolean[batch];
    // Rows are drawn in parallel, each from its own stream, so the tokens do not depend on the
    // threads: at a 49,152-word vocabulary a step's draws are a million exponentials on the host.
    // Small steps (the tiny models' few hundred logits) are drawn on this thread.
    boolean parallel = (long) batch * vocabulary >= PARALLEL_SAMPLING;
    TokenSampler[] samplers = new TokenSampler[parallel ? Math.min(batch, SAMPLING_THREADS) : 1];
    for (int w = 0; w < samplers.length; w++) {
      samplers[w] = new TokenSampler(config, vocabulary);
    }
    int[] drawn = new int[batch];
    Decoding[] decodings = new Decoding[models.size()];
    // A cached step of a small model on the CPU is bound by its thousand small operations, each
    // issued by one thread, as much as by reading the weights, so on a machine with several cores
    // the mixed models' steps run side by side: every model but the first on a thread of its own.
    // Each operation computes as it would alone (the same kernels and thread count), and the
    // log-probabilities are summed in model order on this thread, so the bits do not change. The
    // prompts' pass, bound by arithmetic, runs one model after the other.
    ExecutorService others =
        sideBySide
                && useCache
                && models.size() > 1
                && Runtime.getRuntime().availableProcessors() > 1
                && !m.getDevice().isGpu()
            ? Executors.newFixedThreadPool(models.size() - 1, Generator::modelThread)
            : null;
    try {
      for (int i = 0; i < decodings.length; i++) {
        decodings[i] = useCache ? new Decoding(models.get(i), m, maxLength) : null;
      }
      int columns = promptLength; // filled columns of the grid
      for (int step = 0; step < config.maxNewTokens(); step++) {
        float[] logits;
        try (NDManager s = m.newSubManager()) {
          int first = useCache && step > 0 ? columns - 1 : 0;
          // One step's inputs serve every mixed model (none changes them).
          NDArray ids = slice(s, tokens, first, columns);
          NDArray at = positions(s, real, first, columns);
          NDArray mask = bias(s, real, first, columns);
          NDArray[] last = new NDArray[models.size()];
          List<Future<?>> elsewhere = new ArrayList<>();
          boolean split = others != null && step > 0;
          try {
            for (int i = 1; split && i < models.size(); i++) {
              int model = i;
              elsewhere.add(
                  others.submit(
                      () -> last[model] = weightedLogProbs(model, decodings, ids, at, mask)));
            }
            for (int i = 0; i < (split ? 1 : models.size()); i++) {
              last[i] = weightedLogProbs(i, decodings, ids, at, mask);
            }
          } catch (RuntimeException | Error e) {
            awaitAll(elsewhere, false); // none may outlive the step's arrays
            throw e;
          }
          awaitAll(elsewhere, true);
          NDArray mixed = last[0];
          for (int i = 1; i < last.length; i++) {
            mixed = mixed.addi(last[i]);
          }
          logits = mixed.toFloatArray();
        }
        float[] rows = logits;
        java.util.stream.IntStream workers = java.util.stream.IntStream.range(0, samplers.length);
        (parallel ? workers.parallel() : workers)
            .forEach(
                w -> {
                  for (int b = w; b < batch; b += samplers.length) {
                    if (!done[b]) {
                      drawn[b] = samplers[w].next(rows, b * vocabulary, streams[b]);
                    }
                  }
                });
        boolean allDone = true;
        for (int b = 0; b < batch; b++) {
          long next = config.endOfSequence() < 0 ? 0 : config.endOfSequence();
          if (!done[b]) {
            int token = drawn[b];
            generated.get(b).add(token);
            done[b] = config.ends(token);
            next = token;
          }
          tokens[b][columns] = next;
          real[b][columns] = true;
          allDone &= done[b];
        }
        columns++;
        if (allDone) {
          break;
        }
      }
    } finally {
      if (others != null) {
        others.shutdown();
      }
      for (Decoding d : decodings) {
        if (d != null) {
          d.close();
        }
      }
    }
    List<int[]> out = new ArrayList<>(batch);
    for (List<Integer> g : generated) {
      out.add(g.stream().mapToInt(Integer::intValue).toArray());
    }
    return out;
  }

  /** A model's next-token log-probabilities times its mixing weight, (batch, vocabulary). */
  private NDArray weightedLogProbs(
      int i, Decoding[] decodings, NDArray ids, NDArray at, NDArray mask) {
    NDArray last =
        (useCache
                ? decodings[i].lastLogits(ids, at, mask)
                : models.get(i).lastLogits(ids, at, mask, null))
            .logSoftmax(1);
    return weights[i] == 1 ? last : last.muli((float) weights[i]); // x * 1 = x
  }

  /** A thread for a mixed model's steps: PyTorch's grad mode is per thread and on in a new one. */
  private static Thread modelThread(Runnable work) {
    Thread t =
        new Thread(
            () -> {
              JniUtils.setGradMode(false);
              work.run();
            },
            "dpo-mixed-model");
    t.setDaemon(true);
    return t;
  }

  /**
   * Waits for every pass; with {@code rethrow}, throws the first one's failure as it was thrown (a
   * {@link ConfigurationException} stays one).
   */
  static void awaitAll(List<Future<?>> passes, boolean rethrow) {
    Throwable failure = null;
    boolean interrupted = false;
    for (Future<?> f : passes) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the pass uses the step's arrays: wait for it all the same
        } catch (ExecutionException e) {
          failure = failure == null ? e.getCause() : failure;
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure == null || !rethrow) {
      return;
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException("a mixed model's pass failed", failure);
  }

  /** Columns {@code from..to} of the token grid, (batch, to - from). */
  static NDArray slice(NDManager m, long[][] tokens, int from, int to) {
    long[] flat = new long[tokens.length * (to - from)];
    for (int b = 0; b < tokens.length; b++) {
      System.arraycopy(tokens[b], from, flat, b * (to - from), to - from);
    }
    return m.create(flat, new Shape(tokens.length, to - from));
  }

  /** Position of each column: the number of real tokens before it in its row. */
  static NDArray positions(NDManager m, boolean[][] real, int from, int to) {
    long[] flat = new long[real.length * (to - from)];
    for (int b = 0; b < real.length; b++) {
      int before = 0;
      for (int c = 0; c < to; c++) {
        if (c >= from) {
          flat[b * (to - from) + c - from] = before;
        }
        before += real[b][c] ? 1 : 0;
      }
    }
    return m.create(flat, new Shape(real.length, to - from));
  }

  /** (batch, 1, queries, keys) bias: a query sees real keys at or before its own column. */
  static NDArray bias(NDManager m, boolean[][] real, int from, int to) {
    int queries = to - from;
    float[] flat = new float[real.length * queries * to];
    for (int b = 0; b < real.length; b++) {
      for (int q = 0; q < queries; q++) {
        int row = (b * queries + q) * to;
        for (int k = 0; k < to; k++) {
          if (k > from + q || !real[b][k]) {
            flat[row + k] = GptModel.MASKED;
          }
        }
      }
    }
    return m.create(flat, new Shape(real.length, 1, queries, to));
  }
}
