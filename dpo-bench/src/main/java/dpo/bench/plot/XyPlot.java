package dpo.bench.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A line plot with explicit x values (for example reward against KL, one point per iteration):
 * each series is drawn as a polyline with a marker on every point, with linear axes and a legend.
 */
public final class XyPlot {
  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
  };

  private XyPlot() {}

  /** A step of 1, 2 or 5 times a power of ten giving about five ticks over a range. */
  static double niceStep(double range) {
    double raw = range / 5;
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    double m = raw / power;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
  }

  private static String label(double v, double step) {
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(step)));
    return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step / 2 ? 0 : v);
  }

  /**
   * One series: legend label and points (x[i], y[i]) in drawing order.
   *
   * @param label legend text
   * @param x x values
   * @param y y values, as many as x
   */
  public record Series(String label, double[] x, double[] y) {
    /** Validates and copies. */
    public Series {
      Objects.requireNonNull(label, "label");
      if (x.length != y.length) {
        throw new IllegalArgumentException("x and y need the same length, got " + x.length
            + " and " + y.length);
      }
      x = x.clone();
      y = y.clone();
    }
  }

  /**
   * Renders the series as a PNG.
   *
   * @param title figure title
   * @param xLabel x-axis label
   * @param yLabel y-axis label
   * @param series the series; non-finite points are skipped
   * @param width image width in pixels
   * @param height image height in pixels
   * @return the PNG bytes
   */
  public static byte[] png(String title, String xLabel, String yLabel, List<Series> series,
      int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    double minX = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x.length; i++) {
        if (Double.isFinite(s.x[i]) && Double.isFinite(s.y[i])) {
          minX = Math.min(minX, s.x[i]);
          maxX = Math.max(maxX, s.x[i]);
          minY = Math.min(minY, s.y[i]);
          maxY = Math.max(maxY, s.y[i]);
        }
      }
    }
    if (!(minX <= maxX)) {
      minX = 0;
      maxX = 1;
      minY = 0;
      maxY = 1;
    }
    double padX = Math.max(1e-9, (maxX - minX) * 0.05);
    double padY = Math.max(1e-9, (maxY - minY) * 0.05);
    minX -= padX;
    maxX += padX;
    minY -= padY;
    maxY += padY;
    int left = 80;
    int right = width - 30;
    int top = 50;
    int bottom = height - 60;
    Font font = new Font("SansSerif", Font.PLAIN, 13);
    g.setFont(font.deriveFont(Font.BOLD, 15f));
    FontMetrics fm = g.getFontMetrics();
    g.setColor(Color.DARK_GRAY);
    g.drawString(title, (width - fm.stringWidth(title)) / 2, 28);
    g.setFont(font);
    fm = g.getFontMetrics();
    g.setColor(Color.DARK_GRAY);
    double stepX = niceStep(maxX - minX);
    for (double fx = Math.ceil(minX / stepX) * stepX; fx <= maxX; fx += stepX) {
      int px = (int) Math.round(left + (fx - minX) / (maxX - minX) * (right - left));
      g.setColor(new Color(0xe3e3e3));
      g.drawLine(px, top, px, bottom);
      g.setColor(Color.DARK_GRAY);
      String lx = label(fx, stepX);
      g.drawString(lx, px - fm.stringWidth(lx) / 2, bottom + 18);
    }
    double stepY = niceStep(maxY - minY);
    for (double fy = Math.ceil(minY / stepY) * stepY; fy <= maxY; fy += stepY) {
      int py = (int) Math.round(bottom - (fy - minY) / (maxY - minY) * (bottom - top));
      g.setColor(new Color(0xe3e3e3));
      g.drawLine(left, py, right, py);
      g.setColor(Color.DARK_GRAY);
      String ly = label(fy, stepY);
      g.drawString(ly, left - 8 - fm.stringWidth(ly), py + 5);
    }
    g.drawRect(left, top, right - left, bottom - top);
    g.drawString(xLabel, (left + right - fm.stringWidth(xLabel)) / 2, height - 20);
    Graphics2D rotated = (Graphics2D) g.create();
    rotated.rotate(-Math.PI / 2);
    rotated.drawString(yLabel, -(top + bottom + fm.stringWidth(yLabel)) / 2, 22);
    rotated.dispose();
    g.setStroke(new BasicStroke(2f));
    for (int s = 0; s < series.size(); s++) {
      Series ser = series.get(s);
      g.setColor(PALETTE[s % PALETTE.length]);
      double lastX = Double.NaN;
      double lastY = Double.NaN;
      for (int i = 0; i < ser.x.length; i++) {
        if (!Double.isFinite(ser.x[i]) || !Double.isFinite(ser.y[i])) {
          continue;
        }
        double px = left + (ser.x[i] - minX) / (maxX - minX) * (right - left);
        double py = bottom - (ser.y[i] - minY) / (maxY - minY) * (bottom - top);
        if (!Double.isNaN(lastX)) {
          g.draw(new Line2D.Double(lastX, lastY, px, py));
        }
        g.fill(new Ellipse2D.Double(px - 4, py - 4, 8, 8));
        lastX = px;
        lastY = py;
      }
    }
    // The legend goes in the lower right corner, over the data, on an opaque box.
    int boxHeight = 20 * series.size() + 10;
    int boxLeft = right - 180;
    int boxTop = bottom - boxHeight - 10;
    g.setColor(new Color(255, 255, 255, 230));
    g.fillRect(boxLeft, boxTop, 170, boxHeight);
    g.setStroke(new BasicStroke(1f));
    g.setColor(new Color(0xd0d0d0));
    g.drawRect(boxLeft, boxTop, 170, boxHeight);
    g.setStroke(new BasicStroke(2f));
    for (int s = 0; s < series.size(); s++) {
      int y = boxTop + 20 + 20 * s;
      g.setColor(PALETTE[s % PALETTE.length]);
      g.drawLine(boxLeft + 10, y - 5, boxLeft + 35, y - 5);
      g.setColor(Color.DARK_GRAY);
      g.drawString(series.get(s).label, boxLeft + 42, y);
    }
    g.dispose();
    return LinePlot.toPng(image);
  }
}
