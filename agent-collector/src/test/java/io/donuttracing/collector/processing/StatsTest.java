package io.donuttracing.collector.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import io.donuttracing.collector.model.ClientStats;
import io.donuttracing.collector.model.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StatsTest {
    private static final long NOW = 1_750_000_000_000_000_000L;

    private static Span span(String service, String resource, long duration, int error, int flags, String kind) {
        Span s = new Span();
        s.traceId = 1;
        s.spanId = 1;
        s.service = service;
        s.name = "servlet.request";
        s.resource = resource;
        s.type = "web";
        s.start = NOW - 5_000_000_000L;
        s.duration = duration;
        s.error = error;
        s.flags = flags;
        if (kind != null) {
            s.meta = new String[] {"span.kind", kind, "http.status_code", error == 0 ? "200" : "500"};
        }
        return s;
    }

    @Test
    void percentilesAreWithinOnePercentOfTheExactOnes() {
        Stats stats = new Stats(3_600_000_000_000L);
        Random rnd = new Random(7);
        int n = 50_000;
        long[] durations = new long[n];
        List<Span[]> chunks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // log-normal latencies around 20 ms, a long tail
            long d = (long) (Math.exp(rnd.nextGaussian() * 0.8) * 20_000_000L) + 1000;
            durations[i] = d;
            chunks.add(new Span[] {span("pct", "GET /x", d, i % 50 == 0 ? 1 : 0, Span.TOP_LEVEL, "server")});
        }
        stats.add(chunks, NOW);
        Arrays.sort(durations);
        Stats.Summary s = stats.resources("pct").get(0);
        assertThat(s.hits()).isEqualTo(n);
        assertThat(s.errors()).isEqualTo(n / 50);
        assertThat(s.maxDuration()).isEqualTo(durations[n - 1]);
        for (double q : new double[] {0.5, 0.95, 0.99}) {
            double exact = durations[(int) Math.floor(q * (n - 1))];
            assertThat(s.quantile(q)).as("p%s", q * 100).isCloseTo(exact, within(exact * 0.01));
        }
        Stats.Summary svc = stats.services().stream().filter(x -> x.service().equals("pct")).findFirst().orElseThrow();
        assertThat(svc.hits()).isEqualTo(n);
        assertThat(stats.timeseries("pct", null, NOW)).hasSize(1);
    }

    /** A span ending in 2173 (a duration of 2^62 ns) is counted, but the chart stays on the present. */
    @Test
    void aSpanEndingFarInTheFutureIsCountedButNotCharted() {
        Stats stats = new Stats(3_600_000_000_000L);
        Span absurd = span("future", "GET /f", 1L << 62, 0, Span.TOP_LEVEL, "server");
        Span soon = span("future", "GET /f", 1_000_000, 0, Span.TOP_LEVEL, "server");
        soon.start = NOW + 40_000_000_000L; // a tracer's clock 40 s ahead of the collector's: still charted
        stats.add(List.of(new Span[] {span("future", "GET /f", 1_000_000, 0, Span.TOP_LEVEL, "server")},
                new Span[] {absurd}, new Span[] {soon}), NOW);
        assertThat(stats.resources("future").get(0).hits()).isEqualTo(3);
        assertThat(stats.timeseries("future", null, NOW)).extracting(Map.Entry::getKey).containsExactly(
                Math.floorDiv(NOW - 4_000_000_000L, Stats.BUCKET_NANOS) * Stats.BUCKET_NANOS,
                Math.floorDiv(NOW + 41_000_000_000L, Stats.BUCKET_NANOS) * Stats.BUCKET_NANOS);
    }

    @Test
    void onlyTopLevelMeasuredOrKindedSpansAreCountedAndGroupedByStatus() {
        Stats stats = new Stats(3_600_000_000_000L);
        stats.add(List.<Span[]>of(new Span[] {
            span("grp", "a", 10, 0, Span.TOP_LEVEL, null),
            span("grp", "b", 10, 0, 0, null), // internal: not counted
            span("grp", "c", 10, 0, Span.MEASURED, null),
            span("grp", "d", 10, 0, 0, "client"),
            span("grp", "d", 10, 1, 0, "client"),
        }), NOW);
        List<Stats.Summary> res = stats.resources("grp");
        assertThat(res).extracting(Stats.Summary::resource).containsExactlyInAnyOrder("a", "c", "d");
        Stats.Summary d = res.stream().filter(x -> x.resource().equals("d")).findFirst().orElseThrow();
        assertThat(d.hits()).isEqualTo(2);
        assertThat(d.errors()).isEqualTo(1);
        assertThat(stats.spansCounted()).isEqualTo(4);
    }

    /** The agent's {@code computeStatsForSpanKind} lower-cases {@code span.kind} before it looks at it. */
    @Test
    void aSpanKindInUpperCaseCountsToo() {
        Stats stats = new Stats(3_600_000_000_000L);
        stats.add(List.<Span[]>of(new Span[] {
            span("kinds", "SERVER", 10, 0, 0, "SERVER"),
            span("kinds", "Client", 10, 0, 0, "Client"),
            span("kinds", "INTERNAL", 10, 0, 0, "INTERNAL"), // internal: not counted
        }), NOW);
        assertThat(stats.resources("kinds")).extracting(Stats.Summary::resource)
                .containsExactlyInAnyOrder("SERVER", "Client");
    }

    @Test
    void pastTheLimitOfGroupsInABucketNewResourcesShareOneGroup() {
        Stats stats = new Stats(3_600_000_000_000L);
        Span[] spans = new Span[Stats.MAX_GROUPS_PER_BUCKET + 500]; // a resource with an id in it: GET /users/<id>
        for (int i = 0; i < spans.length; i++) {
            spans[i] = span("ids", "GET /users/" + i, 10, 0, Span.TOP_LEVEL, null);
        }
        stats.add(List.<Span[]>of(spans), NOW);
        List<Stats.Summary> res = stats.resources("ids");
        assertThat(res).hasSize(Stats.MAX_GROUPS_PER_BUCKET + 1);
        assertThat(res.stream().filter(r -> r.resource().equals(Stats.OTHER_RESOURCES)).findFirst().orElseThrow().hits())
                .isEqualTo(500);
        assertThat(res.stream().mapToLong(Stats.Summary::hits).sum()).as("every hit counted").isEqualTo(spans.length);
    }

    private static ClientStats.Group clientGroup(String service, String resource, long start) {
        ClientStats.Group g = new ClientStats.Group(DDSketches.unboundedDense(Stats.RELATIVE_ACCURACY),
                DDSketches.unboundedDense(Stats.RELATIVE_ACCURACY));
        g.start = start;
        g.service = service;
        g.name = "servlet.request";
        g.resource = resource;
        g.type = "web";
        g.spanKind = "server";
        g.httpStatus = 200;
        g.root = true;
        return g;
    }

    @Test
    void clientStatsJoinTheGroupOfTheSameKey() {
        Stats stats = new Stats(3_600_000_000_000L);
        Span server = span("cli", "GET /c", 4_000_000, 0, Span.TOP_LEVEL, "server");
        server.parentId = 0;
        stats.add(List.<Span[]>of(new Span[] {server}), NOW);
        // 4 hits, 2 of them errors, half of them top-level: the top-level errors are estimated pro rata
        ClientStats.Group g = clientGroup("cli", "GET /c", server.end() - 3_000_000_000L);
        g.hits = 4;
        g.errors = 2;
        g.topLevelHits = 2;
        g.duration = 20_000_000;
        g.okSummary.accept(2_000_000, 2);
        g.errorSummary.accept(8_000_000, 2);
        stats.addClient(List.of(g), NOW);

        List<Stats.Summary> res = stats.resources("cli");
        assertThat(res).hasSize(1);
        Stats.Summary r = res.get(0);
        assertThat(r.hits()).isEqualTo(5);
        assertThat(r.errors()).isEqualTo(2);
        assertThat(r.durationSum()).isEqualTo(24_000_000);
        assertThat((double) r.maxDuration()).as("the error sketch's max").isCloseTo(8_000_000, within(80_000.0));
        assertThat(r.latency().getCount()).isEqualTo(5);
        Stats.Summary svc = stats.services().get(0);
        assertThat(svc.hits()).isEqualTo(3);
        assertThat(svc.errors()).isEqualTo(1);
        assertThat(stats.timeseries("cli", null, NOW)).hasSize(1);

        ClientStats.Group old = clientGroup("cli", "GET /c", NOW - 7_200_000_000_000L);
        old.hits = 1;
        stats.addClient(List.of(old), NOW);
        assertThat(stats.resources("cli").get(0).hits()).as("past retention: dropped").isEqualTo(5);
    }

    /**
     * {@code span.setTag("http.status_code", 404)} in tracing-core sends a metric, not a meta string. The agent's
     * getStatusCode reads the metric first (pkg/trace/stats/aggregation.go), and so does tracing-core's ClientStats
     * for the traces it drops: the spans received must land in the group of those client stats, not in status 0's.
     */
    @Test
    void aNumericStatusCodeGroupsAsTheAgentAndTheTracersClientStatsGroupIt() {
        Stats stats = new Stats(3_600_000_000_000L);
        Span server = span("num", "GET /n", 4_000_000, 0, Span.TOP_LEVEL, null);
        server.meta = new String[] {"span.kind", "server"};
        server.metricKeys = new String[] {"http.status_code"};
        server.metricValues = new double[] {404};
        stats.add(List.<Span[]>of(new Span[] {server}), NOW);
        ClientStats.Group dropped = clientGroup("num", "GET /n", server.end() - 3_000_000_000L);
        dropped.httpStatus = 404;
        dropped.hits = 1;
        dropped.topLevelHits = 1;
        dropped.duration = 4_000_000;
        dropped.okSummary.accept(4_000_000, 1);
        stats.addClient(List.of(dropped), NOW);
        assertThat(stats.groupCount()).as("one key: status 404 both").isEqualTo(1);

        Span odd = span("num", "GET /n", 4_000_000, 0, Span.TOP_LEVEL, null);
        odd.meta = new String[] {"span.kind", "server"};
        odd.metricKeys = new String[] {"http.status_code"};
        odd.metricValues = new double[] {99}; // outside 100 to 599: status 0, as a string one would be
        stats.add(List.<Span[]>of(new Span[] {odd}), NOW);
        assertThat(stats.groupCount()).isEqualTo(2);
    }

    @Test
    void bucketsOlderThanTheRetentionAreDropped() {
        Stats stats = new Stats(60_000_000_000L);
        Span old = span("ret", "a", 10, 0, Span.TOP_LEVEL, null);
        old.start = NOW - 120_000_000_000L;
        stats.add(List.<Span[]>of(new Span[] {old}), NOW);
        assertThat(stats.resources("ret")).isEmpty();
        stats.add(List.<Span[]>of(new Span[] {span("ret", "a", 10, 0, Span.TOP_LEVEL, null)}), NOW);
        assertThat(stats.resources("ret")).hasSize(1);
        stats.add(List.of(), NOW + 600_000_000_000L);
        assertThat(stats.resources("ret")).isEmpty();
    }

    @Test
    void aBucketsGroupsStayBoundedHoweverManyServicesAndResourcesArrive() {
        Stats stats = new Stats(3_600_000_000_000L);
        List<Span[]> chunks = new ArrayList<>();
        int n = 10_000;
        for (int i = 0; i < n; i++) { // a service and a resource of their own each: one group per span unbounded
            chunks.add(new Span[] {span("bounded-" + i, "GET /users/" + i, 1_000_000, 0, Span.TOP_LEVEL, "server")});
        }
        stats.add(chunks, NOW);
        assertThat(stats.bucketCount()).isEqualTo(1);
        assertThat(stats.groupCount()).isEqualTo(Stats.MAX_GROUPS_PER_BUCKET + Stats.MAX_OVERFLOW_GROUPS + 1);
        // no hit is lost: the ones past both limits are under one service of their own
        assertThat(stats.services().stream().mapToLong(Stats.Summary::hits).sum()).isEqualTo(n);
        Stats.Summary rest = stats.services().stream().filter(x -> x.service().equals(Stats.OTHER_SERVICES))
                .findFirst().orElseThrow();
        assertThat(rest.hits()).isEqualTo(n - Stats.MAX_GROUPS_PER_BUCKET - Stats.MAX_OVERFLOW_GROUPS);
    }

    @Test
    void theOldestBucketsGoWhenTheMemoryBudgetIsSpent() {
        long budget = 10 * 5 * (Stats.GROUP_BYTES + Stats.binBytes(sketchOf(1_000_000))); // ten buckets of five groups
        Stats stats = new Stats(3_600_000_000_000L, budget);
        for (int bucket = 19; bucket >= 0; bucket--) { // twenty buckets, oldest first
            List<Span[]> chunks = new ArrayList<>();
            for (int r = 0; r < 5; r++) {
                Span s = span("budget", "GET /r" + r, 1_000_000, 0, Span.TOP_LEVEL, "server");
                s.start -= bucket * Stats.BUCKET_NANOS;
                chunks.add(new Span[] {s});
            }
            stats.add(chunks, NOW);
        }
        assertThat(stats.bucketCount()).isEqualTo(10);
        assertThat(stats.bytes()).isEqualTo(budget);
        List<Long> kept = stats.timeseries("budget", null, NOW).stream().map(Map.Entry::getKey).toList();
        assertThat(kept).hasSize(10);
        assertThat(kept.get(9)).as("the newest bucket").isEqualTo(Math.floorDiv(NOW - 4_000_000_000L, Stats.BUCKET_NANOS) * Stats.BUCKET_NANOS);
    }

    /**
     * A group's sketches take 8 bytes for every index between the lowest and the highest latency they hold: one
     * whose latencies spread from a microsecond to a hundred seconds is counted with nearly 8 KB of bins, not at
     * the size of a group with a few, so that the memory budget sees it.
     */
    @Test
    void aGroupIsCountedAtWhatItsSketchesHold() {
        Stats stats = new Stats(3_600_000_000_000L, Long.MAX_VALUE);
        long[] durations = {1_000, 1_000_000, 1_000_000_000, 100_000_000_000L};
        for (long d : durations) {
            Span s = span("wide", "GET /wide", d, 0, Span.TOP_LEVEL, "server");
            s.start = NOW - 200_000_000_000L - d; // all end in one bucket: one group
            stats.add(List.<Span[]>of(new Span[] {s}), NOW);
        }
        assertThat(stats.bytes()).isEqualTo(Stats.GROUP_BYTES + Stats.binBytes(sketchOf(durations)))
                .isGreaterThan(Stats.GROUP_BYTES + 7_000);
    }

    private static DDSketch sketchOf(long... values) {
        DDSketch sketch = DDSketches.unboundedDense(Stats.RELATIVE_ACCURACY);
        for (long v : values) {
            sketch.accept(v);
        }
        return sketch;
    }
}
