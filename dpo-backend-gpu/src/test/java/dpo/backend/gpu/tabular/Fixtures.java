package dpo.backend.gpu.tabular;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.backend.cpu.CpuBackendProvider;
import dpo.backend.gpu.DjlBackendProvider;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

/** Shared helpers: the shipped providers, random problems and a brute-force reference loss. */
final class Fixtures {
  static final double BETA = 3;
  static final List<String> OBJECTIVES = List.of("sigmoid", "ipo", "hinge");

  private Fixtures() {}

  /** The djl backend on the CPU device, one thread, as the build's tests run it. */
  static PolicyBackend djl() {
    return new DjlBackendProvider().create(new BackendConfig(1, Map.of("device", "cpu")));
  }

  static PolicyBackend cpu() {
    return new CpuBackendProvider().create(new BackendConfig(1));
  }

  static List<SamplerProvider> samplers() {
    return ServiceLoader.load(SamplerProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .toList();
  }

  static Sampler sampler(String id) {
    return samplers().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow().create();
  }

  static Objective objective(String id) {
    return ServiceLoader.load(ObjectiveProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals(id))
        .findFirst()
        .orElseThrow()
        .create(ObjectiveConfig.ofBeta(BETA));
  }

  static TabularProblem randomProblem(int x, int y, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] rewards = new double[x][y];
    for (double[] row : rewards) {
      for (int j = 0; j < y; j++) {
        row[j] = r.nextGaussian();
      }
    }
    return new TabularProblem(rewards);
  }

  static double[][] randomTheta(int x, int y, double scale, SplittableRandom r) {
    double[][] theta = new double[x][y];
    for (double[] row : theta) {
      for (int j = 0; j < y; j++) {
        row[j] = scale * r.nextGaussian();
      }
    }
    return theta;
  }

  static double[] logSoftmax(double[] theta) {
    double max = Double.NEGATIVE_INFINITY;
    for (double t : theta) {
      max = Math.max(max, t);
    }
    double sum = 0;
    for (double t : theta) {
      sum += Math.exp(t - max);
    }
    double[] out = new double[theta.length];
    for (int i = 0; i < theta.length; i++) {
      out[i] = theta[i] - max - Math.log(sum);
    }
    return out;
  }

  /**
   * The unnormalised pair weights C(y, y') of one prompt straight from the definitions in {@link
   * PairComponent} and {@link Sampler#weightCap}, with no care for overflow (small thetas only).
   */
  static double[][] referenceC(Sampler sampler, double[] theta, double[] rewards, double beta) {
    int n = theta.length;
    double[] logPolicy = logSoftmax(theta);
    double logReference = -Math.log(n);
    double[][] c = new double[n][n];
    for (PairComponent k : sampler.components()) {
      double[] f = new double[n];
      double[] g = new double[n];
      double sumF = 0;
      double sumG = 0;
      for (int y = 0; y < n; y++) {
        f[y] = Math.exp(k.first().logWeight(logPolicy[y], logReference, rewards[y], beta));
        g[y] = Math.exp(k.second().logWeight(logPolicy[y], logReference, rewards[y], beta));
        sumF += f[y];
        sumG += g[y];
      }
      boolean normalised = k.scale() == PairComponent.Scale.NORMALISED;
      for (int y = 0; y < n; y++) {
        for (int y2 = 0; y2 < n; y2++) {
          double p = normalised ? f[y] / sumF * g[y2] / sumG : f[y] * g[y2];
          c[y][y2] += k.weight() * p;
        }
      }
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double r : rewards) {
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    double cap = sampler.weightCap(max - min);
    for (double[] row : c) {
      for (int y2 = 0; y2 < n; y2++) {
        row[y2] = Math.min(row[y2], cap);
      }
    }
    return c;
  }

  /** W = C / sum C. */
  static double[][] normalise(double[][] c) {
    double z = 0;
    for (double[] row : c) {
      for (double v : row) {
        z += v;
      }
    }
    double[][] w = new double[c.length][];
    for (int i = 0; i < c.length; i++) {
      w[i] = c[i].clone();
      for (int j = 0; j < w[i].length; j++) {
        w[i][j] /= z;
      }
    }
    return w;
  }

  /** The mean over prompts of the sampler-weighted loss at theta, the weights frozen at theta0. */
  static double frozenLoss(
      TabularProblem problem, double[][] theta0, double[][] theta, Sampler s, Objective o) {
    double total = 0;
    for (int x = 0; x < problem.prompts(); x++) {
      double[] rewards = problem.rewards(x);
      double[][] w = normalise(referenceC(s, theta0[x], rewards, o.beta()));
      for (int a = 0; a < rewards.length; a++) {
        for (int b = 0; b < rewards.length; b++) {
          double p = LogisticForm.sigmoid(rewards[a] - rewards[b]);
          total += w[a][b] * o.loss(theta[x][a] - theta[x][b], p);
        }
      }
    }
    return total / problem.prompts();
  }

  static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /** |a - b| relative to the larger magnitude of the two (0 when both are 0). */
  static double relative(double a, double b) {
    double scale = Math.max(Math.abs(a), Math.abs(b));
    return scale == 0 ? 0 : Math.abs(a - b) / scale;
  }

  /** The largest |a_i - b_i| relative to the largest |b_i|: a vector's relative deviation. */
  static double relative(double[] a, double[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }
}
