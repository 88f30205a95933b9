/**
 * The figures the commands write, built with JFreeChart and encoded as PNG (JFreeChart's own
 * encoder) and SVG (JFreeSVG). {@link dpo.bench.chart.Charts} holds the two chart shapes the
 * commands need (stacked step-indexed panels with log axes, and x-y series with error bars) and the
 * encoders; the charts stay inspectable objects, so tests check their data and axes.
 */
package dpo.bench.chart;
