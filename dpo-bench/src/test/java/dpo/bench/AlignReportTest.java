package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.core.align.SamplerComparison;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlignReportTest {

  @Test
  void anIntervalExcludingZeroIsMarkedOnlyFromTenSeeds() {
    List<SamplerComparison.Row> rows =
        List.of(
            new SamplerComparison.Row("mix-p", "vanilla", 0.25, 0.012, 0.004, 0.02, 9, 10),
            new SamplerComparison.Row("mix-p", "on-policy", 0.25, 0.012, 0.004, 0.02, 3, 3),
            new SamplerComparison.Row("hybrid", "vanilla", 0.25, 0.001, -0.004, 0.006, 6, 10));
    assertEquals(
        "| KL | sampler | minus | reward difference (mean) | 95% CI | seeds ahead |\n"
            + "|---:|---|---|---:|---:|---:|\n"
            + "| 0.250 | mix-p | vanilla | 0.012 | **[0.004, 0.020]** | 9/10 |\n"
            + "| 0.250 | mix-p | on-policy | 0.012 | [0.004, 0.020] | 3/3 |\n"
            + "| 0.250 | hybrid | vanilla | 0.001 | [-0.004, 0.006] | 6/10 |\n",
        AlignReport.comparisonTable(rows, true));
    assertEquals(
        "| sampler | minus | reward difference (mean) | 95% CI | seeds ahead |\n"
            + "|---|---|---:|---:|---:|\n"
            + "| mix-p | vanilla | 0.012 | **[0.004, 0.020]** | 9/10 |\n",
        AlignReport.comparisonTable(rows.subList(0, 1), false));
  }
}
