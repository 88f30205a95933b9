package dpo.bench;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dpo.core.DpoModule;
import dpo.core.align.AlignModule;
import dpo.core.bandit.BanditModule;
import dpo.core.lm.LmModule;
import dpo.core.reward.RewardModule;
import java.time.Clock;
import picocli.CommandLine;

/**
 * Creates the commands (and their converters) through one Guice injector per invocation: the
 * runtime and registry module plus one module per experiment. Picocli's own helpers (collections
 * and its built-in types) come from picocli's default factory.
 *
 * <p>The output folder is not injected: it is known only once the options are parsed, so each
 * command claims it ({@link dpo.core.io.OutputFolder#claim}) where it starts writing.
 */
final class CommandFactory implements CommandLine.IFactory {
  private final Injector injector;

  CommandFactory(Injector injector) {
    this.injector = injector;
  }

  /**
   * The injector of one command invocation. Providers are discovered through the thread's context
   * class loader (under the launcher: the dpo jar, plugins/*.jar and DPO_CLASSPATH), on first use.
   */
  static Injector injector() {
    return Guice.createInjector(
        new DpoModule(Main::runtime, Clock.systemUTC()),
        new BanditModule(),
        new AlignModule(),
        new RewardModule(),
        new LmModule());
  }

  @Override
  public <K> K create(Class<K> type) throws Exception {
    if (type.getPackageName().startsWith("dpo.")) {
      return injector.getInstance(type);
    }
    return CommandLine.defaultFactory().create(type);
  }
}
