package dev.courier.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.HashMap;
import java.util.Map;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.data.category.CategoryDataset;

/**
 * Bars (the median of the repeats) with a whisker from the smallest to the largest repeat, which
 * JFreeChart's own statistical renderer (mean ± standard deviation) cannot draw. Vertical charts only.
 */
final class SpreadBarRenderer extends BarRenderer {

    private static final long serialVersionUID = 1L;

    /** The range of one bar: series and category keys to {min, max}. */
    private final Map<String, double[]> spreads = new HashMap<>();

    /** Draws a whisker from {@code min} to {@code max} on the bar of {@code series} in {@code category}. */
    void spread(Comparable<?> series, Comparable<?> category, double min, double max) {
        spreads.put(series + "\u0000" + category, new double[] {min, max});
    }

    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
                         CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column, int pass) {
        super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
        if (pass != getPassCount() - 1) {
            return;
        }
        double[] spread = spreads.get(dataset.getRowKey(row) + "\u0000" + dataset.getColumnKey(column));
        int visibleRow = state.getVisibleSeriesIndex(row);
        if (spread == null || visibleRow < 0 || !Double.isFinite(spread[0]) || !Double.isFinite(spread[1])) {
            return;
        }
        double x = calculateBarW0(plot, plot.getOrientation(), dataArea, domainAxis, state, visibleRow, column)
                + state.getBarWidth() / 2;
        double low = rangeAxis.valueToJava2D(spread[0], dataArea, plot.getRangeAxisEdge());
        double high = rangeAxis.valueToJava2D(spread[1], dataArea, plot.getRangeAxisEdge());
        double cap = Math.max(3, state.getBarWidth() / 4);
        g2.setPaint(Color.BLACK);
        g2.setStroke(new BasicStroke(1.2f));
        g2.draw(new Line2D.Double(x, low, x, high));
        g2.draw(new Line2D.Double(x - cap, low, x + cap, low));
        g2.draw(new Line2D.Double(x - cap, high, x + cap, high));
    }
}
