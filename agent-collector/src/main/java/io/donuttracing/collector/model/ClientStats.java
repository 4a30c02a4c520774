package io.donuttracing.collector.model;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import java.util.List;

/**
 * What one {@code /v0.6/stats} request decoded to: stats a tracer computed itself (the agent's
 * {@code ClientStatsPayload}), with the groups of all its buckets in one list.
 *
 * @param lang the payload's {@code Lang}, or ""
 * @param groups every group of every bucket, in order
 */
public record ClientStats(String lang, List<Group> groups) {
    /**
     * The summary of a group that sent none: empty, shared, never written to (the collector only reads a
     * client's sketches, to merge them into its own), so that a group costs no sketch until it sends one.
     */
    public static final DDSketch NO_SUMMARY = DDSketches.unboundedDense(0.01);

    /**
     * One {@code ClientGroupedStats}: the stats of one aggregation key in one of the tracer's buckets. Like a
     * {@link Span}, it is changed only while its payload is processed (normalised, obfuscated).
     */
    public static final class Group {
        /** The start of the tracer's bucket, nanoseconds since the epoch. */
        public long start;
        public String service = "";
        public String name = "";
        public String resource = "";
        public String type = "";
        public String spanKind = "";
        public long httpStatus;
        /** {@code IsTraceRoot == 1} (a tri-state: 0 unknown, 1 true, 2 false). */
        public boolean root;
        public long hits;
        public long errors;
        public long topLevelHits;
        /** The sum of the spans' durations, nanoseconds. */
        public long duration;
        /** Latencies of the ok spans, in the collector's sketch mapping; {@link #NO_SUMMARY} when none was sent. */
        public DDSketch okSummary = NO_SUMMARY;
        /** Latencies of the error spans, likewise. */
        public DDSketch errorSummary = NO_SUMMARY;

        public Group() {}

        public Group(DDSketch okSummary, DDSketch errorSummary) {
            this.okSummary = okSummary;
            this.errorSummary = errorSummary;
        }
    }
}
