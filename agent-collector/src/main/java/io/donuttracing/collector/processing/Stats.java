package io.donuttracing.collector.processing;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.Store;
import io.donuttracing.collector.model.ClientStats;
import io.donuttracing.collector.model.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Span statistics as the agent's concentrator computes them ({@code pkg/trace/stats/span_concentrator.go}),
 * on everything received, before the sampler drops anything.
 *
 * <p>Counted spans: top-level ones, measured ones ({@code _dd.measured = 1}) and those whose
 * {@code span.kind} is server, client, producer or consumer. They are grouped by service, name,
 * resource, type, span kind, HTTP status code and is-root into 10 s buckets keyed by the span's end
 * time. Each group holds hits, top-level hits, errors, total and max duration, and DDSketch latency
 * summaries (1% relative accuracy) split by ok and error. Buckets older than the retention are dropped.
 *
 * <p>Stats that tracers computed themselves ({@code /v0.6/stats}) are merged into the same buckets and
 * groups ({@link #addClient}), so that a key's hits are the sum of both.
 *
 * <p>Memory is bounded whatever tracers send. A bucket holds {@value #MAX_GROUPS_PER_BUCKET} groups, then one
 * {@link #OTHER_RESOURCES} group per service and name, up to {@value #MAX_OVERFLOW_GROUPS} of them, then one
 * group for everything else ({@link #OTHER_SERVICES}). And when all the buckets together take more than the
 * memory budget (counted roughly: a fixed cost per group and its key's long strings), the oldest buckets
 * are dropped before their retention ends.
 */
public final class Stats {
    public static final long BUCKET_NANOS = 10_000_000_000L;
    public static final double RELATIVE_ACCURACY = 0.01;
    /** How far past the collector's clock a bucket may start and still be charted (tracers' clocks may run ahead). */
    private static final long CHART_FUTURE_NANOS = 60_000_000_000L;

    /** Groups in one 10 s bucket at most; beyond, a new key's resource becomes {@link #OTHER_RESOURCES}. */
    static final int MAX_GROUPS_PER_BUCKET = 2000;
    static final String OTHER_RESOURCES = "(other resources)";
    /** {@link #OTHER_RESOURCES} groups in one bucket at most; beyond, new keys share one group. */
    static final int MAX_OVERFLOW_GROUPS = 200;
    static final String OTHER_SERVICES = "(other services)";
    static final String OTHER_NAMES = "(other names)";
    /**
     * A group's heap, roughly, besides its sketches' bins: the map entry, the key, the counters, two sketches.
     * The bins are counted apart ({@link #binBytes}): a dense store holds 8 bytes for every index between its
     * lowest and highest, so a group whose latencies spread from nanoseconds to minutes takes tens of KB.
     */
    static final long GROUP_BYTES = 1500;
    /** The index mapping of every sketch here (sketches-java's choice for 1%: cubically interpolated). */
    public static final IndexMapping MAPPING = DDSketches.unboundedDense(RELATIVE_ACCURACY).getIndexMapping();

    /** One aggregation key. Mutable only as the lookup probe; stored keys are never changed. */
    static final class Key {
        String service;
        String name;
        String resource;
        String type;
        String spanKind;
        int httpStatus;
        boolean root;
        int hash;

        Key set(Span s, String kind, int status) {
            return set(s.service, s.name, s.resource, s.type, kind, status, s.parentId == 0);
        }

        Key set(String service, String name, String resource, String type, String kind, int status, boolean root) {
            this.service = service;
            this.name = name;
            this.resource = resource;
            this.type = type;
            this.spanKind = kind;
            this.httpStatus = status;
            this.root = root;
            int h = service.hashCode();
            h = 31 * h + name.hashCode();
            h = 31 * h + resource.hashCode();
            h = 31 * h + type.hashCode();
            h = 31 * h + kind.hashCode();
            h = 31 * h + status;
            hash = 31 * h + (root ? 1 : 0);
            return this;
        }

        Key copy() {
            Key k = new Key();
            k.service = service;
            k.name = name;
            k.resource = resource;
            k.type = type;
            k.spanKind = spanKind;
            k.httpStatus = httpStatus;
            k.root = root;
            k.hash = hash;
            return k;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.httpStatus == httpStatus && k.root == root
                    && k.service.equals(service) && k.name.equals(name) && k.resource.equals(resource)
                    && k.type.equals(type) && k.spanKind.equals(spanKind);
        }
    }

    /** The values of one group in one bucket. */
    public static final class Group {
        public long hits;
        public long topLevelHits;
        public long errors;
        public long topLevelErrors;
        public long durationSum;
        public long maxDuration;
        public final DDSketch okSummary = DDSketches.unboundedDense(RELATIVE_ACCURACY);
        public final DDSketch errorSummary = DDSketches.unboundedDense(RELATIVE_ACCURACY);
        /** Its own bytes without the sketches' bins, and with them as last measured. */
        final long fixedBytes;
        long bytes;

        Group(long fixedBytes) {
            this.fixedBytes = fixedBytes;
            this.bytes = fixedBytes;
        }
    }

    /** A summary of several groups merged (a service, a resource, a time bucket). */
    public record Summary(String service, String name, String resource, String type, long hits, long errors,
                          long durationSum, long maxDuration, DDSketch latency) {
        /**
         * The latency at quantile {@code q}, within the sketch's 1%, but never above the largest duration: the
         * sketch errs above as often as below, and "p50 445 ms, max 442 ms" for one request of 442 ms reads wrong.
         */
        public double quantile(double q) {
            return latency.isEmpty() ? 0 : Math.min(latency.getValueAtQuantile(q), maxDuration);
        }
    }

    private final long retentionNanos;
    private final long memoryBudget;
    private final TreeMap<Long, Map<Key, Group>> buckets = new TreeMap<>();
    private final Key probe = new Key();
    private long spansCounted;
    private long bytes;

    /** How long a bucket is kept (unless the memory budget lets the oldest go before). */
    public long retentionNanos() {
        return retentionNanos;
    }

    /** Without a memory budget: only the retention and the groups per bucket bound it. */
    public Stats(long retentionNanos) {
        this(retentionNanos, Long.MAX_VALUE);
    }

    /** @param memoryBudget bytes, as the groups are counted (see {@link #GROUP_BYTES}) */
    public Stats(long retentionNanos, long memoryBudget) {
        this.retentionNanos = retentionNanos;
        this.memoryBudget = memoryBudget;
    }

    /** Whether the agent computes stats for this span; like the agent, it reads {@code span.kind} in any case. */
    public static boolean counted(Span s, String kind) {
        if ((s.flags & (Span.TOP_LEVEL | Span.MEASURED)) != 0) {
            return true;
        }
        return kind.equalsIgnoreCase("server") || kind.equalsIgnoreCase("client") || kind.equalsIgnoreCase("producer")
                || kind.equalsIgnoreCase("consumer");
    }

    /**
     * As the agent's {@code getStatusCode} (pkg/trace/stats/aggregation.go): the numeric tag first (tracing-core's
     * {@code setTag("http.status_code", 404)} makes one, and its client stats read it so), else the string one, which
     * the normaliser has checked; 0 for none. A numeric code outside 100 to 599 is 0, as a string one would be.
     */
    private static int httpStatus(Span s) {
        double m = s.metric("http.status_code");
        if (!Double.isNaN(m)) {
            return m >= 100 && m < 600 ? (int) m : 0;
        }
        String st = s.meta("http.status_code");
        if (st == null) {
            return 0;
        }
        try {
            return Integer.parseInt(st); // validated by the normaliser
        } catch (NumberFormatException e) {
            return 0; // cannot happen after normalising; a bad tag must still not lose the payload
        }
    }

    /** Adds the spans of one payload's kept-or-not chunks. */
    public synchronized void add(List<Span[]> chunks, long nowNanos) {
        for (Span[] chunk : chunks) {
            for (Span s : chunk) {
                String kind = s.meta("span.kind");
                if (kind == null) {
                    kind = "";
                }
                if (!counted(s, kind)) {
                    continue;
                }
                int status = httpStatus(s);
                Map<Key, Group> bucket = bucket(s.end(), nowNanos);
                if (bucket == null) {
                    continue;
                }
                Group g = group(bucket, probe.set(s, kind, status));
                boolean top = s.isTopLevel();
                g.hits++;
                g.durationSum += s.duration;
                g.maxDuration = Math.max(g.maxDuration, s.duration);
                if (top) {
                    g.topLevelHits++;
                }
                if (s.error != 0) {
                    g.errors++;
                    if (top) {
                        g.topLevelErrors++;
                    }
                    g.errorSummary.accept(s.duration);
                } else {
                    g.okSummary.accept(s.duration);
                }
                measure(g);
                spansCounted++;
            }
        }
        evict(nowNanos);
    }

    /**
     * Merges groups of client stats (already normalised and obfuscated), each into the bucket of its tracer
     * bucket's start, so that they join the server-side stats of the same key.
     */
    public synchronized void addClient(List<ClientStats.Group> groups, long nowNanos) {
        for (ClientStats.Group c : groups) {
            Map<Key, Group> bucket = bucket(c.start, nowNanos);
            if (bucket == null) {
                continue;
            }
            Group g = group(bucket, probe.set(c.service, c.name, c.resource, c.type, c.spanKind, (int) c.httpStatus,
                    c.root));
            // each at most 2^63-1 (the decoder refuses more), so a sum that overflows is held at that
            g.hits = plus(g.hits, c.hits);
            g.topLevelHits = plus(g.topLevelHits, c.topLevelHits);
            g.errors = plus(g.errors, c.errors);
            // client stats do not say which errors were top-level: all when every hit is, none when none is
            g.topLevelErrors = plus(g.topLevelErrors,
                    c.hits == 0 ? 0 : Math.round((double) c.errors * c.topLevelHits / c.hits));
            g.durationSum = plus(g.durationSum, c.duration);
            // nor the longest duration: the sketches' largest value (within 1%) stands in for it
            g.maxDuration = Math.max(g.maxDuration, Math.max(max(c.okSummary), max(c.errorSummary)));
            g.okSummary.mergeWith(c.okSummary);
            g.errorSummary.mergeWith(c.errorSummary);
            measure(g);
        }
        evict(nowNanos);
    }

    /** The sum of two counts, held at {@code Long.MAX_VALUE} rather than overflowing into a negative one. */
    static long plus(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** Counts a group's bytes again after its sketches grew. */
    private void measure(Group g) {
        long now = g.fixedBytes + binBytes(g.okSummary) + binBytes(g.errorSummary);
        bytes += now - g.bytes;
        g.bytes = now;
    }

    /** What a sketch's dense stores hold for their range of indexes, with the slack they grow by. */
    static long binBytes(DDSketch sketch) {
        return binBytes(sketch.getPositiveValueStore()) + binBytes(sketch.getNegativeValueStore());
    }

    private static long binBytes(Store store) {
        return store.isEmpty() ? 0 : 8L * ((long) store.getMaxIndex() - store.getMinIndex() + 1 + 64);
    }

    private static long max(DDSketch sketch) {
        return sketch.isEmpty() ? 0 : Math.round(sketch.getMaxValue());
    }

    /** The bucket of this time, or null when it is already past retention. */
    private Map<Key, Group> bucket(long timeNanos, long nowNanos) {
        long bucketStart = Math.floorDiv(timeNanos, BUCKET_NANOS) * BUCKET_NANOS;
        Map<Key, Group> bucket = buckets.get(bucketStart);
        if (bucket == null) {
            if (bucketStart < nowNanos - retentionNanos) {
                return null;
            }
            bucket = new HashMap<>();
            buckets.put(bucketStart, bucket);
        }
        return bucket;
    }

    private Group group(Map<Key, Group> bucket, Key key) {
        Group g = bucket.get(key);
        if (g == null && bucket.size() >= MAX_GROUPS_PER_BUCKET) {
            // A resource with ids in it (GET /users/123) makes a group per value: past the limit, the new ones
            // share one group per everything else, so the service's hits and latencies stay whole.
            key.set(key.service, key.name, OTHER_RESOURCES, key.type, key.spanKind, key.httpStatus, key.root);
            g = bucket.get(key);
        }
        if (g == null && bucket.size() >= MAX_GROUPS_PER_BUCKET + MAX_OVERFLOW_GROUPS) {
            // so many services or names that even their overflow groups would grow without bound
            key.set(OTHER_SERVICES, OTHER_NAMES, OTHER_RESOURCES, "", "", 0, false);
            g = bucket.get(key);
        }
        if (g == null) {
            g = new Group(GROUP_BYTES + Span.ownBytes(key.service) + Span.ownBytes(key.name)
                    + Span.ownBytes(key.resource) + Span.ownBytes(key.type) + Span.ownBytes(key.spanKind));
            bytes += g.bytes;
            bucket.put(key.copy(), g);
        }
        return g;
    }

    private void evict(long nowNanos) {
        long oldest = nowNanos - retentionNanos;
        while (!buckets.isEmpty() && buckets.firstKey() < oldest) {
            drop(buckets.pollFirstEntry());
        }
        int max = (int) (retentionNanos / BUCKET_NANOS) + 32;
        while (buckets.size() > max) {
            drop(buckets.pollLastEntry()); // spans from the far future: keep memory bounded
        }
        while (bytes > memoryBudget && buckets.size() > 1) {
            drop(buckets.pollFirstEntry()); // the oldest history goes first
        }
    }

    private void drop(Map.Entry<Long, Map<Key, Group>> bucket) {
        for (Group g : bucket.getValue().values()) {
            bytes -= g.bytes;
        }
    }

    /** Forgets every bucket, as if no span had been counted yet; {@link #spansCounted} goes on counting. */
    public synchronized void clear() {
        buckets.clear();
        bytes = 0;
    }

    public synchronized long spansCounted() {
        return spansCounted;
    }

    public synchronized int bucketCount() {
        return buckets.size();
    }

    /** The groups' bytes, as counted against the memory budget. */
    public synchronized long bytes() {
        return bytes;
    }

    synchronized int groupCount() {
        return buckets.values().stream().mapToInt(Map::size).sum();
    }

    /** Per service: top-level hits, errors and latency (the service's entry points). */
    public synchronized List<Summary> services() {
        Map<String, Acc> acc = new TreeMap<>();
        for (Map<Key, Group> bucket : buckets.values()) {
            bucket.forEach((k, g) -> {
                Acc a = acc.computeIfAbsent(k.service, x -> new Acc(k));
                if (g.topLevelHits > 0) {
                    a.add(g, true);
                }
            });
        }
        List<Summary> out = new ArrayList<>();
        acc.forEach((service, a) -> out.add(a.summary(service, "", "", "")));
        return out;
    }

    /** Per resource of a service: every counted span of the service, grouped by resource. */
    public synchronized List<Summary> resources(String service) {
        Map<String, Acc> acc = new LinkedHashMap<>();
        for (Map<Key, Group> bucket : buckets.values()) {
            bucket.forEach((k, g) -> {
                if (k.service.equals(service)) {
                    acc.computeIfAbsent(k.resource, x -> new Acc(k)).add(g, false);
                }
            });
        }
        List<Summary> out = new ArrayList<>();
        acc.forEach((resource, a) -> out.add(a.summary(service, a.first.name, resource, a.first.type)));
        out.sort((x, y) -> Long.compare(y.hits(), x.hits()));
        return out;
    }

    /**
     * One point per bucket: {@code [bucketStartNanos, summary]} for the service (and resource, if given), up to a
     * minute past {@code nowNanos}. A span that ends later than that (a tracer that sent a clock reading as a
     * duration: 2^62 ns ends in 2173) would stretch a chart's time axis over centuries; the agent would not flush
     * its bucket before its time either. It still counts in the service's and resource's summaries.
     */
    public synchronized List<Map.Entry<Long, Summary>> timeseries(String service, String resource, long nowNanos) {
        List<Map.Entry<Long, Summary>> out = new ArrayList<>();
        Predicate<Key> match = k -> k.service.equals(service) && (resource == null || k.resource.equals(resource));
        buckets.headMap(nowNanos + CHART_FUTURE_NANOS, true).forEach((start, bucket) -> {
            Acc a = null;
            for (Map.Entry<Key, Group> e : bucket.entrySet()) {
                Key k = e.getKey();
                if (match.test(k) && (resource != null || e.getValue().topLevelHits > 0)) {
                    if (a == null) {
                        a = new Acc(k);
                    }
                    a.add(e.getValue(), resource == null);
                }
            }
            if (a != null) {
                out.add(Map.entry(start, a.summary(service, "", Objects.requireNonNullElse(resource, ""), "")));
            }
        });
        return out;
    }

    private static final class Acc {
        final Key first;
        long hits;
        long errors;
        long durationSum;
        long maxDuration;
        final DDSketch latency = DDSketches.unboundedDense(RELATIVE_ACCURACY);

        Acc(Key first) {
            this.first = first;
        }

        void add(Group g, boolean topLevelOnly) {
            hits = plus(hits, topLevelOnly ? g.topLevelHits : g.hits);
            errors = plus(errors, topLevelOnly ? g.topLevelErrors : g.errors);
            durationSum = plus(durationSum, g.durationSum);
            maxDuration = Math.max(maxDuration, g.maxDuration);
            latency.mergeWith(g.okSummary);
            latency.mergeWith(g.errorSummary);
        }

        Summary summary(String service, String name, String resource, String type) {
            return new Summary(service, name, resource, type, hits, errors, durationSum, maxDuration, latency);
        }
    }
}
