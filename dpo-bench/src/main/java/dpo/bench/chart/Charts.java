package dpo.bench.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * Builds the commands' charts and encodes them. Colours follow one fixed cycle (matplotlib's
 * tab10), so a sampler has the same colour in every panel of a figure.
 */
public final class Charts {
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf),
  };
  private static final Color GRID = new Color(0xd9d9d9);
  private static final Font TITLE_FONT = new Font("SansSerif", Font.BOLD, 16);

  private Charts() {}

  /**
   * One line of a step-indexed panel: its legend label and the values at steps 0, 1, 2, ...
   *
   * @param label legend text
   * @param y the value at each step
   */
  public record Line(String label, double[] y) {
    /**
     * Checks and copies.
     *
     * @param label legend text
     * @param y the value at each step
     */
    public Line {
      Objects.requireNonNull(label, "label");
      y = y.clone();
    }
  }

  /**
   * One panel of a stacked figure.
   *
   * @param yLabel the panel's y-axis label
   * @param logY whether the y axis is logarithmic (non-positive values then leave a gap)
   * @param lines the lines, in legend order
   */
  public record Panel(String yLabel, boolean logY, List<Line> lines) {
    /**
     * Checks and copies.
     *
     * @param yLabel the panel's y-axis label
     * @param logY whether the y axis is logarithmic
     * @param lines the lines, in legend order
     */
    public Panel {
      Objects.requireNonNull(yLabel, "yLabel");
      lines = List.copyOf(lines);
    }
  }

  /**
   * One series of points with error bars: means and half-widths on both axes, in drawing order,
   * each point optionally labelled.
   *
   * @param label legend text
   * @param x x values
   * @param xError half-width of the x error bar at each point (0 for none)
   * @param y y values
   * @param yError half-width of the y error bar at each point (0 for none)
   * @param pointLabels text drawn beside each point (e.g. its iteration), or empty for none
   */
  public record Points(
      String label,
      double[] x,
      double[] xError,
      double[] y,
      double[] yError,
      List<String> pointLabels) {
    /**
     * Checks lengths and copies.
     *
     * @param label legend text
     * @param x x values
     * @param xError half-widths of the x error bars
     * @param y y values
     * @param yError half-widths of the y error bars
     * @param pointLabels one text per point, or empty
     */
    public Points {
      Objects.requireNonNull(label, "label");
      int n = x.length;
      if (xError.length != n || y.length != n || yError.length != n) {
        throw new IllegalArgumentException(
            "series "
                + label
                + ": x, xError, y and yError need"
                + " the same length, got "
                + n
                + ", "
                + xError.length
                + ", "
                + y.length
                + ", "
                + yError.length);
      }
      pointLabels = List.copyOf(pointLabels);
      if (!pointLabels.isEmpty() && pointLabels.size() != n) {
        throw new IllegalArgumentException(
            "series " + label + ": " + pointLabels.size() + " point labels for " + n + " points");
      }
      x = x.clone();
      xError = xError.clone();
      y = y.clone();
      yError = yError.clone();
    }

    /**
     * Points without labels.
     *
     * @param label legend text
     * @param x x values
     * @param xError half-widths of the x error bars
     * @param y y values
     * @param yError half-widths of the y error bars
     */
    public Points(String label, double[] x, double[] xError, double[] y, double[] yError) {
      this(label, x, xError, y, yError, List.of());
    }

    /**
     * These points with a text beside each.
     *
     * @param labels one text per point
     * @return the copy
     */
    public Points withLabels(String... labels) {
      return new Points(label, x, xError, y, yError, List.of(labels));
    }
  }

  /**
   * Panels stacked over one shared step axis (x = 0, 1, 2, ...), one legend for all of them: the
   * lines of every panel must carry the same labels in the same order.
   *
   * @param title the figure title
   * @param xLabel the shared x-axis label
   * @param panels the panels, top to bottom
   * @return the chart
   */
  public static JFreeChart stackedSteps(String title, String xLabel, List<Panel> panels) {
    NumberAxis steps = new NumberAxis(xLabel);
    steps.setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT));
    steps.setAutoRangeIncludesZero(true);
    steps.setLowerMargin(0);
    steps.setUpperMargin(0);
    CombinedDomainXYPlot combined = new CombinedDomainXYPlot(steps);
    combined.setGap(14);
    for (Panel panel : panels) {
      XYSeriesCollection data = new XYSeriesCollection();
      for (Line line : panel.lines()) {
        XYSeries series = new XYSeries(line.label(), false, true);
        double[] y = line.y();
        for (int t = 0; t < y.length; t++) {
          boolean drawable = Double.isFinite(y[t]) && (!panel.logY() || y[t] > 0);
          series.add(Integer.valueOf(t), drawable ? Double.valueOf(y[t]) : null);
        }
        data.addSeries(series);
      }
      XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
      colour(renderer, panel.lines().size());
      XYPlot plot =
          new XYPlot(
              data,
              null,
              panel.logY() ? logAxis(panel.yLabel()) : linearAxis(panel.yLabel()),
              renderer);
      style(plot);
      combined.add(plot, 1);
    }
    if (!panels.isEmpty()) {
      // One legend: the panels share labels and colours, so show the first panel's items only.
      combined.setFixedLegendItems(combined.getSubplots().get(0).getLegendItems());
    }
    return finish(new JFreeChart(title, TITLE_FONT, combined, true));
  }

  /**
   * Series of points joined by lines, each point with its error bars and its label, on linear axes.
   * Series that coincide stay visible: each has its own colour (drawn slightly transparent), its
   * own hollow marker shape and size (later series smaller, so coinciding markers nest) and its own
   * dash pattern, and its point labels sit on its own side of the point (above, below, right,
   * left). Points are never moved: the coordinates are the data.
   *
   * @param title the figure title
   * @param xLabel the x-axis label
   * @param yLabel the y-axis label
   * @param series the series, in legend order
   * @return the chart
   */
  public static JFreeChart pointsWithErrors(
      String title, String xLabel, String yLabel, List<Points> series) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    List<List<String>> labels = new ArrayList<>();
    for (Points p : series) {
      XYIntervalSeries s = new XYIntervalSeries(p.label(), false, true);
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < p.x().length; i++) {
        double x = p.x()[i];
        double y = p.y()[i];
        if (Double.isFinite(x) && Double.isFinite(y)) {
          double dx = Double.isFinite(p.xError()[i]) ? p.xError()[i] : 0;
          double dy = Double.isFinite(p.yError()[i]) ? p.yError()[i] : 0;
          s.add(x, x - dx, x + dx, y, y - dy, y + dy);
          kept.add(p.pointLabels().isEmpty() ? null : p.pointLabels().get(i));
        }
      }
      data.addSeries(s);
      labels.add(kept);
    }
    XYErrorRenderer renderer = new XYErrorRenderer();
    renderer.setDefaultLinesVisible(true);
    renderer.setDefaultShapesVisible(true);
    renderer.setDefaultShapesFilled(false);
    renderer.setDrawXError(true);
    renderer.setDrawYError(true);
    renderer.setCapLength(6);
    renderer.setErrorStroke(new BasicStroke(1f));
    for (int s = 0; s < series.size(); s++) {
      Color c = PALETTE[s % PALETTE.length];
      renderer.setSeriesPaint(s, new Color(c.getRed(), c.getGreen(), c.getBlue(), 210));
      renderer.setSeriesStroke(s, dashed(s));
      renderer.setSeriesShape(s, marker(s));
      renderer.setSeriesOutlineStroke(s, new BasicStroke(2f));
      renderer.setSeriesItemLabelsVisible(s, true);
      renderer.setSeriesPositiveItemLabelPosition(s, labelPosition(s));
      renderer.setSeriesNegativeItemLabelPosition(s, labelPosition(s));
      renderer.setSeriesItemLabelPaint(s, c.darker());
    }
    renderer.setDefaultItemLabelFont(new Font("SansSerif", Font.PLAIN, 11));
    renderer.setDefaultItemLabelGenerator(
        (dataset, s, item) -> {
          List<String> l = labels.get(s);
          return item < l.size() ? l.get(item) : null;
        });
    NumberAxis x = linearAxis(xLabel);
    NumberAxis y = linearAxis(yLabel);
    // A margin on every side, also past 0 (KL 0 at iteration 0): no point or label on an edge.
    x.setAutoRangeStickyZero(false);
    y.setAutoRangeStickyZero(false);
    x.setLowerMargin(0.06);
    x.setUpperMargin(0.06);
    XYPlot plot = new XYPlot(data, x, y, renderer);
    style(plot);
    return finish(new JFreeChart(title, TITLE_FONT, plot, true));
  }

  /**
   * One curve with a band around it: y(x) and the band's lower and upper edges at the same x.
   *
   * @param label legend text
   * @param x the x values, ascending
   * @param y the curve
   * @param low the band's lower edge
   * @param high the band's upper edge
   */
  public record Band(String label, double[] x, double[] y, double[] low, double[] high) {
    /**
     * Checks and copies.
     *
     * @param label legend text
     * @param x the x values, ascending
     * @param y the curve
     * @param low the band's lower edge
     * @param high the band's upper edge
     */
    public Band {
      Objects.requireNonNull(label, "label");
      if (y.length != x.length || low.length != x.length || high.length != x.length) {
        throw new IllegalArgumentException(
            "band " + label + ": x, y, low and high differ in length");
      }
      x = x.clone();
      y = y.clone();
      low = low.clone();
      high = high.clone();
    }
  }

  /**
   * Curves with translucent bands (e.g. confidence intervals), on linear axes; each curve has its
   * colour and dash pattern, its band the same colour, mostly transparent, so overlapping bands
   * stay readable.
   *
   * @param title the figure title
   * @param xLabel the x-axis label
   * @param yLabel the y-axis label
   * @param bands the curves, in legend order
   * @return the chart
   */
  public static JFreeChart linesWithBands(
      String title, String xLabel, String yLabel, List<Band> bands) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (Band b : bands) {
      YIntervalSeries s = new YIntervalSeries(b.label(), false, true);
      for (int i = 0; i < b.x().length; i++) {
        if (Double.isFinite(b.x()[i]) && Double.isFinite(b.y()[i])) {
          s.add(b.x()[i], b.y()[i], b.low()[i], b.high()[i]);
        }
      }
      data.addSeries(s);
    }
    DeviationRenderer renderer = new DeviationRenderer(true, false);
    renderer.setAlpha(0.18f);
    for (int s = 0; s < bands.size(); s++) {
      Color c = PALETTE[s % PALETTE.length];
      renderer.setSeriesPaint(s, c);
      renderer.setSeriesFillPaint(s, c);
      renderer.setSeriesStroke(s, dashed(s));
    }
    NumberAxis x = linearAxis(xLabel);
    NumberAxis y = linearAxis(yLabel);
    x.setAutoRangeIncludesZero(true);
    XYPlot plot = new XYPlot(data, x, y, renderer);
    style(plot);
    return finish(new JFreeChart(title, TITLE_FONT, plot, true));
  }

  /** Dash patterns: solid, dashed, dotted, dash-dot, then again. */
  private static final float[][] DASHES = {null, {8f, 4f}, {2f, 3f}, {8f, 3f, 2f, 3f}};

  static BasicStroke dashed(int series) {
    float[] dash = DASHES[series % DASHES.length];
    return dash == null
        ? new BasicStroke(2f)
        : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dash, 0f);
  }

  /** Hollow markers: circle, square, triangle, diamond, ..., each series a bit smaller. */
  static java.awt.Shape marker(int series) {
    double size = Math.max(5, 13 - 2 * series);
    double h = size / 2;
    return switch (series % 4) {
      case 0 -> new java.awt.geom.Ellipse2D.Double(-h, -h, size, size);
      case 1 -> new Rectangle2D.Double(-h, -h, size, size);
      case 2 -> polygon(new double[] {0, h, -h}, new double[] {-h, h, h});
      default -> polygon(new double[] {0, h, 0, -h}, new double[] {-h, 0, h, 0});
    };
  }

  private static java.awt.Shape polygon(double[] xs, double[] ys) {
    java.awt.geom.Path2D.Double p = new java.awt.geom.Path2D.Double();
    p.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      p.lineTo(xs[i], ys[i]);
    }
    p.closePath();
    return p;
  }

  /** Where a series' point labels sit: above, below, right, left of the point, then again. */
  static ItemLabelPosition labelPosition(int series) {
    return switch (series % 4) {
      case 0 -> new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER);
      case 1 -> new ItemLabelPosition(ItemLabelAnchor.OUTSIDE6, TextAnchor.TOP_CENTER);
      case 2 -> new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT);
      default -> new ItemLabelPosition(ItemLabelAnchor.OUTSIDE9, TextAnchor.CENTER_RIGHT);
    };
  }

  /**
   * Encodes a chart as PNG.
   *
   * @param chart the chart
   * @param width width in pixels
   * @param height height in pixels
   * @return the PNG bytes
   */
  public static byte[] png(JFreeChart chart, int width, int height) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ChartUtils.writeChartAsPNG(bytes, chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * Encodes a chart as a standalone SVG document. Its element ids (clip paths) start with the
   * chart's name, so the same chart gives the same bytes on every run (JFreeSVG's default prefix is
   * the clock's nanoseconds).
   *
   * @param name the chart's name, a prefix of its element ids: letters, digits, '_' and '-'
   * @param chart the chart
   * @param width width in user units (pixels)
   * @param height height in user units (pixels)
   * @return the SVG document, UTF-8
   */
  public static byte[] svg(String name, JFreeChart chart, int width, int height) {
    SVGGraphics2D g = new SVGGraphics2D(width, height);
    g.setDefsKeyPrefix("_" + name + "-");
    chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
    return g.getSVGDocument().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The chart as {@code name.png} and {@code name.svg}, in that order, for a command's result
   * files.
   *
   * @param name the file name without extension
   * @param chart the chart
   * @param width width in pixels
   * @param height height in pixels
   * @return file name to bytes
   */
  public static Map<String, byte[]> files(String name, JFreeChart chart, int width, int height) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(name + ".png", png(chart, width, height));
    files.put(name + ".svg", svg(name, chart, width, height));
    return files;
  }

  private static LogAxis logAxis(String label) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(10);
    axis.setBaseSymbol("10");
    axis.setSmallestValue(1e-300);
    axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT)); // whole decades
    axis.setMinorTickMarksVisible(true);
    return axis;
  }

  private static NumberAxis linearAxis(String label) {
    NumberAxis axis = new NumberAxis(label);
    axis.setAutoRangeIncludesZero(false);
    return axis;
  }

  private static void colour(XYLineAndShapeRenderer renderer, int series) {
    for (int s = 0; s < series; s++) {
      Paint paint = PALETTE[s % PALETTE.length];
      renderer.setSeriesPaint(s, paint);
      renderer.setSeriesStroke(s, new BasicStroke(2f));
    }
  }

  private static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setOutlinePaint(Color.DARK_GRAY);
    ValueAxis range = plot.getRangeAxis();
    if (range != null) {
      range.setLabelFont(new Font("SansSerif", Font.PLAIN, 13));
    }
  }

  private static JFreeChart finish(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    LegendTitle legend = chart.getLegend();
    if (legend != null) {
      legend.setPosition(RectangleEdge.RIGHT);
      legend.setFrame(new BlockBorder(GRID));
    }
    return chart;
  }
}
