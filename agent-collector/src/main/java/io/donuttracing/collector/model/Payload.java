package io.donuttracing.collector.model;

import java.util.List;

/**
 * What one intake request decoded to: its trace chunks (each an array of spans of one trace) and what
 * the tracer said about itself in the request headers.
 *
 * @param chunks the decoded chunks, in order
 * @param lang the {@code Datadog-Meta-Lang} header, or ""
 * @param clientComputedTopLevel whether {@code Datadog-Client-Computed-Top-Level} was sent
 * @param clientComputedStats whether {@code Datadog-Client-Computed-Stats} was sent: the tracer sends the
 *     stats of these spans to {@code /v0.6/stats} itself
 * @param droppedP0Traces {@code Datadog-Client-Dropped-P0-Traces}: priority-0 traces the tracer dropped
 *     since its last payload (0 when absent or malformed)
 * @param droppedP0Spans {@code Datadog-Client-Dropped-P0-Spans}: the spans of those traces
 */
public record Payload(List<Span[]> chunks, String lang, boolean clientComputedTopLevel, boolean clientComputedStats,
                      long droppedP0Traces, long droppedP0Spans) {
}
