package dpo.bench.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.bench.plot.LinePlot.Panel;
import dpo.bench.plot.LinePlot.Series;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {

  private static final int FIRST_COLOUR = 0x1f77b4;
  private static final int WIDTH = 800;
  private static final int HEIGHT = 400;

  /** 10^(-i/10): a straight diagonal on a log axis from the top-left towards the bottom-right. */
  private static double[] decay(int n) {
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = Math.pow(10, -i / 10.0);
    }
    return y;
  }

  private static BufferedImage renderOne(boolean logY, double[] y) {
    Panel panel = new Panel("Panel", "value", logY, List.of(new Series("first", y)));
    return LinePlot.render("Figure", "step", List.of(panel), WIDTH, HEIGHT);
  }

  /**
   * Counts pixels close to the given colour in a region. A small tolerance admits antialiased
   * pixels that are almost fully covered while still rejecting greys and other palette colours.
   */
  private static int countColour(BufferedImage img, int rgb, int x0, int y0, int x1, int y1) {
    int r = (rgb >> 16) & 0xff;
    int gr = (rgb >> 8) & 0xff;
    int b = rgb & 0xff;
    int count = 0;
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        int p = img.getRGB(x, y);
        if (Math.abs(((p >> 16) & 0xff) - r) <= 12
            && Math.abs(((p >> 8) & 0xff) - gr) <= 12
            && Math.abs((p & 0xff) - b) <= 12) {
          count++;
        }
      }
    }
    return count;
  }

  @Test
  void renderHasRequestedSizeAndWhiteBackground() {
    BufferedImage img = renderOne(true, decay(100));

    assertEquals(WIDTH, img.getWidth());
    assertEquals(HEIGHT, img.getHeight());
    assertEquals(0xffffff, img.getRGB(0, 0) & 0xffffff);
    assertEquals(0xffffff, img.getRGB(WIDTH - 1, HEIGHT - 1) & 0xffffff);
  }

  @Test
  void drawnSeriesUsesFirstPaletteColourInPlotArea() {
    BufferedImage img = renderOne(true, decay(100));

    // The left half of the image holds the start of the line but not the upper-right legend,
    // so the swatch cannot satisfy this on its own.
    int count = countColour(img, FIRST_COLOUR, 0, 0, WIDTH / 2, HEIGHT);
    assertTrue(count > 50, "expected the line in the left half, found " + count + " pixels");
  }

  @Test
  void allZeroSeriesOnLogAxisDrawsNothingInItsColour() {
    BufferedImage img = renderOne(true, new double[] {0, 0, 0, 0, 0});

    assertEquals(0, countColour(img, FIRST_COLOUR, 0, 0, WIDTH, HEIGHT));
  }

  @Test
  void allZeroSeriesOnLinearAxisIsDrawn() {
    BufferedImage img = renderOne(false, new double[] {0, 0, 0, 0, 0});

    assertTrue(countColour(img, FIRST_COLOUR, 0, 0, WIDTH / 2, HEIGHT) > 50);
  }

  @Test
  void undrawableSeriesStillLeavesOtherSeriesVisible() {
    Panel panel = new Panel("Mixed", "value", true,
        List.of(new Series("zeros", new double[] {0, -1, 0}), new Series("decay", decay(50))));
    BufferedImage img = LinePlot.render("Figure", "step", List.of(panel), WIDTH, HEIGHT);

    // Second palette colour (#ff7f0e) belongs to the drawable series.
    assertTrue(countColour(img, 0xff7f0e, 0, 0, WIDTH / 2, HEIGHT) > 50);
    assertEquals(0, countColour(img, FIRST_COLOUR, 0, 0, WIDTH / 2, HEIGHT));
  }

  @Test
  void pngRoundTripsThroughImageIo(@TempDir Path dir) throws IOException {
    BufferedImage img = renderOne(true, decay(100));

    byte[] png = LinePlot.toPng(img);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    Path file = dir.resolve("plot.png");
    Files.write(file, png);
    BufferedImage back = ImageIO.read(file.toFile());

    assertNotNull(back, "ImageIO could not decode the PNG");
    assertEquals(img.getWidth(), back.getWidth());
    assertEquals(img.getHeight(), back.getHeight());
    assertEquals(img.getRGB(WIDTH / 3, HEIGHT / 2) & 0xffffff,
        back.getRGB(WIDTH / 3, HEIGHT / 2) & 0xffffff);
  }

  @Test
  void sixteenDecadeSeriesRenders() {
    double[] y = new double[200];
    for (int i = 0; i < y.length; i++) {
      y[i] = Math.pow(10, -16.0 * i / (y.length - 1));
    }
    assertEquals(1e-16, y[y.length - 1], 1e-30);

    BufferedImage img = renderOne(true, y);

    assertTrue(countColour(img, FIRST_COLOUR, 0, 0, WIDTH / 2, HEIGHT) > 50);
  }

  @Test
  void nonFiniteValuesDoNotThrow() {
    double[] y = {1, Double.NaN, 0.1, Double.POSITIVE_INFINITY, 0.01, Double.NEGATIVE_INFINITY,
        -3, 1e-3};
    double[] allNaN = {Double.NaN, Double.NaN};
    double[] extremes = {-Double.MAX_VALUE, Double.MAX_VALUE, Double.MIN_VALUE};
    List<Panel> panels = List.of(
        new Panel("log", "v", true, List.of(new Series("a", y), new Series("nan", allNaN))),
        new Panel("linear", "v", false, List.of(new Series("a", y), new Series("nan", allNaN))),
        new Panel("only NaN", "v", false, List.of(new Series("nan", allNaN))),
        new Panel("extremes log", "v", true, List.of(new Series("x", extremes))),
        new Panel("extremes lin", "v", false, List.of(new Series("x", extremes))),
        new Panel("empty", "", false, List.of()),
        new Panel("", "", true, List.of(new Series("", new double[0]))));

    BufferedImage img = LinePlot.render("", "", panels, 1400, 300);

    assertEquals(1400, img.getWidth());
  }

  @Test
  void tinyAndManySeriesImagesRender() {
    List<Series> many = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      many.add(new Series("series " + i, decay(i + 1)));
    }
    Panel panel = new Panel("a very long panel title that will not fit", "y", true, many);

    assertEquals(1, LinePlot.render("t", "x", List.of(panel), 1, 1).getWidth());
    assertEquals(23, LinePlot.render("t", "x", List.of(panel, panel), 37, 23).getHeight());
  }

  @Test
  void badArgumentsAreRejected() {
    List<Panel> ok = List.of(new Panel("p", "y", false, List.of(new Series("s", decay(3)))));
    List<Panel> withNull = new ArrayList<>(ok);
    withNull.add(null);

    assertMessage("at least one panel", () -> LinePlot.render("t", "x", null, 10, 10));
    assertMessage("at least one panel", () -> LinePlot.render("t", "x", List.of(), 10, 10));
    assertMessage("panels[1] is null", () -> LinePlot.render("t", "x", withNull, 10, 10));
    // BufferedImage would reject these sizes too; the message shows our check caught them first.
    assertMessage("must be positive", () -> LinePlot.render("t", "x", ok, 0, 10));
    assertMessage("must be positive", () -> LinePlot.render("t", "x", ok, 10, -1));
    assertMessage("at most", () -> LinePlot.render("t", "x", ok, LinePlot.MAX_SIDE + 1, 10));
    assertMessage("title", () -> LinePlot.render(null, "x", ok, 10, 10));
    assertMessage("xLabel", () -> LinePlot.render("t", null, ok, 10, 10));
    assertMessage("image", () -> LinePlot.toPng(null));
  }

  private static void assertMessage(String expected, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(expected),
        "message \"" + e.getMessage() + "\" should mention \"" + expected + "\"");
  }

  @Test
  void recordsValidateAndCopy() {
    double[] y = {1, 2, 3};
    Series s = new Series("s", y);
    y[0] = 42;

    assertEquals(1, s.y()[0]);
    s.y()[1] = 42;
    assertEquals(2, s.y()[1]);
    assertEquals(new Series("s", new double[] {1, 2, 3}), s);
    assertEquals(new Series("s", new double[] {1, 2, 3}).hashCode(), s.hashCode());
    assertThrows(NullPointerException.class, () -> new Series(null, y));
    assertThrows(NullPointerException.class, () -> new Series("s", null));
    assertThrows(NullPointerException.class, () -> new Panel("p", "y", true, null));
  }
}
