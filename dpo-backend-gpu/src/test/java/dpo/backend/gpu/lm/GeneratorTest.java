package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GeneratorTest {
  static final ModelConfig TINY = new ModelConfig(12, 16, 2, 2, 48);
  static final int EOS = 11;
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();
  static GptModel policy;
  static GptModel reference;

  @BeforeAll
  static void models() {
    policy = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 11);
    reference = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 12);
    // Sharpen the policy so that greedy and sampled sequences are not all alike.
    policy.parameters().get("wte.weight").muli(40f);
    reference.parameters().get("wte.weight").muli(30f);
  }

  @AfterAll
  static void release() {
    policy.close();
    reference.close();
  }

  static List<int[]> prompts() {
    // Different lengths: left padding must not change any prompt's continuation.
    return List.of(
        new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6, 7, 8, 9, 10, 1}, new int[] {2, 2});
  }

  static List<int[]> run(
      List<GptModel> models,
      double[] w,
      List<int[]> prompts,
      GenerationConfig config,
      boolean cache) {
    return new Generator(models, w, config, cache).generate(ENGINE.root(), prompts);
  }

  /** The response of one prompt generated alone by one model with its row seed. */
  static int[] alone(GptModel model, int[] prompt, GenerationConfig base, long seed) {
    return run(List.of(model), new double[] {1}, List.of(prompt), base.withRowSeeds(seed), true)
        .get(0);
  }

  static void assertSame(List<int[]> a, List<int[]> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i), "response " + i);
    }
  }

  @Test
  void kvCacheIsTokenForTokenIdenticalToRecomputation() {
    GenerationConfig greedy = GenerationConfig.greedy(24, -1);
    assertSame(
        run(List.of(policy), new double[] {1}, prompts(), greedy, false),
        run(List.of(policy), new double[] {1}, prompts(), greedy, true));
    GenerationConfig sampled = new GenerationConfig(24, 1.0, 0, 0.95, EOS, 42);
    List<int[]> cached =
        run(List.of(policy, reference), new double[] {1.5, -0.5}, prompts(), sampled, true);
    assertSame(
        run(List.of(policy, reference), new double[] {1.5, -0.5}, prompts(), sampled, false),
        cached);
    assertFalse(cached.stream().allMatch(r -> Arrays.equals(r, cached.get(0))));
  }

  @Test
  void aPromptsContinuationDoesNotDependOnItsBatch() {
    GenerationConfig sampled = GenerationConfig.sampling(16, 1.0, -1, 7);
    List<int[]> batch = run(List.of(policy), new double[] {1}, prompts(), sampled, true);
    List<int[]> first =
        run(List.of(policy), new double[] {1}, prompts().subList(0, 1), sampled, true);
    assertArrayEquals(batch.get(0), first.get(0));
    List<int[]> greedyBatch =
        run(List.of(policy), new double[] {1}, prompts(), GenerationConfig.greedy(16, -1), true);
    for (int i = 0; i < prompts().size(); i++) {
      assertArrayEquals(
          greedyBatch.get(i),
          run(
                  List.of(policy),
                  new double[] {1},
                  List.of(prompts().get(i)),
                  GenerationConfig.greedy(16, -1),
                  true)
              .get(0));
    }
  }

  @Test
  void withRowSeedsABatchGivesEachRowWhatItGetsAloneAndInAnyOrder() {
    // Logit mixing, sampling with top-p and an end token: every row of the batch must equal the
    // row generated alone with its seed, and reversing the batch must only reverse the rows.
    List<int[]> prompts = new ArrayList<>(prompts());
    prompts.addAll(prompts());
    long[] seeds = new long[prompts.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = 1000 + 17L * i;
    }
    GenerationConfig base = new GenerationConfig(20, 1.0, 0, 0.95, EOS, 42);
    List<GptModel> models = List.of(policy, reference);
    double[] w = {1.5, -0.5};
    List<int[]> batch = run(models, w, prompts, base.withRowSeeds(seeds), true);
    for (int i = 0; i < prompts.size(); i++) {
      assertArrayEquals(
          batch.get(i),
          run(models, w, List.of(prompts.get(i)), base.withRowSeeds(seeds[i]), true).get(0),
          "row " + i);
    }
    List<int[]> reversed = new ArrayList<>(prompts);
    java.util.Collections.reverse(reversed);
    long[] reversedSeeds = new long[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      reversedSeeds[i] = seeds[seeds.length - 1 - i];
    }
    List<int[]> back = run(models, w, reversed, base.withRowSeeds(reversedSeeds), true);
    for (int i = 0; i < prompts.size(); i++) {
      assertArrayEquals(batch.get(i), back.get(prompts.size() - 1 - i), "reversed row " + i);
    }
    // The same prompt twice with two seeds: its own stream, not the batch's, decides.
    assertFalse(
        Arrays.equals(batch.get(0), batch.get(4)) && Arrays.equals(batch.get(1), batch.get(5)));
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> run(models, w, prompts, base.withRowSeeds(1, 2), true));
    assertEquals("need one seed per prompt, got 2 seeds for 8 prompts", e.getMessage());
  }

  @Test
  void rowsDrawnOnSeveralThreadsEqualRowsDrawnAlone() {
    // 24 rows of a 4,096-word vocabulary are drawn on several threads, one row alone on this
    // thread: with row seeds the tokens must not depend on which thread drew them.
    GptModel wide =
        GptModel.create(
            ENGINE.root(), GptArchitecture.gpt2(new ModelConfig(4096, 16, 1, 2, 32)), 5);
    try {
      wide.parameters().get("wte.weight").muli(20f);
      int n = 24;
      assertTrue((long) n * 4096 >= Generator.PARALLEL_SAMPLING);
      assertTrue(4096 < Generator.PARALLEL_SAMPLING);
      List<int[]> prompts = new ArrayList<>();
      long[] seeds = new long[n];
      for (int i = 0; i < n; i++) {
        prompts.add(new int[] {1 + 97 * i, 2 + 31 * i});
        seeds[i] = 11L * i + 5;
      }
      for (GenerationConfig base :
          List.of(
              new GenerationConfig(8, 1.3, 40, 0.9, -1, 1),
              GenerationConfig.sampling(8, 1.0, -1, 2),
              GenerationConfig.greedy(8, -1))) {
        List<int[]> batch =
            run(List.of(wide), new double[] {1}, prompts, base.withRowSeeds(seeds), true);
        for (int i = 0; i < n; i++) {
          assertArrayEquals(batch.get(i), alone(wide, prompts.get(i), base, seeds[i]), "row " + i);
        }
      }
    } finally {
      wide.close();
    }
  }

  @Test
  void rowSeedsAcrossMicroBatchesEqualRowsAlone() {
    int n = Generator.MICRO_BATCH + 3;
    List<int[]> prompts = new ArrayList<>();
    long[] seeds = new long[n];
    for (int i = 0; i < n; i++) {
      prompts.add(prompts().get(i % 4));
      seeds[i] = 7L * i + 1;
    }
    GenerationConfig base = GenerationConfig.sampling(6, 1.0, EOS, 3);
    List<int[]> batch =
        run(List.of(policy), new double[] {1}, prompts, base.withRowSeeds(seeds), true);
    for (int i : new int[] {0, Generator.MICRO_BATCH - 1, Generator.MICRO_BATCH, n - 1}) {
      assertArrayEquals(batch.get(i), alone(policy, prompts.get(i), base, seeds[i]), "row " + i);
    }
  }

  @Test
  void sameSeedSameResponsesOtherSeedOthers() {
    GenerationConfig a = GenerationConfig.sampling(16, 1.0, EOS, 1);
    GenerationConfig b = GenerationConfig.sampling(16, 1.0, EOS, 2);
    assertSame(
        run(List.of(policy), new double[] {1}, prompts(), a, true),
        run(List.of(policy), new double[] {1}, prompts(), a, true));
    List<int[]> x = run(List.of(policy), new double[] {1}, prompts(), a, true);
    List<int[]> y = run(List.of(policy), new double[] {1}, prompts(), b, true);
    boolean differ = false;
    for (int i = 0; i < x.size(); i++) {
      differ |= !Arrays.equals(x.get(i), y.get(i));
    }
    assertTrue(differ);
  }

  @Test
  void endOfSequenceStopsAResponseAndEndsIt() {
    List<int[]> out =
        run(
            List.of(policy),
            new double[] {1},
            prompts(),
            new GenerationConfig(40, 2.0, 0, 1.0, EOS, 3),
            true);
    for (int[] r : out) {
      for (int t = 0; t < r.length - 1; t++) {
        assertTrue(r[t] != EOS, "tokens after the end: " + Arrays.toString(r));
      }
      assertTrue(r.length == 40 || r[r.length - 1] == EOS);
    }
  }

  /**
   * A checkpoint may list several end tokens (Llama 3's instruct models: three): each ends a
   * response where it is drawn, which leaves the response's earlier tokens and every other response
   * as they were.
   */
  @Test
  void otherEndTokensEndAResponseWhereTheyAreDrawn() {
    GenerationConfig open = new GenerationConfig(30, 2.0, 0, 1.0, -1, 3);
    List<int[]> full = run(List.of(policy), new double[] {1}, prompts(), open, true);
    int end = full.get(0)[4];
    List<int[]> ended =
        run(
            List.of(policy),
            new double[] {1},
            prompts(),
            new GenerationConfig(30, 2.0, 0, 1.0, -1, 3, List.of(), List.of(), List.of(end)),
            true);
    int cut = 0;
    for (int i = 0; i < full.size(); i++) {
      int[] f = full.get(i);
      int stop = f.length;
      for (int t = 0; t < f.length; t++) {
        if (f[t] == end) {
          stop = t + 1;
          break;
        }
      }
      cut += stop < f.length ? 1 : 0;
      assertArrayEquals(Arrays.copyOf(f, stop), ended.get(i), "response " + i);
    }
    assertTrue(cut >= 1, "token " + end + " ended at least response 0 early");
  }

  @Test
  void weightsOneAndZeroEqualThePolicyAlone() {
    GenerationConfig sampled = GenerationConfig.sampling(20, 1.0, EOS, 5);
    assertSame(
        run(List.of(policy), new double[] {1}, prompts(), sampled, true),
        run(List.of(policy, reference), new double[] {1, 0}, prompts(), sampled, true));
  }

  @Test
  void mixedModelsSideBySideGiveTheTokensOfOneAfterTheOther() {
    // GPT-2 and Llama (whose one-token steps are LlamaDecoder's), three models, and a policy
    // with LoRA adapters mixed with its own base (align's reference with adapters: the same
    // weight arrays), sampled: the models' steps on threads of their own must not change a bit of
    // what is drawn.
    GptArchitecture llama = LlamaModelTest.tiny("llama", false, null, false);
    try (GptModel a = LlamaModelTest.randomised(ENGINE.root(), llama, 31);
        GptModel b = LlamaModelTest.randomised(ENGINE.root(), llama, 32);
        GptModel adapted = LlamaModelTest.randomised(ENGINE.root(), llama, 33)) {
      adapted.addLora(new LoraConfig(2, 4, List.of(LoraConfig.ALL_LINEAR)), 5);
      LoraTest.randomiseB(adapted, 6);
      List<List<GptModel>> mixtures =
          List.of(
              List.of(policy, reference),
              List.of(a, b),
              List.of(policy, reference, policy),
              List.of(adapted, adapted.withoutAdapters()));
      for (List<GptModel> models : mixtures) {
        double[] w = models.size() == 2 ? new double[] {1.5, -0.5} : new double[] {1.2, -0.5, 0.3};
        for (GenerationConfig g :
            List.of(GenerationConfig.sampling(12, 1.0, -1, 7), GenerationConfig.greedy(12, -1))) {
          List<int[]> sideBySide =
              new Generator(models, w, g, true, true).generate(ENGINE.root(), prompts());
          List<int[]> oneAfterTheOther =
              new Generator(models, w, g, true, false).generate(ENGINE.root(), prompts());
          assertSame(oneAfterTheOther, sideBySide);
          assertEquals(12, sideBySide.get(0).length);
        }
      }
    }
  }

  @Test
  void aFailureOnAModelsThreadIsThrownAsItWas() {
    ConfigurationException failure = new ConfigurationException("model", "closed");
    List<java.util.concurrent.Future<?>> passes =
        List.of(
            java.util.concurrent.CompletableFuture.completedFuture(null),
            java.util.concurrent.CompletableFuture.failedFuture(failure),
            java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException()));
    assertTrue(
        failure
            == assertThrows(ConfigurationException.class, () -> Generator.awaitAll(passes, true)));
    Generator.awaitAll(passes, false); // waits, throws nothing: this thread's failure goes on
    AssertionError error = new AssertionError("out of memory, say");
    java.util.concurrent.CompletableFuture<Object> late =
        new java.util.concurrent.CompletableFuture<>();
    new Thread(
            () -> {
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              late.complete(null);
            })
        .start();
    List<java.util.concurrent.Future<?>> withAnError =
        List.of(java.util.concurrent.CompletableFuture.failedFuture(error), late);
    assertTrue(
        error == assertThrows(AssertionError.class, () -> Generator.awaitAll(withAnError, true)));
    assertTrue(late.isDone(), "an error is thrown only once every pass has ended");
  }

  /** Next-token distribution of one model after a one-token prompt, from its own logits. */
  static double[] nextToken(GptModel model, int token) {
    float[] l = GptModelTest.logits(model, new long[] {token});
    double[] p = new double[l.length];
    double max = Double.NEGATIVE_INFINITY;
    for (float x : l) {
      max = Math.max(max, x);
    }
    double z = 0;
    for (int i = 0; i < l.length; i++) {
      p[i] = Math.exp(l[i] - max);
      z += p[i];
    }
    for (int i = 0; i < l.length; i++) {
      p[i] /= z;
    }
    return p;
  }

  @Test
  void theMixedDistributionIsTheProductOfPowers() {
    GptModel a = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 21);
    GptModel b = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 22);
    try (a;
        b) {
      a.parameters().get("wte.weight").muli(15f);
      b.parameters().get("wte.weight").muli(15f);
      double[] pa = nextToken(a, 3);
      double[] pb = nextToken(b, 3);
      for (double[] w : new double[][] {{1.5, -0.5}, {0.5, 0.5}}) {
        double[] expected = new double[pa.length];
        double z = 0;
        for (int i = 0; i < pa.length; i++) {
          expected[i] = Math.pow(pa[i], w[0]) * Math.pow(pb[i], w[1]);
          z += expected[i];
        }
        int draws = 4000;
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < draws; i++) {
          prompts.add(new int[] {3});
        }
        List<int[]> out =
            run(List.of(a, b), w, prompts, GenerationConfig.sampling(1, 1.0, -1, 9), true);
        int[] counts = new int[pa.length];
        out.forEach(r -> counts[r[0]]++);
        for (int i = 0; i < pa.length; i++) {
          double p = expected[i] / z;
          double sd = Math.sqrt(p * (1 - p) / draws);
          assertEquals(
              p,
              (double) counts[i] / draws,
              5 * sd + 1e-3,
              "token " + i + " with weights " + Arrays.toString(w));
        }
      }
    }
  }

  @Test
  void topKAndTopPTruncate() {
    float[] logits = {0f, 1f, 2f, 3f};
    SplittableRandom random = new SplittableRandom(1);
    TokenSampler top1 = new TokenSampler(new GenerationConfig(1, 1.0, 1, 1.0, -1, 0), 4);
    TokenSampler top2 = new TokenSampler(new GenerationConfig(1, 1.0, 2, 1.0, -1, 0), 4);
    // p = softmax(0..3) = 0.032, 0.087, 0.237, 0.644: top-p 0.7 keeps tokens 3 and 2.
    TokenSampler nucleus = new TokenSampler(new GenerationConfig(1, 1.0, 0, 0.7, -1, 0), 4);
    int[] seen2 = new int[4];
    int[] seenP = new int[4];
    for (int i = 0; i < 4000; i++) {
      assertEquals(3, top1.next(logits, 0, random));
      seen2[top2.next(logits, 0, random)]++;
      seenP[nucleus.next(logits, 0, random)]++;
    }
    assertEquals(0, seen2[0] + seen2[1]);
    assertEquals(0, seenP[0] + seenP[1]);
    assertEquals(Math.exp(3) / (Math.exp(3) + Math.exp(2)), seen2[3] / 4000.0, 0.03);
    TokenSampler greedy = new TokenSampler(GenerationConfig.greedy(1, -1), 4);
    assertEquals(3, greedy.next(logits, 0, random));
  }

  @Test
  void suppressedTokensAreNeverDrawnAndTheOthersKeepTheirRatios() {
    float[] logits = {5f, 1f, 2f, 6f};
    SplittableRandom random = new SplittableRandom(3);
    TokenSampler sampler =
        new TokenSampler(GenerationConfig.sampling(1, 1.0, -1, 0).suppressing(0, 3), 4);
    int[] seen = new int[4];
    for (int i = 0; i < 4000; i++) {
      seen[sampler.next(logits, 0, random)]++;
    }
    assertEquals(0, seen[0] + seen[3], "the two most likely tokens are suppressed");
    assertEquals(Math.exp(2) / (Math.exp(1) + Math.exp(2)), seen[2] / 4000.0, 0.03);
    TokenSampler greedy = new TokenSampler(GenerationConfig.greedy(1, -1).suppressing(3), 4);
    assertEquals(0, greedy.next(logits, 0, random), "greedy takes the best allowed token");
    TokenSampler topK =
        new TokenSampler(new GenerationConfig(1, 1.0, 1, 1.0, -1, 0).suppressing(3), 4);
    assertEquals(0, topK.next(logits, 0, random), "top-k counts only allowed tokens");
    assertThrows(
        ConfigurationException.class,
        () -> GenerationConfig.sampling(1, 1.0, 2, 0).suppressing(2),
        "the end-of-sequence token cannot be suppressed");
    assertThrows(
        ConfigurationException.class,
        () -> new TokenSampler(GenerationConfig.greedy(1, -1).suppressing(0, 1), 2));
  }

  @Test
  void generatedResponsesNeverContainSuppressedTokens() {
    GenerationConfig hot = GenerationConfig.sampling(24, 3.0, EOS, 11);
    List<int[]> free = run(List.of(policy), new double[] {1}, prompts(), hot, true);
    int[] banned = {0, 1, 4};
    List<int[]> masked =
        run(List.of(policy), new double[] {1}, prompts(), hot.suppressing(banned), true);
    boolean freeHas = false;
    for (int[] r : free) {
      for (int t : r) {
        freeHas |= t == 0 || t == 1 || t == 4;
      }
    }
    assertTrue(freeHas, "at a high temperature the unmasked model draws these tokens");
    for (int[] r : masked) {
      for (int t : r) {
        assertTrue(t != 0 && t != 1 && t != 4, "suppressed token " + t + " was generated");
      }
    }
  }

  @Test
  void badRequestsFailWithTheFix() {
    ConfigurationException tooLong =
        assertThrows(
            ConfigurationException.class,
            () ->
                run(
                    List.of(policy),
                    new double[] {1},
                    List.of(new int[40]),
                    GenerationConfig.greedy(10, -1),
                    true));
    assertTrue(
        tooLong
            .getMessage()
            .contains(
                "prompt 1 has 40 tokens; with 10 new tokens it needs a context of 50, the model has"),
        tooLong.getMessage());
    assertTrue(
        tooLong.getMessage().endsWith("; lower the number of new tokens or shorten the prompt"));
    assertThrows(
        ConfigurationException.class,
        () ->
            run(
                List.of(policy),
                new double[] {1, 1},
                prompts(),
                GenerationConfig.greedy(1, -1),
                true));
    assertThrows(
        ConfigurationException.class,
        () ->
            run(
                List.of(policy),
                new double[] {1},
                List.of(new int[0]),
                GenerationConfig.greedy(1, -1),
                true));
  }
}
