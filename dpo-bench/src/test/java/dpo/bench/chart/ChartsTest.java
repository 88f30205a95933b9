package dpo.bench.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.Range;
import org.jfree.data.xy.IntervalXYDataset;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class ChartsTest {

  /** 10^(-t): a straight line on a log axis. */
  private static double[] decades(int n) {
    double[] y = new double[n];
    for (int t = 0; t < n; t++) {
      y[t] = Math.pow(10, -t);
    }
    return y;
  }

  private static JFreeChart twoPanels() {
    double[] fast = decades(9);
    double[] withHoles = decades(9);
    withHoles[3] = 0;
    withHoles[5] = Double.NaN;
    return Charts.stackedSteps(
        "title",
        "update t",
        List.of(
            new Charts.Panel(
                "Param Diff",
                true,
                List.of(new Charts.Line("a", fast), new Charts.Line("b", withHoles))),
            new Charts.Panel(
                "Value",
                false,
                List.of(
                    new Charts.Line("a", new double[] {3, 2, 1}),
                    new Charts.Line("b", new double[] {-1, 0, 1})))));
  }

  private static List<XYPlot> panels(JFreeChart chart) {
    return ((CombinedDomainXYPlot) chart.getXYPlot()).getSubplots();
  }

  @Test
  void stackedPanelsKeepEveryPointAtItsStepAndLeaveGapsOnlyWhereALogAxisCannotDraw() {
    JFreeChart chart = twoPanels();
    assertEquals("title", chart.getTitle().getText());
    assertEquals("update t", chart.getXYPlot().getDomainAxis().getLabel());
    List<XYPlot> panels = panels(chart);
    assertEquals(2, panels.size());

    XYDataset log = panels.get(0).getDataset();
    assertEquals(2, log.getSeriesCount());
    assertEquals("a", log.getSeriesKey(0));
    assertEquals("b", log.getSeriesKey(1));
    for (int t = 0; t < 9; t++) {
      assertEquals(t, log.getXValue(0, t));
      assertEquals(Math.pow(10, -t), log.getYValue(0, t), 0);
    }
    assertEquals(9, log.getItemCount(1), "a gap keeps its step");
    assertNull(log.getY(1, 3), "zero cannot be drawn on a log axis");
    assertNull(log.getY(1, 5), "NaN is a gap");
    assertEquals(1e-4, log.getYValue(1, 4), 0);

    XYDataset linear = panels.get(1).getDataset();
    assertEquals(-1, linear.getYValue(1, 0), 0, "a linear panel keeps non-positive values");
    assertEquals(0, linear.getYValue(1, 1), 0);
  }

  @Test
  void logPanelsHaveLogAxesSpanningTheirDecadesAndLinearPanelsLinearOnes() {
    List<XYPlot> panels = panels(twoPanels());
    LogAxis log = assertInstanceOf(LogAxis.class, panels.get(0).getRangeAxis());
    assertEquals("Param Diff", log.getLabel());
    Range r = log.getRange();
    assertTrue(r.getLowerBound() <= 1e-8 && r.getLowerBound() > 1e-10, r.toString());
    assertTrue(r.getUpperBound() >= 1 && r.getUpperBound() < 10, r.toString());
    NumberAxis linear = assertInstanceOf(NumberAxis.class, panels.get(1).getRangeAxis());
    assertTrue(
        linear.getRange().contains(-1) && linear.getRange().contains(3),
        linear.getRange().toString());
  }

  @Test
  void oneLegendEntryPerLineNotPerPanelWithTheSameColourInEveryPanel() {
    JFreeChart chart = twoPanels();
    LegendItemCollection legend = chart.getXYPlot().getLegendItems();
    assertEquals(2, legend.getItemCount());
    assertEquals("a", legend.get(0).getLabel());
    assertEquals("b", legend.get(1).getLabel());
    List<XYPlot> panels = panels(chart);
    for (int s = 0; s < 2; s++) {
      assertEquals(
          panels.get(0).getRenderer().getSeriesPaint(s),
          panels.get(1).getRenderer().getSeriesPaint(s));
    }
    assertTrue(
        !panels
            .get(0)
            .getRenderer()
            .getSeriesPaint(0)
            .equals(panels.get(0).getRenderer().getSeriesPaint(1)),
        "distinct colours");
  }

  @Test
  void pointsCarryTheirErrorBarsAndTheAxesIncludeThem() {
    JFreeChart chart =
        Charts.pointsWithErrors(
            "t",
            "KL",
            "reward",
            List.of(
                new Charts.Points(
                    "mix-p",
                    new double[] {0, 0.5, 1},
                    new double[] {0, 0.1, 0.2},
                    new double[] {0.6, 0.65, 0.7},
                    new double[] {0, 0.01, 0.3}),
                new Charts.Points(
                    "broken",
                    new double[] {Double.NaN, 2},
                    new double[] {0, 0},
                    new double[] {0.1, 0.2},
                    new double[] {0, 0})));
    XYPlot plot = chart.getXYPlot();
    assertInstanceOf(XYErrorRenderer.class, plot.getRenderer());
    IntervalXYDataset data = (IntervalXYDataset) plot.getDataset();
    assertEquals("mix-p", data.getSeriesKey(0));
    assertEquals(3, data.getItemCount(0));
    assertEquals(0.5, data.getXValue(0, 1), 0);
    assertEquals(0.4, data.getStartXValue(0, 1), 1e-12);
    assertEquals(0.6, data.getEndXValue(0, 1), 1e-12);
    assertEquals(0.4, data.getStartYValue(0, 2), 1e-12);
    assertEquals(1.0, data.getEndYValue(0, 2), 1e-12);
    assertEquals(1, data.getItemCount(1), "a point with a non-finite coordinate is dropped");
    assertEquals("KL", plot.getDomainAxis().getLabel());
    assertEquals("reward", plot.getRangeAxis().getLabel());
    Range y = plot.getRangeAxis().getRange();
    assertTrue(y.contains(1.0) && y.contains(0.2), "error bars are inside the axis: " + y);
    Range x = plot.getDomainAxis().getRange();
    assertTrue(x.contains(2) && x.contains(-0.0), x.toString());
    assertTrue(x.getLowerBound() < 0, "a point at x = 0 is not drawn on the edge: " + x);
    assertEquals(2, chart.getXYPlot().getLegendItems().getItemCount());
  }

  @Test
  void everyPointIsLabelledAndSeriesDifferInMarkerDashAndLabelSide() {
    double[] x = {0, 0.5, 1};
    double[] zero = new double[3];
    double[] y = {0.6, 0.65, 0.7};
    JFreeChart chart =
        Charts.pointsWithErrors(
            "t",
            "KL",
            "reward",
            List.of(
                new Charts.Points("a", x, zero, y, zero).withLabels("0", "1", "2"),
                new Charts.Points("b", x, zero, y, zero).withLabels("0", "1", "2")));
    XYErrorRenderer r = (XYErrorRenderer) chart.getXYPlot().getRenderer();
    XYDataset data = chart.getXYPlot().getDataset();
    for (int s = 0; s < 2; s++) {
      assertTrue(r.isItemLabelVisible(s, 0), "labels are drawn");
      for (int item = 0; item < 3; item++) {
        assertEquals(
            Integer.toString(item), r.getItemLabelGenerator(s, item).generateLabel(data, s, item));
      }
    }
    assertTrue(r.getDrawXError() && r.getDrawYError(), "error bars on both axes");
    assertTrue(!r.getSeriesShape(0).getBounds2D().equals(r.getSeriesShape(1).getBounds2D()));
    assertTrue(!r.getSeriesStroke(0).equals(r.getSeriesStroke(1)), "distinct dash patterns");
    assertTrue(
        !r.getSeriesPositiveItemLabelPosition(0)
            .getItemLabelAnchor()
            .equals(r.getSeriesPositiveItemLabelPosition(1).getItemLabelAnchor()),
        "labels of coinciding points sit on different sides");
    assertThrows(
        IllegalArgumentException.class,
        () -> new Charts.Points("c", x, zero, y, zero).withLabels("0"));
  }

  @Test
  void twoSeriesThatCoincideAreBothVisibleInThePicture() throws IOException {
    double[] x = {0, 0.5, 1};
    double[] zero = new double[3];
    double[] y = {0.6, 0.65, 0.7};
    JFreeChart chart =
        Charts.pointsWithErrors(
            "t",
            "KL",
            "reward",
            List.of(
                new Charts.Points("blue", x, zero, y, zero),
                new Charts.Points("orange", x, zero, y, zero)));
    chart.removeLegend(); // count only the plot's pixels
    chart.setTitle((String) null);
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(Charts.png(chart, 400, 300)));
    int blue = 0;
    int orange = 0;
    for (int i = 0; i < png.getWidth(); i++) {
      for (int j = 0; j < png.getHeight(); j++) {
        int rgb = png.getRGB(i, j);
        int red = (rgb >> 16) & 0xff;
        int b = rgb & 0xff;
        blue += b - red > 60 ? 1 : 0;
        orange += red - b > 60 ? 1 : 0;
      }
    }
    assertTrue(orange > 30, "the series drawn last shows: " + orange + " (blue " + blue + ")");
    assertTrue(blue > 30, "the series under it still shows: " + blue);
  }

  @Test
  void bandsCarryTheirEdgesAndTheAxesIncludeThem() {
    JFreeChart chart =
        Charts.linesWithBands(
            "t",
            "KL",
            "reward",
            List.of(
                new Charts.Band(
                    "mix-p",
                    new double[] {0, 0.5, 1},
                    new double[] {0.6, 0.65, 0.7},
                    new double[] {0.6, 0.6, 0.5},
                    new double[] {0.6, 0.7, 0.95}),
                new Charts.Band(
                    "vanilla",
                    new double[] {0, 0.4},
                    new double[] {0.6, Double.NaN},
                    new double[] {0.6, 0},
                    new double[] {0.6, 0})));
    XYPlot plot = chart.getXYPlot();
    assertInstanceOf(DeviationRenderer.class, plot.getRenderer());
    IntervalXYDataset data = (IntervalXYDataset) plot.getDataset();
    assertEquals("mix-p", data.getSeriesKey(0));
    assertEquals(3, data.getItemCount(0));
    assertEquals(0.65, data.getYValue(0, 1), 0);
    assertEquals(0.6, data.getStartYValue(0, 1), 0);
    assertEquals(0.7, data.getEndYValue(0, 1), 0);
    assertEquals(1, data.getItemCount(1), "a point with a non-finite value is dropped");
    assertTrue(plot.getRangeAxis().getRange().contains(0.95), "the band is inside the axis");
    assertEquals(2, plot.getLegendItems().getItemCount());
    assertTrue(
        !plot.getRenderer().getSeriesPaint(0).equals(plot.getRenderer().getSeriesPaint(1)),
        "distinct colours");
    assertThrows(
        IllegalArgumentException.class,
        () -> new Charts.Band("x", new double[2], new double[2], new double[1], new double[2]));
  }

  @Test
  void mismatchedLengthsNameTheSeries() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Charts.Points(
                    "hybrid", new double[2], new double[2], new double[3], new double[2]));
    assertTrue(e.getMessage().contains("hybrid"), e.getMessage());
  }

  @Test
  void filesArePngAndSvgOfTheRequestedSizeWithTheLegendAsText() throws Exception {
    Map<String, byte[]> files = Charts.files("convergence", twoPanels(), 640, 480);
    assertEquals(List.of("convergence.png", "convergence.svg"), new ArrayList<>(files.keySet()));
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(files.get("convergence.png")));
    assertNotNull(png, "decodes as an image");
    assertEquals(640, png.getWidth());
    assertEquals(480, png.getHeight());
    Document svg = parse(files.get("convergence.svg"));
    assertEquals("svg", svg.getDocumentElement().getTagName());
    assertEquals(640, Double.parseDouble(svg.getDocumentElement().getAttribute("width")));
    String text = svg.getDocumentElement().getTextContent();
    assertTrue(
        text.startsWith("titleab") && text.contains("update t"), "title, legend, x label: " + text);
  }

  /**
   * The same chart gives the same files, byte for byte: the SVG's element ids start with the
   * chart's name instead of the clock (result folders are compared and hashed byte for byte).
   */
  @Test
  void theSameChartGivesTheSameBytes() throws Exception {
    Map<String, byte[]> first = Charts.files("loss", twoPanels(), 320, 240);
    Thread.sleep(2);
    Map<String, byte[]> second = Charts.files("loss", twoPanels(), 320, 240);
    for (String name : first.keySet()) {
      assertArrayEquals(first.get(name), second.get(name), name);
    }
    String svg = new String(first.get("loss.svg"), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(svg.contains("<clipPath id='_loss-clip-0'>"), svg.substring(0, 400));
  }

  private static Document parse(byte[] xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    try {
      return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
