package io.ironlb.bench;

import io.ironlb.bench.BenchResults.Request;
import io.ironlb.bench.BenchResults.Timeline;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.renderer.category.ScatterRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.statistics.BoxAndWhiskerItem;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.jfree.data.statistics.DefaultMultiValueCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's PNG plots, drawn headless with JFreeChart. Box statistics come from
 * {@link Percentiles} (nearest rank), not JFreeChart's own interpolated quartiles, so a box's median
 * is the p50 in the tables.
 */
final class BenchPlots {

  static final int TIMELINE_WIDTH = 1000;
  static final int TIMELINE_HEIGHT = 420;
  static final int SPREAD_WIDTH = 800;
  static final int SPREAD_HEIGHT = 420;

  /** Answering nodes get these colours in order of their names, failures are drawn in red. */
  private static final Color[] NODE_COLOURS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e),
      new Color(0x8c564b), new Color(0x17becf)};
  private static final Color FAILED = new Color(0xd62728);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);

  private BenchPlots() {}

  /**
   * One failover as the client saw it: each request at its start time (ms from the fault), its
   * latency on a log axis, coloured by the node that answered; failed requests as red crosses; the
   * fault and each neighbour-entry move as vertical markers.
   */
  static void timeline(Path png, String title, Timeline t) throws IOException {
    List<String> nodes = new ArrayList<>(new TreeSet<>(t.requests().stream().filter(Request::ok).map(r -> nodeName(r.node())).toList()));
    XYSeriesCollection data = new XYSeriesCollection();
    Map<String, XYSeries> byNode = new LinkedHashMap<>();
    for (String n : nodes) {
      byNode.put(n, new XYSeries("answered by " + n, false, true));
      data.addSeries(byNode.get(n));
    }
    XYSeries failed = new XYSeries("failed", false, true);
    double maxLatency = 1;
    for (Request r : t.requests()) {
      double latency = Math.max(0.5, r.endMs() - r.startMs());
      maxLatency = Math.max(maxLatency, latency);
      if (r.ok()) {
        byNode.get(nodeName(r.node())).add(r.startMs(), latency);
      } else {
        failed.add(r.startMs(), latency);
      }
    }
    data.addSeries(failed);

    NumberAxis x = new NumberAxis("ms from the fault");
    LogAxis y = new LogAxis("request latency, ms (log)");
    y.setBase(10);
    y.setTickUnit(new NumberTickUnit(1));
    y.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
    y.setRange(0.4, Math.max(10, maxLatency * 2));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
    Shape dot = new Ellipse2D.Double(-2.5, -2.5, 5, 5);
    for (int i = 0; i < nodes.size(); i++) {
      r.setSeriesPaint(i, NODE_COLOURS[i % NODE_COLOURS.length]);
      r.setSeriesShape(i, dot);
    }
    r.setSeriesPaint(nodes.size(), FAILED);
    r.setSeriesShape(nodes.size(), ShapeUtils.createDiagonalCross(4, 0.8f));
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.addDomainMarker(marker(0, "fault", Color.BLACK));
    for (BenchResults.NeighbourMove n : t.neighbour()) {
      plot.addDomainMarker(marker(n.atMs(), "neighbour \u2192 " + nodeName(n.node()), Color.DARK_GRAY));
    }
    write(png, new JFreeChart(title, TITLE, plot, true), TIMELINE_WIDTH, TIMELINE_HEIGHT);
  }

  private static String nodeName(String node) {
    return node == null || node.isBlank() ? "unknown" : node;
  }

  private static ValueMarker marker(double at, String label, Color colour) {
    ValueMarker m = new ValueMarker(at, colour, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
    m.setLabel(label);
    m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
    return m;
  }

  /**
   * The spread of one figure across targets: per target a box (p25-p75, median p50, whiskers to
   * min and max) with every trial as a dot. Log axis when the figures span more than 20x.
   */
  static void spread(Path png, String title, String yLabel, Map<String, long[]> byTarget) throws IOException {
    DefaultBoxAndWhiskerCategoryDataset boxes = new DefaultBoxAndWhiskerCategoryDataset();
    DefaultMultiValueCategoryDataset dots = new DefaultMultiValueCategoryDataset();
    long min = Long.MAX_VALUE;
    long max = 1;
    for (var e : byTarget.entrySet()) {
      long[] v = Arrays.stream(e.getValue()).map(x -> Math.max(1, x)).toArray(); // a log axis has no 0
      if (v.length == 0) {
        continue;
      }
      min = Math.min(min, Arrays.stream(v).min().orElseThrow());
      max = Math.max(max, Arrays.stream(v).max().orElseThrow());
      double mean = Arrays.stream(v).average().orElse(0);
      BoxAndWhiskerItem item = new BoxAndWhiskerItem(mean, (double) Percentiles.of(v, 50), (double) Percentiles.of(v, 25),
          (double) Percentiles.of(v, 75), (double) Arrays.stream(v).min().orElseThrow(), (double) Percentiles.of(v, 100), null, null, List.of());
      boxes.add(item, yLabel, e.getKey());
      dots.add(Arrays.stream(v).boxed().map(Number.class::cast).toList(), "trials", e.getKey());
    }
    boolean log = min != Long.MAX_VALUE && max / (double) min > 20;
    ValueAxis y;
    if (log) {
      LogAxis la = new LogAxis(yLabel + " (log)");
      la.setBase(10);
      la.setTickUnit(new NumberTickUnit(1));
      la.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
      la.setRange(Math.max(0.5, min / 2.0), max * 2.0);
      y = la;
    } else {
      NumberAxis na = new NumberAxis(yLabel);
      na.setAutoRangeIncludesZero(true);
      y = na;
    }
    BoxAndWhiskerRenderer box = new BoxAndWhiskerRenderer();
    box.setMeanVisible(false);
    box.setFillBox(false);
    box.setMaxOutlierVisible(false);
    box.setMinOutlierVisible(false);
    box.setDefaultPaint(Color.DARK_GRAY);
    box.setSeriesPaint(0, Color.DARK_GRAY);
    box.setMaximumBarWidth(0.25);
    ScatterRenderer scatter = new ScatterRenderer();
    scatter.setSeriesPaint(0, new Color(0x1f77b4));
    scatter.setSeriesShape(0, new Ellipse2D.Double(-3, -3, 6, 6));
    scatter.setUseOutlinePaint(false);
    CategoryPlot plot = new CategoryPlot(boxes, new CategoryAxis(null), y, box);
    plot.setDataset(1, dots);
    plot.setRenderer(1, scatter);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    write(png, new JFreeChart(title, TITLE, plot, false), SPREAD_WIDTH, SPREAD_HEIGHT);
  }

  private static void write(Path png, JFreeChart chart, int width, int height) throws IOException {
    chart.setBackgroundPaint(Color.WHITE);
    Files.createDirectories(png.toAbsolutePath().getParent());
    ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
  }
}
