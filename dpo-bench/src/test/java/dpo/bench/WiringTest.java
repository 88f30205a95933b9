package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dpo.core.align.AlignExperiment;
import dpo.core.align.AlignModule;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditModule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command is built by the injector Main uses; a missing binding fails here. */
class WiringTest {
  @Test
  void everyCommandAndExperimentIsBuiltByTheInjector() {
    Injector injector = CommandFactory.injector();
    CommandLine root = new CommandLine(Main.class, new CommandFactory(injector));
    List<Class<?>> commands = new ArrayList<>();
    collect(root, commands);
    assertTrue(commands.size() >= 10, commands.toString());
    for (Class<?> type : commands) {
      assertNotNull(injector.getInstance(type), type.getName());
    }
    assertNotNull(injector.getInstance(BanditExperiment.class));
    assertNotNull(injector.getInstance(AlignExperiment.class));
    assertFalse(injector.getInstance(dpo.core.DpoRuntime.class).backends().ids().isEmpty());
  }

  @Test
  void anExperimentWhoseRegistriesAreUnboundFailsWhenTheInjectorIsCreated() {
    assertThrows(
        CreationException.class, () -> Guice.createInjector(new BanditModule(), new AlignModule()));
  }

  private static void collect(CommandLine c, List<Class<?>> out) {
    Object command = c.getCommandSpec().userObject();
    if (command != null && command.getClass().getPackageName().startsWith("dpo.")) {
      out.add(command.getClass());
    }
    c.getSubcommands().values().forEach(sub -> collect(sub, out));
  }
}
