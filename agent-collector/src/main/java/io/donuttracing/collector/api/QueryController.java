package io.donuttracing.collector.api;

import io.donuttracing.collector.Pipeline;
import io.donuttracing.collector.export.Exporter;
import io.donuttracing.collector.model.Span;
import io.donuttracing.collector.processing.Stats;
import io.donuttracing.collector.store.TraceStore;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The query API behind the web page, in JSON. Ids are decimal strings: JavaScript cannot hold a uint64.
 * Times are nanoseconds. A query parameter given twice, or outside what it takes, is 400 with a detail that names
 * it and what it takes ({@link BadParameterException}); blank is as absent.
 */
@RestController
public class QueryController {
    private static final int MAX_LIMIT = 1000;

    private final TraceStore store;
    private final Stats stats;
    private final Pipeline pipeline;
    private final Exporter exporter;

    public QueryController(TraceStore store, Stats stats, Pipeline pipeline, Exporter exporter) {
        this.store = store;
        this.stats = stats;
        this.pipeline = pipeline;
        this.exporter = exporter;
    }

    /** {@code {"services":[{"name","hits","errors","p50","p95","p99","max","avg","stored_spans"}]}}: top-level spans. */
    @GetMapping("/api/services")
    public Map<String, Object> services() {
        Map<String, Map<String, Object>> byName = new java.util.TreeMap<>();
        for (Stats.Summary s : stats.services()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.service());
            putSummary(m, s);
            byName.put(s.service(), m);
        }
        // services whose spans are stored but fell out of the stats window (or were never counted)
        for (Map.Entry<String, Integer> e : store.spansByService().entrySet()) {
            Map<String, Object> m = byName.get(e.getKey());
            if (m == null) {
                m = new LinkedHashMap<>();
                m.put("name", e.getKey());
                putSummary(m, new Stats.Summary(e.getKey(), "", "", "", 0, 0, 0, 0,
                        com.datadoghq.sketch.ddsketch.DDSketches.unboundedDense(Stats.RELATIVE_ACCURACY)));
                byName.put(e.getKey(), m);
            }
            m.put("stored_spans", e.getValue());
        }
        return Map.of("services", new ArrayList<>(byName.values()));
    }

    /**
     * Per resource of the service, the busiest first: hits, errors, p50, p95, p99, max and avg in ns; how many resources
     * there are in all; and how long stats are kept.
     *
     * @param limit at most this many resources (default 50, 1 to 1000): ids in resources ({@code GET /users/123})
     *     make thousands, which the page would draw as as many rows
     */
    @GetMapping("/api/services/{service}/resources")
    public Map<String, Object> resources(@PathVariable String service, HttpServletRequest request) {
        int max = limit(param(request, "limit"));
        List<Stats.Summary> all = stats.resources(service);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Stats.Summary s : all.subList(0, Math.min(max, all.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("resource", s.resource());
            m.put("name", s.name());
            m.put("type", s.type());
            putSummary(m, s);
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", service);
        out.put("resources", list);
        out.put("total", all.size());
        out.put("retention", stats.retentionNanos());
        return out;
    }

    /** One point per 10 s bucket: hits, errors and latency percentiles of the service (or one resource). */
    @GetMapping("/api/services/{service}/timeseries")
    public Map<String, Object> timeseries(@PathVariable String service, HttpServletRequest request) {
        String resource = param(request, "resource");
        List<Map<String, Object>> points = new ArrayList<>();
        long nowNanos = System.currentTimeMillis() * 1_000_000L;
        for (Map.Entry<Long, Stats.Summary> e : stats.timeseries(service, resource, nowNanos)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", e.getKey());
            putSummary(m, e.getValue());
            points.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", service);
        out.put("resource", resource == null ? "" : resource);
        out.put("bucket", Stats.BUCKET_NANOS);
        out.put("points", points);
        return out;
    }

    private static void putSummary(Map<String, Object> m, Stats.Summary s) {
        m.put("hits", s.hits());
        m.put("errors", s.errors());
        m.put("p50", Math.round(s.quantile(0.50)));
        m.put("p95", Math.round(s.quantile(0.95)));
        m.put("p99", Math.round(s.quantile(0.99)));
        m.put("max", s.maxDuration());
        long n = (long) s.latency().getCount();
        m.put("avg", n == 0 ? 0 : s.durationSum() / n);
    }

    /**
     * The newest traces first, a page at a time: {@code {"traces":[{"trace_id","root","services","span_count","start",
     * "duration","error","error_count"}],"next"}}. {@code next} is the {@code trace_id} to give as {@code before} for
     * the next page, of older traces, or null when no older trace matches: a client asks again while it is not null.
     *
     * @param service only traces with a span of this service
     * @param resource only traces with a span of this resource
     * @param minDurationMs only traces at least this long
     * @param error {@code true}: only traces with an error; {@code false}: only those without
     * @param before only traces stored before this one, in the list's order: a page's {@code next} (any trace id
     *     {@link TraceIds} reads). 404 when that trace is no longer stored (evicted, or removed by
     *     {@code DELETE /api/traces}): start again from the newest, without it
     * @param limit at most this many (default 50, 1 to 1000)
     */
    @GetMapping("/api/traces")
    public ResponseEntity<Object> traces(HttpServletRequest request) {
        String svc = param(request, "service");
        String res = param(request, "resource");
        long minDuration = minDuration(param(request, "minDurationMs"));
        int max = limit(param(request, "limit"));
        Boolean wantError = wantError(param(request, "error"));
        Long before = before(param(request, "before"));
        Predicate<Span[]> filter = spans -> {
            if (svc != null || res != null) {
                boolean found = false;
                for (Span s : spans) {
                    if ((svc == null || s.service.equals(svc)) && (res == null || s.resource.equals(res))) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    return false;
                }
            }
            if (minDuration > 0 && Waterfall.traceDuration(spans) < minDuration) {
                return false;
            }
            if (wantError != null) {
                boolean hasError = false;
                for (Span s : spans) {
                    if (s.error != 0) {
                        hasError = true;
                        break;
                    }
                }
                return hasError == wantError;
            }
            return true;
        };
        store.awaitPieces(null); // a trace still arriving is listed whole
        TraceStore.Page page = store.page(before, filter, max);
        if (page == null) {
            return notFound("no trace " + Long.toUnsignedString(before) + " in the store to list older traces from"
                    + " (evicted, or removed by DELETE /api/traces); start again from the newest, without before");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (TraceStore.StoredTrace t : page.traces()) {
            list.add(summary(t));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("traces", list);
        out.put("next", page.older() ? list.get(list.size() - 1).get("trace_id") : null);
        return ResponseEntity.ok(out);
    }

    /**
     * Removes every stored trace and the services' statistics, so that the page starts again from nothing (between
     * two steps of the workshop, or two groups) without restarting the collector: {@code {"traces_removed",
     * "spans_removed"}}. DELETE, not POST: a web page on another site cannot send it without the collector's leave
     * (a CORS preflight, which the collector does not answer), where it could send a form's POST.
     */
    @DeleteMapping("/api/traces")
    public Map<String, Object> clear() {
        TraceStore.Removed removed = store.clear();
        stats.clear();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("traces_removed", removed.traces());
        out.put("spans_removed", removed.spans());
        return out;
    }

    /** A query parameter given twice, or outside what it takes: a 400 whose detail says which, and what it takes. */
    static final class BadParameterException extends RuntimeException {
        BadParameterException(String detail) {
            super(detail, null, false, false);
        }
    }

    /** The one value of a query parameter, or null when it is absent or blank. */
    private static String param(HttpServletRequest request, String name) {
        String[] values = request.getParameterValues(name);
        if (values == null) {
            return null;
        }
        if (values.length > 1) {
            throw new BadParameterException(name + " is given " + values.length + " times; give it once");
        }
        return values[0].isBlank() ? null : values[0];
    }

    /** {@code minDurationMs}, in ns: a finite number of milliseconds, 0 or more (0 when absent). */
    private static long minDuration(String ms) {
        if (ms == null) {
            return 0;
        }
        double v;
        try {
            v = Double.parseDouble(ms);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!Double.isFinite(v) || v < 0) {
            throw new BadParameterException("minDurationMs must be a number of milliseconds, 0 or more, got " + ms);
        }
        return Math.round(v * 1_000_000); // held at Long.MAX_VALUE past 292 years
    }

    /** {@code limit}: an integer from 1 to {@link #MAX_LIMIT} (50 when absent). */
    private static int limit(String limit) {
        return limit(limit, 50, MAX_LIMIT);
    }

    private static int limit(String limit, int absent, int max) {
        if (limit == null) {
            return absent;
        }
        int n;
        try {
            n = Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1 || n > max) {
            throw new BadParameterException("limit must be an integer from 1 to " + max + ", got " + limit);
        }
        return n;
    }

    /** {@code before}: a trace id, in any form {@link TraceIds} reads (null when absent). */
    private static Long before(String before) {
        if (before == null) {
            return null;
        }
        try {
            return TraceIds.parse(before);
        } catch (IllegalArgumentException e) {
            throw new BadParameterException("before must be a trace id, got " + before + ": " + e.getMessage()
                    + "; give a page's next, or leave before out to start again from the newest");
        }
    }

    /** {@code error}: true, 1 or yes; false, 0 or no; null (either) when absent. */
    private static Boolean wantError(String error) {
        return switch (error == null ? "" : error.toLowerCase(java.util.Locale.ROOT)) {
            case "" -> null;
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new BadParameterException("error must be true or false (1 or 0, yes or no), got " + error);
        };
    }

    private static Map<String, Object> summary(TraceStore.StoredTrace t) {
        Span[] spans = t.spans();
        Span root = root(spans);
        Set<String> services = new LinkedHashSet<>();
        services.add(root.service);
        int errors = 0;
        for (Span s : spans) {
            services.add(s.service);
            if (s.error != 0) {
                errors++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trace_id", Long.toUnsignedString(t.traceId()));
        m.put("root", span(root, -1));
        m.put("services", new ArrayList<>(services));
        m.put("span_count", spans.length);
        m.put("start", Waterfall.traceStart(spans));
        m.put("duration", Waterfall.traceDuration(spans));
        m.put("error", errors > 0 ? 1 : 0);
        m.put("error_count", errors);
        return m;
    }

    private static Span root(Span[] spans) {
        List<Waterfall.Row> rows = Waterfall.rows(spans);
        return rows.get(0).span();
    }

    /**
     * The trace's spans in tree order with every field, and its {@code span_count}, {@code services} and
     * {@code error_count}; {@code ?format=text} gives the text waterfall.
     *
     * @param limit at most this many spans, the first in tree order (default: all); the counts are the whole
     *     trace's. The page asks for a thousand: a trace may hold as many spans as the store's budget, and a browser
     *     drawing a hundred thousand rows stops answering.
     */
    @GetMapping("/api/traces/{traceId}")
    public ResponseEntity<?> trace(@PathVariable String traceId, HttpServletRequest request) {
        String format = param(request, "format");
        int max = limit(param(request, "limit"), Integer.MAX_VALUE, Integer.MAX_VALUE);
        if (format != null && !format.equals("text")) {
            throw new BadParameterException("format must be text, or absent for JSON, got " + format);
        }
        long id;
        try {
            id = TraceIds.parse(traceId);
        } catch (IllegalArgumentException e) {
            return badRequest(e.getMessage());
        }
        store.awaitPieces(id);
        TraceStore.StoredTrace t = store.get(id);
        if (t == null) {
            String detail = "no trace " + Long.toUnsignedString(id) + " in the store";
            if ("text".equals(format)) {
                return ResponseEntity.status(404).contentType(MediaType.TEXT_PLAIN).body(detail + "\n");
            }
            return notFound(detail);
        }
        if ("text".equals(format)) {
            return ResponseEntity.ok().contentType(new MediaType("text", "plain", java.nio.charset.StandardCharsets.UTF_8))
                    .body(Waterfall.text(t.traceId(), t.spans()));
        }
        long start = Waterfall.traceStart(t.spans());
        List<Map<String, Object>> spans = new ArrayList<>();
        Set<String> services = new LinkedHashSet<>();
        int errors = 0;
        for (Waterfall.Row r : Waterfall.rows(t.spans())) {
            services.add(r.span().service);
            if (r.span().error != 0) {
                errors++;
            }
            if (spans.size() < max) {
                Map<String, Object> m = span(r.span(), start);
                m.put("depth", r.depth());
                spans.add(m);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("trace_id", Long.toUnsignedString(t.traceId()));
        out.put("start", start);
        out.put("duration", Waterfall.traceDuration(t.spans()));
        out.put("span_count", t.spans().length);
        out.put("services", new ArrayList<>(services));
        out.put("error_count", errors);
        out.put("spans", spans);
        return ResponseEntity.ok(out);
    }

    static Map<String, Object> span(Span s, long traceStart) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trace_id", Long.toUnsignedString(s.traceId));
        m.put("span_id", Long.toUnsignedString(s.spanId));
        m.put("parent_id", Long.toUnsignedString(s.parentId));
        m.put("service", s.service);
        m.put("name", s.name);
        m.put("resource", s.resource);
        m.put("type", s.type);
        m.put("start", s.start);
        if (traceStart >= 0) {
            m.put("start_offset", s.start - traceStart);
        }
        m.put("duration", s.duration);
        m.put("error", s.error);
        m.put("top_level", s.isTopLevel());
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < s.meta.length; i += 2) {
            meta.put(s.meta[i], s.meta[i + 1]);
        }
        m.put("meta", meta);
        Map<String, Object> metrics = new LinkedHashMap<>();
        for (int i = 0; i < s.metricKeys.length; i++) {
            double v = s.metricValues[i];
            metrics.put(s.metricKeys[i], Double.isFinite(v) ? (Object) v : Double.toString(v));
        }
        m.put("metrics", metrics);
        return m;
    }

    /** Intake, sampling, store and export counters. */
    @GetMapping("/api/stats")
    public Map<String, Object> counters() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("intake", pipeline.counters());
        TraceStore.Counters c = store.counters();
        Map<String, Object> st0 = new LinkedHashMap<>();
        st0.put("traces", c.traces());
        st0.put("spans", c.spans());
        st0.put("span_budget", c.spanBudget());
        st0.put("bytes", c.bytes());
        st0.put("memory_budget", c.memoryBudget());
        st0.put("traces_added", c.tracesAdded());
        st0.put("pieces_joined", c.piecesJoined());
        st0.put("spans_stored", c.spansStored());
        st0.put("traces_evicted", c.tracesEvicted());
        st0.put("spans_evicted", c.spansEvicted());
        st0.put("traces_removed", c.tracesRemoved());
        st0.put("spans_removed", c.spansRemoved());
        st0.put("spans_duplicate", c.spansDuplicate());
        st0.put("spans_dropped_trace_full", c.spansDroppedTraceFull());
        out.put("store", st0);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("spans_counted", stats.spansCounted());
        st.put("buckets", stats.bucketCount());
        st.put("bytes", stats.bytes());
        out.put("stats", st);
        out.put("export", exporter.counters());
        return out;
    }

    private static ResponseEntity<Object> notFound(String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "not_found");
        body.put("detail", detail);
        return ResponseEntity.status(404).body(body);
    }

    private static ResponseEntity<Object> badRequest(String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "bad_request");
        body.put("detail", detail);
        return ResponseEntity.badRequest().body(body);
    }
}
