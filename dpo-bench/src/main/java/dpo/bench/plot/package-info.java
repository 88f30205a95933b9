/**
 * Dependency-free PNG line charts for results. {@link dpo.bench.plot.LinePlot} draws one or more
 * side-by-side panels of step-indexed series (for example a parameter or value difference that
 * decays over training steps) with Java2D only, so figures can be produced headless on any JDK
 * without pulling a charting library into the bundled command-line jar.
 */
package dpo.bench.plot;
