package dpo.datasets.synthetic;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code ordered-topics} task: describe two or three requested topics in the requested order,
 * at a requested length, without one forbidden word. A benchmark with headroom: its reward has
 * several graded parts that depend on the prompt, so one DPO iteration does not exhaust it.
 *
 * <p><b>Prompts</b> name an ordered list of two or three distinct topics out of 128 nouns, a target
 * length L in {16, 24, 32, 40} words and a forbidden adjective out of 64, e.g. {@code describe maps
 * then bees then rivers in 24 words without green}. There are {@value #PROMPT_COUNT} distinct
 * prompts of at most {@value #MAX_PROMPT_WORDS} words, over a vocabulary of 221 words.
 *
 * <p><b>Responses</b> are sentences {@code [det] noun verb [adv] adj (conj [adv] adj)* .}, e.g.
 * {@code the maps are old and very green . some bees seem calm but small .} ({@code .} is a word).
 * With t_1..t_k the requested topics, n the number of words, the reward is
 *
 * <pre>
 * r = (0.25 c + 0.2 o + 0.15 g + 0.2 l + 0.2 d) (1 - rho) - 0.3 e - 0.25 min(v, 2),   in [-0.8, 1]
 * </pre>
 *
 * <ul>
 *   <li>c (coverage): the share of the k topics the response mentions;
 *   <li>o (order): the share of the k - 1 consecutive requested pairs (t_i, t_i+1) that are both
 *       mentioned with the first mention of t_i before the first mention of t_i+1;
 *   <li>g (fluency): the share of the n + 1 word transitions, start and end included, that the
 *       grammar above allows;
 *   <li>l (length): max(0, 1 - |n - L| / 12), 1 at the target, 0 at 12 words from it;
 *   <li>d (detail): the number of distinct adjectives other than the forbidden one over 2 k, at
 *       most 1;
 *   <li>rho (repetition): the share of word bigrams that repeat an earlier one;
 *   <li>e (extraneous): the share of the distinct nouns mentioned that were not requested (0 if
 *       none is mentioned);
 *   <li>v (violations): how often the forbidden adjective occurs.
 * </ul>
 *
 * <p>The parts interact with the prompt and with each other: order and coverage need the topics
 * copied from the prompt in sequence, the length target needs counting (at L = 16 with three topics
 * the detail credit, two adjectives per topic, costs length), and the forbidden word must be read
 * from the prompt and avoided although it is an ordinary adjective elsewhere.
 *
 * <p><b>Demonstrations</b>: {@code good} ones cover the topics in order, avoid the forbidden word
 * and do not repeat bigrams, with a length drawn between 0.7 L and 1.1 L (so they are good but not
 * perfect on length); poor ones are {@code wrong-order} (the topics in another order), {@code
 * partial} (a topic left out), {@code forbidden} (the forbidden word used), {@code off-topic} (a
 * sentence about an unrequested noun added), {@code terse} (one short sentence per topic) or {@code
 * repetitive} (one sentence repeated).
 *
 * <p>{@link #corpusSeed} is fixed: every seed's supervised reference learns from the same
 * demonstration corpus, so references differ between seeds only by their initialisation and the
 * order of their batches.
 */
public final class OrderedTopicsTask implements SyntheticTask {
  /** This task's id. */
  public static final String ID = "ordered-topics";

  /** The number of distinct prompts. */
  public static final int PROMPT_COUNT = 528_515_072;

  /** The longest prompt, in words ({@code describe a then b then c in 40 words without x}). */
  public static final int MAX_PROMPT_WORDS = 11;

  /** The response length beyond which the length credit is 0 (the longest target + 12). */
  public static final int MAX_RESPONSE_WORDS = 52;

  /** The seed of the prompts of the demonstration corpus, the same for every run seed. */
  public static final long CORPUS_SEED = 0x0DDE5L;

  private static final String END = ".";
  private static final List<String> TOPICS =
      Words.of(
          "rivers stars bread music trees birds cities rain stones boats gardens clocks maps bees"
              + " snow lamps apples bridges candles doors engines feathers forests glasses hills"
              + " islands jars kites ladders lakes leaves letters markets meadows mirrors mountains"
              + " nests oceans owls paintings pebbles pianos pillows planets ponds rabbits ribbons"
              + " roads roofs ropes sails seeds shells ships shoes songs spoons stairs storms"
              + " streets tables tents towers trains tunnels valleys wagons walls waves wells"
              + " whales wheels windows wolves yards anchors baskets bells blankets books bottles"
              + " buttons cabins castles caves chairs clouds coins cookies crabs deserts drums"
              + " eagles fences fields flags flowers foxes frogs gates glaciers harbors helmets"
              + " horses kettles keys lanterns lemons lions moths needles orchards oranges parrots"
              + " pears pencils rockets saddles scarves sheep shovels skates sleds spiders"
              + " squirrels statues tigers tulips");
  private static final List<String> ADJECTIVES =
      Words.of(
          "calm bright old small green quiet useful strange warm cold soft hard tall short wide"
              + " narrow heavy light dark pale loud gentle swift slow rough smooth sharp blunt"
              + " sweet bitter fresh stale clean dusty shiny dull round square young ancient wild"
              + " tame rich plain brave shy proud humble busy idle early late deep shallow thick"
              + " thin dry wet empty full silver golden purple crimson");
  private static final List<String> DETERMINERS = Words.of("the a some this every");
  private static final List<String> VERBS = Words.of("is are seems seem looks feels stays");
  private static final List<String> ADVERBS = Words.of("very quite rather so");
  private static final List<String> CONJUNCTIONS = Words.of("and but yet");
  private static final List<Integer> TARGETS = List.of(16, 24, 32, 40);
  private static final List<String> PROMPT_WORDS =
      Stream.concat(
              Words.of("describe then in words without").stream(),
              TARGETS.stream().map(String::valueOf))
          .toList();

  private static final int LENGTH_TOLERANCE = 12;
  private static final int TOPIC_COUNT = 128;
  private static final int TWO_TOPICS = TOPIC_COUNT * (TOPIC_COUNT - 1);
  private static final int TUPLES = TWO_TOPICS + TWO_TOPICS * (TOPIC_COUNT - 2);

  /** Grammar classes of the words; a transition between classes is allowed or not. */
  private enum WordClass {
    START,
    STOP,
    DETERMINER,
    NOUN,
    VERB,
    ADVERB,
    ADJECTIVE,
    CONJUNCTION,
    PERIOD,
    OTHER
  }

  private static final Map<String, WordClass> CLASSES = classes();
  private static final Map<WordClass, Set<WordClass>> NEXT = grammar();
  private static final List<String> VOCABULARY =
      Stream.of(
              DETERMINERS,
              TOPICS,
              VERBS,
              ADVERBS,
              ADJECTIVES,
              CONJUNCTIONS,
              List.of(END),
              PROMPT_WORDS)
          .flatMap(List::stream)
          .distinct()
          .collect(Collectors.toUnmodifiableList());
  private static final Set<String> TOPIC_SET = Set.copyOf(TOPICS);
  private static final Set<String> ADJECTIVE_SET = Set.copyOf(ADJECTIVES);
  private static final List<String> POOR_KINDS =
      List.of("wrong-order", "partial", "forbidden", "off-topic", "terse", "repetitive");

  /** Creates the task; it holds no state. */
  public OrderedTopicsTask() {
    if (TOPICS.size() != TOPIC_COUNT
        || ADJECTIVES.size() != 64
        || (long) TUPLES * TARGETS.size() * ADJECTIVES.size() != PROMPT_COUNT) {
      throw new IllegalStateException("the word lists do not match PROMPT_COUNT");
    }
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "describe 2-3 topics in a requested order, at a requested length, without a forbidden"
        + " word; graded reward, 221 words";
  }

  @Override
  public List<String> vocabulary() {
    return VOCABULARY;
  }

  @Override
  public int maxPromptWords() {
    return MAX_PROMPT_WORDS;
  }

  @Override
  public int maxResponseWords() {
    return MAX_RESPONSE_WORDS;
  }

  @Override
  public int promptCount() {
    return PROMPT_COUNT;
  }

  @Override
  public long corpusSeed(long seed) {
    return CORPUS_SEED;
  }

  @Override
  public String prompt(int index, long seed) {
    int code = new IndexPermutation(PROMPT_COUNT, seed).apply(index);
    String forbidden = ADJECTIVES.get(code % ADJECTIVES.size());
    code /= ADJECTIVES.size();
    int target = TARGETS.get(code % TARGETS.size());
    List<String> topics = topicTuple(code / TARGETS.size());
    return "describe "
        + String.join(" then ", topics)
        + " in "
        + target
        + " words without "
        + forbidden;
  }

  /** Decodes an ordered tuple of two or three distinct topics from its rank. */
  private static List<String> topicTuple(int rank) {
    int length = rank < TWO_TOPICS ? 2 : 3;
    if (length == 3) {
      rank -= TWO_TOPICS;
    }
    // Mixed radix: 128 choices for the first topic, then 127, then 126.
    int[] digits = new int[length];
    for (int k = length - 1; k >= 0; k--) {
      int radix = TOPIC_COUNT - k;
      digits[k] = rank % radix;
      rank /= radix;
    }
    List<String> remaining = new ArrayList<>(TOPICS);
    List<String> tuple = new ArrayList<>(length);
    for (int digit : digits) {
      tuple.add(remaining.remove(digit));
    }
    return tuple;
  }

  @Override
  public RewardBreakdown score(String prompt, String response) {
    Request request = Request.of(prompt);
    List<String> words = Words.of(response);
    int n = words.size();
    int k = request.topics.size();

    Map<String, Integer> firstMention = new HashMap<>();
    for (int i = 0; i < n; i++) {
      firstMention.putIfAbsent(words.get(i), i);
    }
    double coverage =
        k == 0 ? 1 : request.topics.stream().filter(firstMention::containsKey).count() / (double) k;
    int ordered = 0;
    for (int i = 0; i + 1 < k; i++) {
      Integer a = firstMention.get(request.topics.get(i));
      Integer b = firstMention.get(request.topics.get(i + 1));
      if (a != null && b != null && a < b) {
        ordered++;
      }
    }
    double order = k < 2 ? coverage : ordered / (double) (k - 1);
    double fluency =
        Words.fluency(words, CLASSES, WordClass.OTHER, WordClass.START, WordClass.STOP, NEXT);
    double length =
        request.target < 0
            ? 0
            : Math.max(0, 1 - Math.abs(n - request.target) / (double) LENGTH_TOLERANCE);
    long adjectives =
        firstMention.keySet().stream()
            .filter(w -> ADJECTIVE_SET.contains(w) && !w.equals(request.forbidden))
            .count();
    double detail = Math.min(1, adjectives / (2.0 * Math.max(1, k)));
    double repetition = Words.repetition(words);
    List<String> nouns = firstMention.keySet().stream().filter(TOPIC_SET::contains).toList();
    double extraneous =
        nouns.isEmpty()
            ? 0
            : nouns.stream().filter(w -> !request.topics.contains(w)).count()
                / (double) nouns.size();
    long violations = words.stream().filter(w -> w.equals(request.forbidden)).count();

    double quality =
        (0.25 * coverage + 0.2 * order + 0.15 * fluency + 0.2 * length + 0.2 * detail)
            * (1 - repetition);
    double penalty = 0.3 * extraneous + 0.25 * Math.min(violations, 2);
    Map<String, Double> aspects = new LinkedHashMap<>();
    aspects.put("coverage", coverage);
    aspects.put("order", order);
    aspects.put("fluency", fluency);
    aspects.put("length", length);
    aspects.put("detail", detail);
    aspects.put("repetition", repetition);
    aspects.put("extraneous", extraneous);
    aspects.put("violations", (double) violations);
    return new RewardBreakdown(quality - penalty, aspects);
  }

  @Override
  public Demonstration demonstration(String prompt, double goodShare, SplittableRandom random) {
    if (!(goodShare >= 0 && goodShare <= 1)) {
      throw new IllegalArgumentException("goodShare must be in [0, 1], got " + goodShare);
    }
    Request request = Request.of(prompt);
    if (request.topics.size() < 2 || request.target < 0 || request.forbidden == null) {
      throw new IllegalArgumentException(
          "the prompt '"
              + prompt
              + "' is not one of task "
              + ID
              + " (describe TOPIC then TOPIC [then TOPIC] in L words without ADJECTIVE); use a"
              + " prompt from prompt(index, seed)");
    }
    String kind =
        random.nextDouble() < goodShare
            ? "good"
            : POOR_KINDS.get(random.nextInt(POOR_KINDS.size()));
    List<String> adjectives = Words.shuffled(ADJECTIVES, random);
    adjectives.remove(request.forbidden);
    List<String> topics = new ArrayList<>(request.topics);
    double share = 0.7 + 0.4 * random.nextDouble();
    int total = (int) Math.round(request.target * share);
    List<String> response = new ArrayList<>();
    switch (kind) {
      case "good":
        break;
      case "wrong-order":
        List<String> original = List.copyOf(topics);
        while (topics.equals(original)) {
          Collections.swap(topics, random.nextInt(topics.size()), random.nextInt(topics.size()));
        }
        break;
      case "partial":
        topics.remove(random.nextInt(topics.size()));
        break;
      case "forbidden":
        adjectives.add(0, request.forbidden);
        break;
      case "off-topic":
        List<String> others = new ArrayList<>(TOPICS);
        others.removeAll(topics);
        topics.add(random.nextInt(topics.size() + 1), others.get(random.nextInt(others.size())));
        break;
      case "terse":
        total = 4 * topics.size();
        break;
      default:
        List<String> sentence = sentence(topics.get(0), 5, adjectives, random);
        for (int r = 2 + random.nextInt(3); r > 0; r--) {
          response.addAll(sentence);
        }
        return new Demonstration(prompt, String.join(" ", response), kind, false);
    }
    int budget = Math.max(4 * topics.size(), total);
    for (int t = 0; t < topics.size(); t++) {
      // Spread the budget evenly; each sentence is at least 4 words (det noun verb adj .) - 1.
      int words = budget * (t + 1) / topics.size() - budget * t / topics.size();
      response.addAll(sentence(topics.get(t), words, adjectives, random));
    }
    return new Demonstration(prompt, String.join(" ", response), kind, kind.equals("good"));
  }

  /**
   * One fluent sentence about a topic of about {@code words} words: {@code [det] noun verb adj
   * (conj adj)* .}, with an adverb for an odd word left over; adjectives are taken from the front
   * of {@code adjectives} and removed, so none repeats within a response.
   */
  private static List<String> sentence(
      String topic, int words, List<String> adjectives, SplittableRandom random) {
    List<String> out = new ArrayList<>();
    boolean determiner = words >= 5 || random.nextBoolean();
    if (determiner) {
      out.add(DETERMINERS.get(random.nextInt(DETERMINERS.size())));
    }
    out.add(topic);
    out.add(VERBS.get(random.nextInt(VERBS.size())));
    int left = words - out.size() - 2; // the first adjective and the period
    if (left % 2 == 1 && left > 0) {
      out.add(ADVERBS.get(random.nextInt(ADVERBS.size())));
      left--;
    }
    out.add(adjectives.remove(0));
    for (; left >= 2 && adjectives.size() > 1; left -= 2) {
      out.add(CONJUNCTIONS.get(random.nextInt(CONJUNCTIONS.size())));
      out.add(adjectives.remove(0));
    }
    out.add(END);
    return out;
  }

  /**
   * What a prompt asks for: its topics in order, the target length (-1 if none) and the forbidden
   * word (null if none).
   */
  private record Request(List<String> topics, int target, String forbidden) {
    static Request of(String prompt) {
      List<String> words = Words.of(prompt);
      List<String> topics = new ArrayList<>();
      int target = -1;
      String forbidden = null;
      for (int i = 0; i < words.size(); i++) {
        String word = words.get(i);
        if (TOPIC_SET.contains(word) && !topics.contains(word)) {
          topics.add(word);
        } else if (word.equals("in") && i + 1 < words.size()) {
          target = parseTarget(words.get(i + 1));
        } else if (word.equals("without") && i + 1 < words.size()) {
          forbidden = words.get(i + 1);
        }
      }
      return new Request(List.copyOf(topics), target, forbidden);
    }

    private static int parseTarget(String word) {
      for (int t : TARGETS) {
        if (word.equals(String.valueOf(t))) {
          return t;
        }
      }
      return -1;
    }
  }

  private static Map<String, WordClass> classes() {
    Map<String, WordClass> classes = new HashMap<>();
    DETERMINERS.forEach(w -> classes.put(w, WordClass.DETERMINER));
    TOPICS.forEach(w -> classes.put(w, WordClass.NOUN));
    VERBS.forEach(w -> classes.put(w, WordClass.VERB));
    ADVERBS.forEach(w -> classes.put(w, WordClass.ADVERB));
    ADJECTIVES.forEach(w -> classes.put(w, WordClass.ADJECTIVE));
    CONJUNCTIONS.forEach(w -> classes.put(w, WordClass.CONJUNCTION));
    classes.put(END, WordClass.PERIOD);
    // Prompt-only words (describe, then, numbers, ...) stay OTHER: echoing the prompt is not
    // fluent.
    return Map.copyOf(classes);
  }

  private static Map<WordClass, Set<WordClass>> grammar() {
    Map<WordClass, Set<WordClass>> next = new HashMap<>();
    next.put(WordClass.START, Set.of(WordClass.DETERMINER, WordClass.NOUN));
    next.put(WordClass.PERIOD, Set.of(WordClass.DETERMINER, WordClass.NOUN, WordClass.STOP));
    next.put(WordClass.DETERMINER, Set.of(WordClass.NOUN));
    next.put(WordClass.NOUN, Set.of(WordClass.VERB));
    next.put(WordClass.VERB, Set.of(WordClass.ADVERB, WordClass.ADJECTIVE));
    next.put(WordClass.ADVERB, Set.of(WordClass.ADJECTIVE));
    next.put(WordClass.ADJECTIVE, Set.of(WordClass.CONJUNCTION, WordClass.PERIOD));
    next.put(WordClass.CONJUNCTION, Set.of(WordClass.ADVERB, WordClass.ADJECTIVE));
    next.put(WordClass.OTHER, Set.of());
    next.put(WordClass.STOP, Set.of());
    return Map.copyOf(next);
  }
}
