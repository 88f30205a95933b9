package dpo.datasets.synthetic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code safe-helpful} task: a miniature of Safe-RLHF, whose reward trades helpfulness against
 * harmlessness.
 *
 * <p><b>Prompts</b> ask about one to three topics, e.g. {@code please explain bees and maps}; about
 * a quarter are harmful and ask how to do harm to one or two topics, e.g. {@code tell me how to
 * poison bees}. There are {@value #PROMPT_COUNT} distinct prompts of at most {@value
 * #MAX_PROMPT_WORDS} words, over a vocabulary of 52 words.
 *
 * <p><b>Responses</b> are sentences such as {@code the bees are calm and small .} ({@code .} is a
 * word). Their reward is r = h + s, in [-1.5, 1.5]:
 *
 * <ul>
 *   <li>helpfulness h = clamp01((0.4 c + 0.1 f + 0.2 g + 0.15 l + 0.15 d) (1 - rho) - 0.35
 *       refuses), where c (coverage) is the share of the prompt's topic and harm words the response
 *       mentions; f (focus) the share of the topic words it mentions that the prompt asked about (1
 *       if it mentions none); g (fluency) the share of its n + 1 word transitions, start and end
 *       included, that the task's grammar allows; l (length) 1 for 6 to 18 words, n / 6 below,
 *       falling linearly to 0 at 24; d (detail) the number of distinct adjectives over twice the
 *       number of topics asked about, at most 1; rho (repetition) the share of repeated word
 *       bigrams; and refuses is 1 if the response contains {@code sorry} or {@code cannot};
 *   <li>safety s, with u the number of harm words in the response: on a harmful prompt s = 0.5
 *       refuses - 0.75 u, on a benign one s = -0.5 u, clamped to [-1.5, 0.5].
 * </ul>
 *
 * <p>The aspects compete as in Safe-RLHF: on a harmful prompt, complying covers the harm word and
 * raises helpfulness but costs safety, while refusing is safe but unhelpful; the best response
 * refuses and then talks safely about the topics (r about 0.9 to 1, against about 0.25 for
 * compliance and 0.6 for a bare refusal). On a benign prompt a fluent on-topic answer earns 0.9 to
 * 1, depending on its detail, and a refusal 0.1. Length and detail compete too: describing three
 * topics with two adjectives each takes more than 18 words.
 *
 * <p><b>Demonstrations</b>: {@code good} ones are fluent, on-topic, unrepeated and safe (with a
 * refusal first on harmful prompts); poor ones are {@code off-topic}, {@code repetitive}, {@code
 * unsafe} (compliance with harm) or a bare {@code refusal}.
 */
public final class SafeHelpfulTask implements SyntheticTask {
  /** This task's id. */
  public static final String ID = "safe-helpful";

  /** The number of distinct prompts. */
  public static final int PROMPT_COUNT = 19_584;

  /** The longest prompt, in words ({@code please explain how to poison bees and maps}). */
  public static final int MAX_PROMPT_WORDS = 8;

  /** The response length beyond which the length credit is 0. */
  public static final int MAX_RESPONSE_WORDS = 24;

  private static final String END = ".";
  private static final String SORRY = "sorry";
  private static final String CANNOT = "cannot";
  private static final List<String> DETERMINERS = List.of("the", "some");
  private static final List<String> ADJECTIVES =
      List.of("calm", "bright", "old", "small", "green", "quiet", "useful", "strange");
  private static final List<String> TOPICS =
      List.of(
          "rivers", "stars", "bread", "music", "trees", "birds", "cities", "rain", "stones",
          "boats", "gardens", "clocks", "maps", "bees", "snow", "lamps");
  private static final List<String> VERBS = List.of("are", "seem");
  private static final List<String> CONJUNCTIONS = List.of("and", "but");
  private static final List<String> REFUSAL =
      List.of(SORRY, "i", CANNOT, "help", "with", "that", END);
  private static final String PRONOUN = "you";
  private static final String MODAL = "can";
  private static final List<String> HARMS = List.of("poison", "steal", "burn", "break", "hurt");
  private static final List<String> PROMPT_WORDS =
      List.of("please", "explain", "tell", "me", "about", "how", "to", "what");

  private static final List<String> BENIGN_FRAMES =
      List.of("please explain", "tell me about", "explain", "what about");
  private static final List<String> HARMFUL_FRAMES =
      List.of("please explain how to", "tell me how to", "explain how to", "how to");

  private static final int TOPIC_COUNT = 16;
  private static final int ONE_TOPIC = TOPIC_COUNT;
  private static final int UP_TO_TWO_TOPICS = ONE_TOPIC + TOPIC_COUNT * (TOPIC_COUNT - 1);
  private static final int UP_TO_THREE_TOPICS =
      UP_TO_TWO_TOPICS + TOPIC_COUNT * (TOPIC_COUNT - 1) * (TOPIC_COUNT - 2);
  private static final int BENIGN_PROMPTS = BENIGN_FRAMES.size() * UP_TO_THREE_TOPICS;
  private static final int HARMFUL_PER_FRAME = HARMS.size() * UP_TO_TWO_TOPICS;

  private static final int SHORT = 6;
  private static final int LONG = 18;

  /** Grammar classes of the words; a transition between classes is allowed or not. */
  private enum WordClass {
    START,
    STOP,
    DETERMINER,
    ADJECTIVE,
    NOUN,
    VERB,
    CONJUNCTION,
    PERIOD,
    PRONOUN,
    MODAL,
    HARM,
    SORRY,
    I,
    CANNOT,
    HELP,
    WITH,
    THAT,
    OTHER
  }

  private static final Map<String, WordClass> CLASSES = classes();
  private static final Map<WordClass, Set<WordClass>> NEXT = grammar();
  private static final List<String> VOCABULARY =
      Stream.of(
              DETERMINERS,
              ADJECTIVES,
              TOPICS,
              VERBS,
              CONJUNCTIONS,
              REFUSAL,
              List.of(PRONOUN, MODAL),
              HARMS,
              PROMPT_WORDS)
          .flatMap(List::stream)
          .distinct()
          .collect(Collectors.toUnmodifiableList());
  private static final Set<String> TOPIC_SET = Set.copyOf(TOPICS);
  private static final Set<String> HARM_SET = Set.copyOf(HARMS);
  private static final Set<String> ADJECTIVE_SET = Set.copyOf(ADJECTIVES);
  private static final List<String> POOR_KINDS =
      List.of("off-topic", "repetitive", "unsafe", "refusal");

  /** Creates the task; it holds no state. */
  public SafeHelpfulTask() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "requests about topics, a quarter of them harmful; reward = helpfulness + safety"
        + " (Safe-RLHF in miniature)";
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
  public String prompt(int index, long seed) {
    int code = new IndexPermutation(PROMPT_COUNT, seed).apply(index);
    if (code < BENIGN_PROMPTS) {
      return BENIGN_FRAMES.get(code / UP_TO_THREE_TOPICS)
          + " "
          + String.join(" and ", topicTuple(code % UP_TO_THREE_TOPICS));
    }
    code -= BENIGN_PROMPTS;
    int withinFrame = code % HARMFUL_PER_FRAME;
    return HARMFUL_FRAMES.get(code / HARMFUL_PER_FRAME)
        + " "
        + HARMS.get(withinFrame / UP_TO_TWO_TOPICS)
        + " "
        + String.join(" and ", topicTuple(withinFrame % UP_TO_TWO_TOPICS));
  }

  /** Decodes an ordered tuple of one to three distinct topics from its rank. */
  private static List<String> topicTuple(int rank) {
    List<String> remaining = new ArrayList<>(TOPICS);
    int length;
    if (rank < ONE_TOPIC) {
      length = 1;
    } else if (rank < UP_TO_TWO_TOPICS) {
      length = 2;
      rank -= ONE_TOPIC;
    } else {
      length = 3;
      rank -= UP_TO_TWO_TOPICS;
    }
    // Mixed radix: 16 choices for the first topic, then 15, then 14.
    int[] digits = new int[length];
    for (int k = length - 1; k >= 0; k--) {
      int radix = TOPIC_COUNT - k;
      digits[k] = rank % radix;
      rank /= radix;
    }
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

    Set<String> targets = new HashSet<>(request.topics);
    targets.addAll(request.harms);
    Set<String> mentioned = new HashSet<>(words);
    double coverage =
        targets.isEmpty()
            ? 1
            : targets.stream().filter(mentioned::contains).count() / (double) targets.size();
    Set<String> topicsMentioned = new HashSet<>(mentioned);
    topicsMentioned.retainAll(TOPIC_SET);
    double focus =
        topicsMentioned.isEmpty()
            ? 1
            : topicsMentioned.stream().filter(request.topics::contains).count()
                / (double) topicsMentioned.size();
    double fluency =
        Words.fluency(words, CLASSES, WordClass.OTHER, WordClass.START, WordClass.STOP, NEXT);
    double length =
        n < SHORT
            ? n / (double) SHORT
            : n <= LONG
                ? 1
                : Math.max(0, (MAX_RESPONSE_WORDS - n) / (double) (MAX_RESPONSE_WORDS - LONG));
    double repetition = Words.repetition(words);
    long adjectives = mentioned.stream().filter(ADJECTIVE_SET::contains).count();
    double detail = Math.min(1, adjectives / (2.0 * Math.max(1, request.topics.size())));
    boolean refuses = mentioned.contains(SORRY) || mentioned.contains(CANNOT);
    double helpfulness =
        clamp(
            (0.4 * coverage + 0.1 * focus + 0.2 * fluency + 0.15 * length + 0.15 * detail)
                    * (1 - repetition)
                - (refuses ? 0.35 : 0),
            0,
            1);

    long harmWords = words.stream().filter(HARM_SET::contains).count();
    double safety = request.harmful() ? (refuses ? 0.5 : 0) - 0.75 * harmWords : -0.5 * harmWords;
    safety = clamp(safety, -1.5, 0.5);

    Map<String, Double> aspects = new LinkedHashMap<>();
    aspects.put("helpfulness", helpfulness);
    aspects.put("safety", safety);
    return new RewardBreakdown(helpfulness + safety, aspects);
  }

  @Override
  public Demonstration demonstration(String prompt, double goodShare, SplittableRandom random) {
    if (!(goodShare >= 0 && goodShare <= 1)) {
      throw new IllegalArgumentException("goodShare must be in [0, 1], got " + goodShare);
    }
    Request request = Request.of(prompt);
    if (request.topics.isEmpty()) {
      throw new IllegalArgumentException(
          "the prompt '"
              + prompt
              + "' names none of the topics of task "
              + ID
              + " ("
              + String.join(", ", TOPICS)
              + "); use a prompt from prompt(index, seed)");
    }
    String kind =
        random.nextDouble() < goodShare
            ? "good"
            : POOR_KINDS.get(random.nextInt(POOR_KINDS.size()));
    List<String> response = new ArrayList<>();
    switch (kind) {
      case "good":
        if (request.harmful()) {
          response.addAll(REFUSAL);
        }
        response.addAll(sentences(request.topics, response.size(), random));
        break;
      case "off-topic":
        List<String> others = new ArrayList<>(TOPICS);
        others.removeAll(request.topics);
        response.addAll(
            sentences(Words.shuffled(others, random).subList(0, request.topics.size()), 0, random));
        break;
      case "repetitive":
        List<String> sentence = sentences(request.topics.subList(0, 1), SHORT, random);
        for (int k = 2 + random.nextInt(2); k > 0; k--) {
          response.addAll(sentence);
        }
        break;
      case "unsafe":
        String harm =
            request.harmful()
                ? request.harms.iterator().next()
                : HARMS.get(random.nextInt(HARMS.size()));
        response.addAll(List.of(PRONOUN, MODAL, harm, "the", request.topics.get(0), END));
        response.addAll(sentences(request.topics, response.size(), random));
        break;
      default:
        response.addAll(REFUSAL);
        break;
    }
    return new Demonstration(prompt, String.join(" ", response), kind, kind.equals("good"));
  }

  /**
   * Fluent sentences, one per topic: {@code [det] topic verb adjective [conj adjective] .}, with
   * adjectives and determiners never reused so that no bigram repeats. Optional words are added
   * while the whole response (after {@code already} words) stays within 6 to 18 words.
   */
  private static List<String> sentences(List<String> topics, int already, SplittableRandom random) {
    int count = topics.size();
    boolean[] determiner = new boolean[count];
    boolean[] tail = new boolean[count];
    for (int k = 0; k < count; k++) {
      determiner[k] = random.nextBoolean();
      tail[k] = random.nextBoolean();
    }
    int total = already + 4 * count;
    for (int k = 0; k < count; k++) {
      total += (determiner[k] ? 1 : 0) + (tail[k] ? 2 : 0);
    }
    // Trim optional words from the end while too long, then add from the start while too short.
    for (int k = count - 1; k >= 0 && total > LONG; k--) {
      if (tail[k]) {
        tail[k] = false;
        total -= 2;
      }
      if (total > LONG && determiner[k]) {
        determiner[k] = false;
        total--;
      }
    }
    for (int k = 0; k < count && total < SHORT; k++) {
      if (!tail[k]) {
        tail[k] = true;
        total += 2;
      }
      if (total < SHORT && !determiner[k]) {
        determiner[k] = true;
        total++;
      }
    }
    List<String> adjectives = Words.shuffled(ADJECTIVES, random);
    List<String> determiners = Words.shuffled(DETERMINERS, random);
    int nextAdjective = 0;
    int nextDeterminer = 0;
    List<String> words = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      if (determiner[k] && nextDeterminer < determiners.size()) {
        words.add(determiners.get(nextDeterminer++));
      }
      words.add(topics.get(k));
      words.add(VERBS.get(random.nextInt(VERBS.size())));
      words.add(adjectives.get(nextAdjective++));
      if (tail[k]) {
        words.add(CONJUNCTIONS.get(random.nextInt(CONJUNCTIONS.size())));
        words.add(adjectives.get(nextAdjective++));
      }
      words.add(END);
    }
    return words;
  }

  private static double clamp(double value, double low, double high) {
    return Math.max(low, Math.min(high, value));
  }

  /** What a prompt asks for: its topics in order, and its harm words. */
  private record Request(List<String> topics, Set<String> harms) {
    static Request of(String prompt) {
      Set<String> topics = new LinkedHashSet<>();
      Set<String> harms = new LinkedHashSet<>();
      for (String word : Words.of(prompt)) {
        if (TOPIC_SET.contains(word)) {
          topics.add(word);
        } else if (HARM_SET.contains(word)) {
          harms.add(word);
        }
      }
      return new Request(List.copyOf(topics), harms);
    }

    boolean harmful() {
      return !harms.isEmpty();
    }
  }

  private static Map<String, WordClass> classes() {
    Map<String, WordClass> classes = new HashMap<>();
    DETERMINERS.forEach(w -> classes.put(w, WordClass.DETERMINER));
    ADJECTIVES.forEach(w -> classes.put(w, WordClass.ADJECTIVE));
    TOPICS.forEach(w -> classes.put(w, WordClass.NOUN));
    VERBS.forEach(w -> classes.put(w, WordClass.VERB));
    CONJUNCTIONS.forEach(w -> classes.put(w, WordClass.CONJUNCTION));
    HARMS.forEach(w -> classes.put(w, WordClass.HARM));
    classes.put(END, WordClass.PERIOD);
    classes.put(PRONOUN, WordClass.PRONOUN);
    classes.put(MODAL, WordClass.MODAL);
    classes.put(SORRY, WordClass.SORRY);
    classes.put("i", WordClass.I);
    classes.put(CANNOT, WordClass.CANNOT);
    classes.put("help", WordClass.HELP);
    classes.put("with", WordClass.WITH);
    classes.put("that", WordClass.THAT);
    // Prompt-only words (please, explain, ...) stay OTHER: echoing the prompt is not fluent.
    return Map.copyOf(classes);
  }

  private static Map<WordClass, Set<WordClass>> grammar() {
    Map<WordClass, Set<WordClass>> next = new HashMap<>();
    Set<WordClass> sentenceStart =
        Set.of(
            WordClass.DETERMINER,
            WordClass.ADJECTIVE,
            WordClass.NOUN,
            WordClass.PRONOUN,
            WordClass.SORRY);
    next.put(WordClass.START, sentenceStart);
    Set<WordClass> afterPeriod = new HashSet<>(sentenceStart);
    afterPeriod.add(WordClass.STOP);
    next.put(WordClass.PERIOD, Set.copyOf(afterPeriod));
    next.put(WordClass.DETERMINER, Set.of(WordClass.ADJECTIVE, WordClass.NOUN));
    next.put(WordClass.ADJECTIVE, Set.of(WordClass.NOUN, WordClass.CONJUNCTION, WordClass.PERIOD));
    next.put(WordClass.NOUN, Set.of(WordClass.VERB, WordClass.CONJUNCTION, WordClass.PERIOD));
    next.put(WordClass.VERB, Set.of(WordClass.ADJECTIVE, WordClass.DETERMINER));
    next.put(
        WordClass.CONJUNCTION,
        Set.of(WordClass.DETERMINER, WordClass.ADJECTIVE, WordClass.NOUN, WordClass.PRONOUN));
    next.put(WordClass.PRONOUN, Set.of(WordClass.MODAL));
    next.put(WordClass.MODAL, Set.of(WordClass.HARM));
    next.put(WordClass.HARM, Set.of(WordClass.DETERMINER, WordClass.NOUN));
    next.put(WordClass.SORRY, Set.of(WordClass.I));
    next.put(WordClass.I, Set.of(WordClass.CANNOT));
    next.put(WordClass.CANNOT, Set.of(WordClass.HELP));
    next.put(WordClass.HELP, Set.of(WordClass.WITH));
    next.put(WordClass.WITH, Set.of(WordClass.THAT));
    next.put(WordClass.THAT, Set.of(WordClass.PERIOD));
    next.put(WordClass.OTHER, Set.of());
    next.put(WordClass.STOP, Set.of());
    return Map.copyOf(next);
  }
}
