package dpo.bench.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Draws step-indexed line charts into a {@link BufferedImage} and encodes them as PNG, using
 * nothing but Java2D and {@code javax.imageio}.
 *
 * <p>The look follows a plain matplotlib figure: white background, a framed plot area per panel
 * with outward tick marks and light grid lines, the tab10 colour cycle, and a legend in the upper
 * right corner of every panel. It works in headless JVMs ({@code -Djava.awt.headless=true}).
 *
 * <p>Typical use:
 *
 * <pre>{@code
 * BufferedImage img = LinePlot.render("Convergence", "step",
 *     List.of(new LinePlot.Panel("Param Diff", "|w - w*|", true,
 *         List.of(new LinePlot.Series("lr=0.1", diffs)))),
 *     1200, 500);
 * byte[] png = LinePlot.toPng(img);
 * }</pre>
 */
public final class LinePlot {

  /** Largest accepted image side; guards against accidental multi-gigabyte rasters. */
  static final int MAX_SIDE = 16_384;

  /** The matplotlib tab10 cycle, so figures look familiar next to Python-made ones. */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f),
    new Color(0xbcbd22),
    new Color(0x17becf),
  };

  private static final Color TEXT = new Color(0x262626);
  private static final Color FRAME = new Color(0x262626);
  private static final Color GRID = new Color(0xe3e3e3);
  private static final Color MUTED = new Color(0x8c8c8c);
  private static final Color LEGEND_FILL = new Color(255, 255, 255, 217);
  private static final Color LEGEND_EDGE = new Color(0xd0d0d0);
  private static final float LINE_WIDTH = 2f;
  private static final String FONT_FAMILY = "SansSerif";

  /** More labelled decades than this and a log axis starts skipping decades. */
  private static final int MAX_LOG_LABELS = 8;

  /** Upper bound on linear ticks; the layout may ask for fewer when space is short. */
  private static final int MAX_LINEAR_TICKS = 8;

  /** Share of the y span added above and below the outer ticks, like matplotlib's margins. */
  private static final double Y_MARGIN = 0.03;

  private LinePlot() {}

  /**
   * One line: its legend label and y values at x = 0, 1, 2, ... (index = step). Non-finite values
   * always leave a gap in the line; on a log axis non-positive values do as well.
   *
   * @param label legend text, may be empty but not null
   * @param y the values; copied, so later changes to the caller's array do not leak in
   */
  public record Series(String label, double[] y) {

    /** Validates and defensively copies the values. */
    public Series {
      Objects.requireNonNull(label, "label must not be null");
      Objects.requireNonNull(y, "y must not be null");
      y = y.clone();
    }

    /** Returns a copy of the values, so the record stays immutable. */
    @Override
    public double[] y() {
      return y.clone();
    }

    // The record defaults compare arrays by identity, which would make equal series unequal.
    @Override
    public boolean equals(Object o) {
      return o instanceof Series s && label.equals(s.label) && Arrays.equals(y, s.y);
    }

    @Override
    public int hashCode() {
      return 31 * label.hashCode() + Arrays.hashCode(y);
    }

    @Override
    public String toString() {
      return "Series[label=" + label + ", points=" + y.length + "]";
    }
  }

  /**
   * One panel (sub-plot): title, y-axis label, whether the y axis is log10-scaled, and its series.
   * Series keep their colour by position, so the same index means the same colour in every panel.
   *
   * @param title text above the panel, may be empty
   * @param yLabel text along the y axis, may be empty
   * @param logY whether the y axis is log10-scaled
   * @param series the lines, in legend order; copied
   */
  public record Panel(String title, String yLabel, boolean logY, List<Series> series) {

    /** Validates and copies the series list. */
    public Panel {
      Objects.requireNonNull(title, "title must not be null");
      Objects.requireNonNull(yLabel, "yLabel must not be null");
      Objects.requireNonNull(series, "series must not be null");
      series = List.copyOf(series);
    }
  }

  /**
   * Renders panels side by side (left to right), sharing the x label, under a figure title.
   *
   * <p>Each panel's x axis runs from 0 to its longest series length minus one. A panel with nothing
   * drawable shows its frame and the text "no data" rather than failing, so a run that produced
   * only NaNs still yields a figure.
   *
   * @param title figure title drawn at the top centre; empty for none
   * @param xLabel label drawn once under all panels; empty for none
   * @param panels at least one panel, none of them null
   * @param width image width in pixels, 1 to {@value #MAX_SIDE}
   * @param height image height in pixels, 1 to {@value #MAX_SIDE}
   * @return a new RGB image of exactly {@code width} by {@code height} pixels
   * @throws IllegalArgumentException if an argument is null, {@code panels} is empty or holds a
   *     null, or a size is out of range
   */
  public static BufferedImage render(
      String title, String xLabel, List<Panel> panels, int width, int height) {
    if (title == null) {
      throw new IllegalArgumentException("title must not be null (use \"\" for no title)");
    }
    if (xLabel == null) {
      throw new IllegalArgumentException("xLabel must not be null (use \"\" for no label)");
    }
    if (panels == null || panels.isEmpty()) {
      throw new IllegalArgumentException("panels must contain at least one panel");
    }
    for (int i = 0; i < panels.size(); i++) {
      if (panels.get(i) == null) {
        throw new IllegalArgumentException("panels[" + i + "] is null");
      }
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "width and height must be positive, got " + width + "x" + height);
    }
    if (width > MAX_SIDE || height > MAX_SIDE) {
      throw new IllegalArgumentException(
          "width and height must be at most " + MAX_SIDE + ", got " + width + "x" + height);
    }

    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      new Renderer(g, width, height, panels.size()).draw(title, xLabel, panels);
    } finally {
      g.dispose();
    }
    return image;
  }

  /**
   * Encodes a PNG into bytes (for atomic writes by the caller).
   *
   * @param image the image to encode
   * @return the PNG file contents
   * @throws IllegalArgumentException if {@code image} is null
   */
  public static byte[] toPng(BufferedImage image) {
    if (image == null) {
      throw new IllegalArgumentException("image must not be null");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) {
        // Every JDK ships a PNG writer; reaching this means a broken runtime, not bad input.
        throw new IllegalStateException("no PNG writer available in this JDK");
      }
    } catch (IOException e) {
      // A byte array stream cannot fail; keep the signature free of checked exceptions.
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** One tick: position in axis space (log10 of the value on log axes), label or null. */
  private record Tick(double pos, String label, boolean major) {}

  /** A scale from data values to the unit interval plus the ticks to draw along it. */
  private static final class Axis {
    final double lo;
    final double hi;
    final boolean log;
    final List<Tick> ticks;

    Axis(double lo, double hi, boolean log, List<Tick> ticks) {
      this.lo = lo;
      this.hi = hi;
      this.log = log;
      this.ticks = ticks;
    }

    /** Fraction along the axis, NaN when the value cannot be shown (gap in the line). */
    double frac(double v) {
      if (!Double.isFinite(v) || (log && v <= 0)) {
        return Double.NaN;
      }
      return fracOfPos(log ? Math.log10(v) : v);
    }

    /**
     * Returns this axis widened by {@code fraction} of its span at both ends, keeping the ticks.
     * Data sitting exactly on an outer decade or tick would otherwise be hidden under the frame.
     */
    Axis withMargin(double fraction) {
      double m = (hi * 0.5 - lo * 0.5) * 2 * fraction;
      if (!Double.isFinite(lo - m) || !Double.isFinite(hi + m)) {
        return this;
      }
      return new Axis(lo - m, hi + m, log, ticks);
    }

    double fracOfPos(double pos) {
      // Halving first keeps the subtraction finite even for ranges near Double.MAX_VALUE.
      return (pos * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5);
    }
  }

  /**
   * Builds a log10 axis over whole decades. Labels go on every {@code step}-th decade, chosen so
   * there are at most {@link #MAX_LOG_LABELS} intervals and labels stay {@code minGapPx} apart.
   */
  private static Axis logAxis(double minPositive, double maxPositive, double lengthPx,
      double minGapPx) {
    // The epsilon stops 1e-12 (log10 = -11.999...) from growing an extra, empty decade.
    int lo = (int) Math.floor(Math.log10(minPositive) + 1e-9);
    int hi = (int) Math.ceil(Math.log10(maxPositive) - 1e-9);
    if (hi <= lo) {
      // A constant series: centre it in a two-decade window instead of pinning it to the frame.
      lo -= 1;
      hi = lo + 2;
    }
    int decades = hi - lo;
    int step = 1;
    while (decades > step * MAX_LOG_LABELS
        || (step < decades && minGapPx * decades / step > lengthPx)) {
      step = nextLogStep(step);
    }
    List<Tick> ticks = new ArrayList<>();
    for (int k = lo; k <= hi; k++) {
      boolean major = Math.floorMod(k, step) == 0;
      ticks.add(new Tick(k, major ? "1e" + k : null, major));
      // Sub-decade ticks only help when a decade is tall enough to show them apart.
      if (k < hi && decades <= 6 && step == 1) {
        for (int m = 2; m <= 9; m++) {
          ticks.add(new Tick(k + Math.log10(m), null, false));
        }
      }
    }
    return new Axis(lo, hi, true, ticks);
  }

  private static int nextLogStep(int step) {
    // 1, 2, 3, 5, 10, 20, 30, 50, ... keeps labelled decades at readable multiples.
    int mag = 1;
    while (step >= 10 * mag) {
      mag *= 10;
    }
    int lead = step / mag;
    if (lead < 2) {
      return 2 * mag;
    } else if (lead < 3) {
      return 3 * mag;
    } else if (lead < 5) {
      return 5 * mag;
    }
    return 10 * mag;
  }

  /**
   * Builds a linear axis with 1-2-5 ticks. With {@code expand} the range grows to the outer ticks
   * (y axes), otherwise it stays at exactly {@code [min, max]} (the step axis).
   */
  private static Axis linearAxis(double min, double max, int maxTicks, boolean integers,
      boolean expand) {
    if (!(max > min)) {
      double pad = min == 0 ? 1 : Math.max(Math.abs(min) * 0.1, Double.MIN_NORMAL);
      min -= pad;
      max += pad;
    }
    maxTicks = Math.max(2, maxTicks);
    double step = niceStep(min, max, maxTicks, integers, expand);
    double lo = min;
    double hi = max;
    List<Tick> ticks = new ArrayList<>();
    if (step > 0 && Double.isFinite(step)) {
      if (expand) {
        double elo = Math.floor(min / step) * step;
        double ehi = Math.ceil(max / step) * step;
        if (Double.isFinite(elo) && Double.isFinite(ehi)) {
          lo = elo;
          hi = ehi;
        }
      }
      double first = Math.ceil(lo / step - 1e-9);
      double last = Math.floor(hi / step + 1e-9);
      double maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
      // The cap only matters when floating point makes lo/step and hi/step indistinguishable.
      for (double k = first; k <= last && ticks.size() <= maxTicks + 2; k++) {
        double v = k * step;
        if (Double.isFinite(v)) {
          ticks.add(new Tick(v, formatLinear(v, step, maxAbs, integers), true));
        }
      }
    } else {
      // Values so extreme that no 1-2-5 step fits in a double: label just the ends.
      double maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
      ticks.add(new Tick(lo, formatLinear(lo, maxAbs, maxAbs, false), true));
      ticks.add(new Tick(hi, formatLinear(hi, maxAbs, maxAbs, false), true));
    }
    return new Axis(lo, hi, false, ticks);
  }

  /** Smallest 1-2-5 step that needs at most {@code maxTicks} ticks; NaN if none is finite. */
  private static double niceStep(double min, double max, int maxTicks, boolean integers,
      boolean expand) {
    double halfSpan = max * 0.5 - min * 0.5;
    double rough = halfSpan / maxTicks * 2;
    if (!(rough > 0) || !Double.isFinite(rough)) {
      return Double.NaN;
    }
    double mag = Math.pow(10, Math.floor(Math.log10(rough)) - 1);
    if (integers) {
      mag = Math.max(1, mag);
    }
    int[] leads = {1, 2, 5};
    for (int round = 0; round < 6; round++) {
      for (int lead : leads) {
        double step = lead * mag;
        double count = expand
            ? Math.ceil(max / step) - Math.floor(min / step) + 1
            : Math.floor(max / step) - Math.ceil(min / step) + 1;
        if (count <= maxTicks) {
          return step;
        }
      }
      mag *= 10;
    }
    return Double.NaN;
  }

  /** Formats a linear tick so neighbours differ, switching to 2.5e-5 style for extreme scales. */
  private static String formatLinear(double v, double step, double maxAbs, boolean integers) {
    if (v == 0 || Math.abs(v) < step * 1e-9) {
      return "0";
    }
    if (integers && maxAbs < 1e6) {
      return Long.toString(Math.round(v));
    }
    int stepExp = (int) Math.floor(Math.log10(step) + 1e-9);
    if (maxAbs >= 1e6 || stepExp < -4) {
      int valueExp = (int) Math.floor(Math.log10(Math.abs(v)));
      int digits = Math.max(1, Math.min(15, valueExp - stepExp + 1));
      String s = String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
      int e = s.indexOf('e');
      String mantissa = s.substring(0, e);
      if (mantissa.contains(".")) {
        mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
      }
      return mantissa + "e" + Integer.parseInt(s.substring(e + 1));
    }
    int decimals = Math.max(0, -stepExp);
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** Returns {@code s}, shortened with an ellipsis if it is wider than {@code maxWidth}. */
  private static String fit(String s, FontMetrics fm, double maxWidth) {
    if (fm.stringWidth(s) <= maxWidth) {
      return s;
    }
    String ellipsis = "\u2026";
    int end = s.length();
    while (end > 0 && fm.stringWidth(s.substring(0, end) + ellipsis) > maxWidth) {
      end--;
      if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
        end--;
      }
    }
    return end == 0 ? "" : s.substring(0, end) + ellipsis;
  }

  /** Holds the fonts and spacing for one figure; all sizes scale with the image. */
  private static final class Renderer {
    private final Graphics2D g;
    private final int width;
    private final int height;
    private final int panelCount;
    private final Font titleFont;
    private final Font panelTitleFont;
    private final Font labelFont;
    private final Font tickFont;
    private final Font legendFont;
    private final double pad;
    private final double tickLen;

    Renderer(Graphics2D g, int width, int height, int panelCount) {
      this.g = g;
      this.width = width;
      this.height = height;
      this.panelCount = panelCount;
      // Scale text with the smaller of panel width and height so small thumbnails stay legible
      // and large posters do not end up with tiny labels.
      double cellWidth = (double) width / panelCount;
      double scale = Math.max(0.75, Math.min(3.0, Math.min(height / 500.0, cellWidth / 600.0)));
      titleFont = font(Font.BOLD, 17 * scale);
      panelTitleFont = font(Font.PLAIN, 14.5 * scale);
      labelFont = font(Font.PLAIN, 13 * scale);
      tickFont = font(Font.PLAIN, 11.5 * scale);
      legendFont = font(Font.PLAIN, 11.5 * scale);
      pad = 6 * scale;
      tickLen = 5 * scale;
    }

    private static Font font(int style, double size) {
      return new Font(FONT_FAMILY, style, 1).deriveFont(style, (float) Math.max(8, size));
    }

    void draw(String title, String xLabel, List<Panel> panels) {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      // Pure strokes put 1px lines at x.5 exactly on one pixel row, which keeps frames crisp.
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);

      double top = pad;
      if (!title.isEmpty()) {
        FontMetrics fm = g.getFontMetrics(titleFont);
        String shown = fit(title, fm, width - 2 * pad);
        g.setFont(titleFont);
        g.setColor(TEXT);
        g.drawString(shown, (float) ((width - fm.stringWidth(shown)) / 2.0),
            (float) (top + pad * 0.5 + fm.getAscent()));
        top += pad * 0.5 + fm.getHeight() + pad * 0.5;
      }
      double bottom = height - pad;
      if (!xLabel.isEmpty()) {
        FontMetrics fm = g.getFontMetrics(labelFont);
        bottom -= fm.getHeight();
        // One label for all panels, centred under the whole row of plots.
        String shown = fit(xLabel, fm, width - 2 * pad);
        g.setFont(labelFont);
        g.setColor(TEXT);
        g.drawString(shown, (float) ((width - fm.stringWidth(shown)) / 2.0),
            (float) (bottom + fm.getAscent()));
        bottom -= pad * 0.5;
      }
      double cellWidth = (double) width / panelCount;
      for (int i = 0; i < panelCount; i++) {
        drawPanel(panels.get(i), i * cellWidth, cellWidth, top, bottom);
      }
    }

    private void drawPanel(Panel panel, double cellX, double cellWidth, double cellTop,
        double cellBottom) {
      FontMetrics tickFm = g.getFontMetrics(tickFont);
      FontMetrics labelFm = g.getFontMetrics(labelFont);
      FontMetrics panelTitleFm = g.getFontMetrics(panelTitleFont);

      double plotTop = cellTop + (panel.title().isEmpty() ? pad : panelTitleFm.getHeight() + pad);
      double plotBottom = cellBottom - (tickLen + pad * 0.5 + tickFm.getHeight());
      int top = (int) Math.round(plotTop);
      int bottom = Math.max(top + 1, (int) Math.round(plotBottom));
      int plotHeight = bottom - top;

      int maxLen = 0;
      double minValue = Double.POSITIVE_INFINITY;
      double maxValue = Double.NEGATIVE_INFINITY;
      for (Series s : panel.series()) {
        double[] ys = s.y;
        maxLen = Math.max(maxLen, ys.length);
        for (double v : ys) {
          if (Double.isFinite(v) && (!panel.logY() || v > 0)) {
            minValue = Math.min(minValue, v);
            maxValue = Math.max(maxValue, v);
          }
        }
      }
      boolean hasData = minValue <= maxValue;

      Axis yAxis = null;
      double yTickWidth = 0;
      if (hasData) {
        double minGap = tickFm.getHeight() * 1.4;
        yAxis = panel.logY()
            ? logAxis(minValue, maxValue, plotHeight, minGap)
            : linearAxis(minValue, maxValue,
                (int) Math.min(MAX_LINEAR_TICKS, plotHeight / (tickFm.getHeight() * 2.0)),
                false, true);
        yAxis = yAxis.withMargin(Y_MARGIN);
        for (Tick t : yAxis.ticks) {
          if (t.label() != null) {
            yTickWidth = Math.max(yTickWidth, tickFm.stringWidth(t.label()));
          }
        }
      }

      double yLabelX = cellX + pad * 1.5;
      double plotLeft = yLabelX + (panel.yLabel().isEmpty() ? 0 : labelFm.getHeight() + pad)
          + yTickWidth + pad * 0.6 + tickLen;
      double xMax = Math.max(1, maxLen - 1);
      // Leave room for the last x tick label, which is centred on the right edge of the frame.
      double rightRoom = Math.max(pad * 3, tickFm.stringWidth(Long.toString((long) xMax)) / 2.0
          + pad);
      int left = (int) Math.round(plotLeft);
      int right = Math.max(left + 1, (int) Math.round(cellX + cellWidth - rightRoom));
      int plotWidth = right - left;
      Rectangle2D plot = new Rectangle2D.Double(left, top, plotWidth, plotHeight);

      if (!panel.title().isEmpty()) {
        String shown = fit(panel.title(), panelTitleFm, cellWidth - 2 * pad);
        g.setFont(panelTitleFont);
        g.setColor(TEXT);
        double cx = Math.min(Math.max(left + plotWidth / 2.0,
            cellX + pad + panelTitleFm.stringWidth(shown) / 2.0),
            cellX + cellWidth - pad - panelTitleFm.stringWidth(shown) / 2.0);
        g.drawString(shown, (float) (cx - panelTitleFm.stringWidth(shown) / 2.0),
            (float) (top - pad * 0.8 - panelTitleFm.getDescent()));
      }
      if (!panel.yLabel().isEmpty()) {
        String shown = fit(panel.yLabel(), labelFm, plotHeight);
        AffineTransform saved = g.getTransform();
        g.translate(yLabelX + labelFm.getAscent(), top + plotHeight / 2.0);
        // Reading bottom-to-top, like matplotlib, so the label faces the plot.
        g.rotate(-Math.PI / 2);
        g.setFont(labelFont);
        g.setColor(TEXT);
        g.drawString(shown, (float) (-labelFm.stringWidth(shown) / 2.0), 0f);
        g.setTransform(saved);
      }

      if (!hasData) {
        drawFrame(plot);
        String msg = "no data";
        g.setFont(labelFont);
        g.setColor(MUTED);
        g.drawString(msg, (float) (left + (plotWidth - labelFm.stringWidth(msg)) / 2.0),
            (float) (top + (plotHeight + labelFm.getAscent() - labelFm.getDescent()) / 2.0));
        return;
      }

      int maxXTicks = (int) Math.min(9, plotWidth
          / (tickFm.stringWidth(Long.toString((long) xMax)) + tickFm.getHeight() * 2.0));
      Axis xAxis = linearAxis(0, xMax, maxXTicks, true, false);

      drawGrid(plot, xAxis, yAxis);
      drawSeries(panel, plot, xAxis, yAxis);
      drawFrame(plot);
      drawTicks(plot, xAxis, yAxis, tickFm);
      drawLegend(panel, plot);
    }

    private void drawGrid(Rectangle2D plot, Axis xAxis, Axis yAxis) {
      g.setColor(GRID);
      g.setStroke(new BasicStroke(1f));
      for (Tick t : yAxis.ticks) {
        if (t.major()) {
          double y = snap(plot.getMaxY() - yAxis.fracOfPos(t.pos()) * plot.getHeight(),
              plot.getMinY(), plot.getMaxY());
          g.draw(new Line2D.Double(plot.getMinX(), y, plot.getMaxX(), y));
        }
      }
      for (Tick t : xAxis.ticks) {
        double x = snap(plot.getMinX() + xAxis.fracOfPos(t.pos()) * plot.getWidth(),
            plot.getMinX(), plot.getMaxX());
        g.draw(new Line2D.Double(x, plot.getMinY(), x, plot.getMaxY()));
      }
    }

    private void drawSeries(Panel panel, Rectangle2D plot, Axis xAxis, Axis yAxis) {
      Shape savedClip = g.getClip();
      g.clip(plot);
      g.setStroke(new BasicStroke(LINE_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      List<Series> series = panel.series();
      for (int i = 0; i < series.size(); i++) {
        double[] ys = series.get(i).y;
        g.setColor(PALETTE[i % PALETTE.length]);
        Path2D.Double path = new Path2D.Double(Path2D.WIND_NON_ZERO, ys.length);
        int run = 0;
        double lastX = 0;
        double lastY = 0;
        for (int j = 0; j < ys.length; j++) {
          double fy = yAxis.frac(ys[j]);
          if (Double.isNaN(fy)) {
            if (run == 1) {
              dot(lastX, lastY);
            }
            run = 0;
            continue;
          }
          lastX = plot.getMinX() + xAxis.fracOfPos(j) * plot.getWidth();
          lastY = plot.getMaxY() - fy * plot.getHeight();
          if (run == 0) {
            path.moveTo(lastX, lastY);
          } else {
            path.lineTo(lastX, lastY);
          }
          run++;
        }
        if (run == 1) {
          dot(lastX, lastY);
        }
        g.draw(path);
      }
      g.setClip(savedClip);
    }

    /** Marks a point with no neighbours, which a path alone would leave invisible. */
    private void dot(double x, double y) {
      double d = LINE_WIDTH * 2;
      g.fill(new Ellipse2D.Double(x - d / 2, y - d / 2, d, d));
    }

    private void drawFrame(Rectangle2D plot) {
      g.setColor(FRAME);
      g.setStroke(new BasicStroke(1f));
      g.draw(new Rectangle2D.Double(plot.getMinX() + 0.5, plot.getMinY() + 0.5,
          Math.max(0, plot.getWidth() - 1), Math.max(0, plot.getHeight() - 1)));
    }

    private void drawTicks(Rectangle2D plot, Axis xAxis, Axis yAxis, FontMetrics fm) {
      g.setStroke(new BasicStroke(1f));
      g.setFont(tickFont);
      double left = plot.getMinX();
      double bottom = plot.getMaxY();
      for (Tick t : yAxis.ticks) {
        double y = snap(bottom - yAxis.fracOfPos(t.pos()) * plot.getHeight(), plot.getMinY(),
            bottom);
        double len = t.major() ? tickLen : tickLen * 0.55;
        g.setColor(FRAME);
        g.draw(new Line2D.Double(left - len, y, left, y));
        if (t.label() != null) {
          g.setColor(TEXT);
          g.drawString(t.label(),
              (float) (left - tickLen - pad * 0.6 - fm.stringWidth(t.label())),
              (float) (y + (fm.getAscent() - fm.getDescent()) / 2.0));
        }
      }
      for (Tick t : xAxis.ticks) {
        double x = snap(left + xAxis.fracOfPos(t.pos()) * plot.getWidth(), left,
            plot.getMaxX());
        g.setColor(FRAME);
        g.draw(new Line2D.Double(x, bottom, x, bottom + tickLen));
        g.setColor(TEXT);
        g.drawString(t.label(), (float) (x - fm.stringWidth(t.label()) / 2.0),
            (float) (bottom + tickLen + pad * 0.4 + fm.getAscent()));
      }
    }

    private void drawLegend(Panel panel, Rectangle2D plot) {
      List<Series> series = panel.series();
      if (series.isEmpty()) {
        return;
      }
      FontMetrics fm = g.getFontMetrics(legendFont);
      double swatch = fm.getHeight() * 1.6;
      double gap = pad * 0.8;
      double rowHeight = fm.getHeight() * 1.15;
      double margin = pad * 1.2;
      double maxText = Math.max(0, plot.getWidth() * 0.5 - swatch - 3 * gap);
      List<String> labels = new ArrayList<>();
      double textWidth = 0;
      for (Series s : series) {
        String shown = fit(s.label(), fm, maxText);
        labels.add(shown);
        textWidth = Math.max(textWidth, fm.stringWidth(shown));
      }
      double boxWidth = gap + swatch + gap + textWidth + gap;
      double boxHeight = rowHeight * series.size() + gap;
      double boxX = plot.getMaxX() - margin - boxWidth;
      double boxY = plot.getMinY() + margin;

      Shape savedClip = g.getClip();
      g.clip(plot);
      double arc = pad;
      RoundRectangle2D box = new RoundRectangle2D.Double(boxX, boxY, boxWidth, boxHeight, arc,
          arc);
      g.setColor(LEGEND_FILL);
      g.fill(box);
      g.setColor(LEGEND_EDGE);
      g.setStroke(new BasicStroke(1f));
      g.draw(box);
      g.setFont(legendFont);
      BasicStroke line = new BasicStroke(LINE_WIDTH, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND);
      for (int i = 0; i < series.size(); i++) {
        double rowCenter = boxY + gap / 2 + rowHeight * (i + 0.5);
        g.setColor(PALETTE[i % PALETTE.length]);
        g.setStroke(line);
        g.draw(new Line2D.Double(boxX + gap, rowCenter, boxX + gap + swatch, rowCenter));
        g.setColor(TEXT);
        g.drawString(labels.get(i), (float) (boxX + gap + swatch + gap),
            (float) (rowCenter + (fm.getAscent() - fm.getDescent()) / 2.0));
      }
      g.setClip(savedClip);
    }

    /**
     * Centres a 1px line on a pixel row or column so it renders sharp instead of as two grey
     * ones, keeping it on the frame's own pixels at the ends of the axis.
     */
    private static double snap(double v, double min, double max) {
      return Math.max(min + 0.5, Math.min(max - 0.5, Math.floor(v) + 0.5));
    }
  }
}
