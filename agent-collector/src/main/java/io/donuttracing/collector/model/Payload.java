package io.donuttracing.collector.model;

import java.util.List;

/**
 * What one intake request decoded to: its trace chunks (each an array of spans of one trace) and what
 * the tracer said about itself in the request headers.
 *
 * @param chunks the decoded chunks, in order
 * @param lang the {@code Datadog-Meta-Lang} header, or ""
 * @param clientComputedTopLevel whether {@code Datadog-Client-Computed-Top-Level} was sent
 */
public record Payload(List<Span[]> chunks, String lang, boolean clientComputedTopLevel) {
    public int spanCount() {
        int n = 0;
        for (Span[] c : chunks) {
            n += c.length;
        }
        return n;
    }
}
