package io.donuttracing.collector;

import io.donuttracing.collector.export.Exporter;
import io.donuttracing.collector.model.ClientStats;
import io.donuttracing.collector.model.Payload;
import io.donuttracing.collector.model.Span;
import io.donuttracing.collector.processing.FilterTags;
import io.donuttracing.collector.processing.IgnoredResources;
import io.donuttracing.collector.processing.Normalizer;
import io.donuttracing.collector.processing.Obfuscator;
import io.donuttracing.collector.processing.Sampler;
import io.donuttracing.collector.processing.Stats;
import io.donuttracing.collector.store.TraceStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What happens to a decoded payload, in the agent's order: normalise each chunk (dropping the invalid
 * ones), drop those whose root's resource is ignored ({@code DD_APM_IGNORE_RESOURCES}) or whose root's tags
 * the tag filters reject ({@code DD_APM_FILTER_TAGS_*}), mark top-level
 * spans, obfuscate, compute stats on everything (unless the tracer sends them to {@code /v0.6/stats}
 * itself), sample, then store and export what is kept. Counts everything it does for {@code /api/stats}.
 */
public final class Pipeline {
    private final Normalizer normalizer;
    private final IgnoredResources ignored;
    private final FilterTags filterTags;
    private final Obfuscator obfuscator;
    private final Stats stats;
    private final Sampler sampler;
    private final TraceStore store;
    private final Exporter exporter;
    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();

    public Pipeline(Normalizer normalizer, IgnoredResources ignored, FilterTags filterTags, Obfuscator obfuscator,
                    Stats stats, Sampler sampler, TraceStore store, Exporter exporter) {
        this.normalizer = normalizer;
        this.ignored = ignored;
        this.filterTags = filterTags;
        this.obfuscator = obfuscator;
        this.stats = stats;
        this.sampler = sampler;
        this.store = store;
        this.exporter = exporter;
    }

    public void accept(Payload payload) {
        long now = System.currentTimeMillis() * 1_000_000L;
        List<Span[]> valid = new ArrayList<>(payload.chunks().size());
        long spans = 0;
        for (Span[] chunk : payload.chunks()) {
            spans += chunk.length;
            Normalizer.Drop drop = normalizer.normalize(chunk, payload.lang(), now);
            if (drop != null) {
                count("traces_dropped." + drop.key, 1);
                count("spans_dropped." + drop.key, chunk.length);
                continue;
            }
            if (ignored.ignores(chunk) || filterTags.rejects(chunk)) {
                count("traces_filtered", 1);
                count("spans_filtered", chunk.length);
                continue;
            }
            markTopLevel(chunk, payload.clientComputedTopLevel());
            for (Span s : chunk) {
                obfuscator.obfuscate(s);
            }
            valid.add(chunk);
        }
        count("payloads_accepted", 1);
        count("traces_received", payload.chunks().size());
        count("spans_received", spans);
        if (!payload.clientComputedStats()) {
            stats.add(valid, now);
        }
        countClientDropped(payload, valid);
        List<Span[]> kept = new ArrayList<>(valid.size());
        long keptSpans = 0;
        for (Span[] chunk : valid) {
            Sampler.Decision d = sampler.sample(chunk);
            count("sampling." + d.key, 1);
            if (d.keep) {
                kept.add(chunk);
                keptSpans += chunk.length;
            } else {
                count("spans_dropped.sampling", chunk.length);
            }
        }
        count("traces_kept", kept.size());
        count("spans_kept", keptSpans);
        store.add(kept);
        exporter.offer(kept);
    }

    private void countClientDropped(Payload payload, List<Span[]> valid) {
        count("client_dropped_p0_traces", payload.droppedP0Traces());
        count("client_dropped_p0_spans", payload.droppedP0Spans());
        // A tracer's payload holds its own process's traces, so the root of its first (normalised) chunk names
        // the service and env whose traffic the dropped traces were part of. Without a chunk they only count.
        if (payload.droppedP0Traces() > 0 && !valid.isEmpty()) {
            sampler.countDropped(Sampler.rateKey(Sampler.root(valid.get(0))), payload.droppedP0Traces());
        }
    }

    /**
     * Stats a tracer computed itself ({@code /v0.6/stats}): each group is normalised and its resource
     * obfuscated as its spans would have been, then merged with the server-side stats of the same key.
     */
    public void acceptClientStats(ClientStats payload) {
        for (ClientStats.Group g : payload.groups()) {
            normalizer.normalize(g, payload.lang());
            g.resource = obfuscator.resource(g.type, g.resource);
        }
        count("client_stats_groups", payload.groups().size());
        stats.addClient(payload.groups(), System.currentTimeMillis() * 1_000_000L);
    }

    /** Marks top-level and measured spans, from the chunk itself unless the client computed them. */
    static void markTopLevel(Span[] chunk, boolean clientComputed) {
        Map<Long, String> services = null;
        if (!clientComputed && chunk.length > 16) {
            services = new HashMap<>(chunk.length * 2);
            for (Span s : chunk) {
                services.put(s.spanId, s.service);
            }
        }
        for (Span s : chunk) {
            int flags = 0;
            if (s.metric("_dd.measured") == 1) {
                flags |= Span.MEASURED;
            }
            boolean top;
            if (clientComputed) {
                top = s.metric("_top_level") == 1 || s.metric("_dd.top_level") == 1;
            } else if (s.parentId == 0) {
                top = true;
            } else {
                String parentService = null;
                if (services != null) {
                    parentService = services.get(s.parentId);
                } else {
                    for (Span p : chunk) {
                        if (p.spanId == s.parentId) {
                            parentService = p.service;
                            break;
                        }
                    }
                }
                top = parentService == null || !parentService.equals(s.service);
            }
            if (top) {
                flags |= Span.TOP_LEVEL;
            }
            s.flags = flags;
        }
    }

    public void count(String key, long n) {
        counters.computeIfAbsent(key, k -> new LongAdder()).add(n);
    }

    public Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public Map<String, Double> rateByService() {
        return sampler.rateByService();
    }
}
