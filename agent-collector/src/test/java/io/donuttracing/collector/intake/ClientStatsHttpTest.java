package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.G;
import io.donuttracing.collector.TestPayloads.S;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import tools.jackson.databind.JsonNode;

/**
 * Client stats ({@code /v0.6/stats}) and the trace headers of tracers that drop priority-0 traces
 * themselves, over real HTTP, read back from the query API.
 */
class ClientStatsHttpTest extends CollectorTestBase {
    private static final long BUCKET = 10_000_000_000L;

    private static long bucketNow() {
        return Math.floorDiv(System.currentTimeMillis() * 1_000_000L, BUCKET) * BUCKET;
    }

    private HttpResponse<String> putStats(byte[] body) throws Exception {
        return put("/v0.6/stats", "application/msgpack", body);
    }

    private HttpResponse<String> putTraces(List<S> trace, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v0.4/traces")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/msgpack")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(TestPayloads.v04(List.of(trace))));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private JsonNode resource(String service, String resource) throws Exception {
        for (JsonNode r : getJson("/api/services/" + service + "/resources").get("resources")) {
            if (r.get("resource").asString().equals(resource)) {
                return r;
            }
        }
        throw new AssertionError("no resource " + resource + " for " + service);
    }

    private JsonNode service(String name) throws Exception {
        for (JsonNode s : getJson("/api/services").get("services")) {
            if (s.get("name").asString().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no service " + name);
    }

    private long counter(String key) throws Exception {
        JsonNode n = getJson("/api/stats").at("/intake/" + key);
        return n.isMissingNode() ? 0 : n.asLong();
    }

    @Test
    void quantilesOfASketchesJavaSketchSurviveTheTrip() throws Exception {
        Random rnd = new Random(11);
        G g = new G().service("cs-quantiles").name("servlet.request").resource("GET /quantiles");
        for (int i = 0; i < 5000; i++) {
            long d = (long) (Math.exp(rnd.nextGaussian() * 0.7) * 15_000_000L) + 1000;
            if (i % 20 == 0) {
                g.error(d);
            } else {
                g.ok(d);
            }
        }
        HttpResponse<String> r = putStats(TestPayloads.clientStats("java", bucketNow(), List.of(g)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Datadog-Agent-State")).isPresent();

        DDSketch all = DDSketches.unboundedDense(0.01);
        all.mergeWith(g.ok);
        all.mergeWith(g.error);
        JsonNode res = resource("cs-quantiles", "GET /quantiles");
        assertThat(res.get("hits").asLong()).isEqualTo(5000);
        assertThat(res.get("errors").asLong()).isEqualTo(250);
        assertThat(res.get("name").asString()).isEqualTo("servlet.request");
        // the same mapping on both sides: every count lands in its own bin, the quantiles are the tracer's
        assertThat(res.get("p50").asLong()).isEqualTo(Math.round(all.getValueAtQuantile(0.50)));
        assertThat(res.get("p95").asLong()).isEqualTo(Math.round(all.getValueAtQuantile(0.95)));
        assertThat(res.get("p99").asLong()).isEqualTo(Math.round(all.getValueAtQuantile(0.99)));
        assertThat(res.get("max").asLong()).isEqualTo(Math.round(all.getMaxValue()));
        assertThat(res.get("avg").asLong()).isEqualTo(g.duration / 5000);
        JsonNode svc = service("cs-quantiles");
        assertThat(svc.get("hits").asLong()).isEqualTo(5000);
        assertThat(svc.get("errors").asLong()).isEqualTo(250);
        assertThat(svc.get("p99").asLong()).isEqualTo(res.get("p99").asLong());
        assertThat(counter("client_stats_groups")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void clientStatsJoinTheServerSideStatsOfTheSameKey() throws Exception {
        long traceId = newId();
        S root = new S(traceId, 1, 0).service("cs-join").name("servlet.request").resource("GET /join")
                .duration(3_000_000).meta("span.kind", "server").meta("http.status_code", "200");
        S query = new S(traceId, 2, 1).service("cs-join").name("jdbc.query").type("sql")
                .resource("SELECT * FROM donut WHERE id = 42").duration(1_000_000).meta("span.kind", "client");
        assertThat(putTraces(List.of(root, query)).statusCode()).isEqualTo(200);
        assertThat(resource("cs-join", "GET /join").get("hits").asLong()).isEqualTo(1);

        // the same keys, as a tracer that dropped such a trace would report them: raw service and SQL
        long bucket = Math.floorDiv(root.start + root.duration, BUCKET) * BUCKET;
        G web = new G().service("CS-Join").name("servlet.request").resource("GET /join").ok(5_000_000);
        G sql = new G().service("CS-Join").name("jdbc.query").type("sql").kind("client").status(0).child()
                .resource("SELECT * FROM donut WHERE id = 7").ok(2_000_000);
        HttpResponse<String> r = putStats(TestPayloads.clientStats("java", bucket, List.of(web, sql)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        JsonNode resources = getJson("/api/services/cs-join/resources").get("resources");
        assertThat(resources).hasSize(2);
        JsonNode webRow = resource("cs-join", "GET /join");
        assertThat(webRow.get("hits").asLong()).isEqualTo(2);
        assertThat(webRow.get("avg").asLong()).isEqualTo(4_000_000);
        assertThat((double) webRow.get("max").asLong()).as("the sketch's max").isCloseTo(5_000_000, within(50_000.0));
        JsonNode sqlRow = resource("cs-join", "SELECT * FROM donut WHERE id = ?");
        assertThat(sqlRow.get("hits").asLong()).isEqualTo(2);
        assertThat(sqlRow.get("type").asString()).isEqualTo("sql");
        assertThat(service("cs-join").get("hits").asLong()).as("top-level hits").isEqualTo(2);
        JsonNode points = getJson("/api/services/cs-join/timeseries").get("points");
        assertThat(points).hasSize(1);
        assertThat(points.get(0).get("time").asLong()).isEqualTo(bucket);
        assertThat(points.get(0).get("hits").asLong()).isEqualTo(2);
    }

    @Test
    void tracesWhoseStatsTheClientComputedAreNotCountedTwice() throws Exception {
        long traceId = newId();
        S span = new S(traceId, 1, 0).service("cs-computed").name("servlet.request").resource("GET /computed")
                .meta("span.kind", "server").meta("http.status_code", "200");
        assertThat(putTraces(List.of(span), "Datadog-Client-Computed-Stats", "yes").statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + traceId).statusCode()).as("stored as before").isEqualTo(200);
        assertThat(getJson("/api/services/cs-computed/resources").get("resources")).isEmpty();

        long bucket = Math.floorDiv(span.start + span.duration, BUCKET) * BUCKET;
        G g = new G().service("cs-computed").name("servlet.request").resource("GET /computed").ok(span.duration);
        assertThat(putStats(TestPayloads.clientStats("java", bucket, List.of(g))).statusCode()).isEqualTo(200);
        assertThat(resource("cs-computed", "GET /computed").get("hits").asLong()).isEqualTo(1);

        S other = new S(newId(), 1, 0).service("cs-computed-false").resource("GET /false").meta("span.kind", "server");
        assertThat(putTraces(List.of(other), "Datadog-Client-Computed-Stats", "false").statusCode()).isEqualTo(200);
        assertThat(resource("cs-computed-false", "GET /false").get("hits").asLong()).isEqualTo(1);
    }

    /**
     * The agent reads the flag with Go's {@code strconv.ParseBool} ({@code isHeaderTrue} in datadog-agent
     * {@code pkg/trace/api/api.go}): {@code 0}, {@code f}, {@code F}, {@code false}, {@code False}, {@code FALSE}
     * say no, so it computes those spans' stats itself; any other value that is not empty says yes.
     */
    @Test
    void theComputedStatsFlagIsReadAsGoReadsABoolean() throws Exception {
        int n = 0;
        for (String no : List.of("0", "f", "F", "False", "FALSE")) {
            String service = "cs-flag-no-" + n++;
            S span = new S(newId(), 1, 0).service(service).resource("GET /flag").meta("span.kind", "server");
            assertThat(putTraces(List.of(span), "Datadog-Client-Computed-Stats", no).statusCode()).isEqualTo(200);
            assertThat(resource(service, "GET /flag").get("hits").asLong()).as(no).isEqualTo(1);
        }
        for (String yes : List.of("1", "true", "fAlSe")) { // the last is no boolean to Go: not empty, so yes
            String service = "cs-flag-yes-" + n++;
            S span = new S(newId(), 1, 0).service(service).resource("GET /flag").meta("span.kind", "server");
            assertThat(putTraces(List.of(span), "Datadog-Client-Computed-Stats", yes).statusCode()).isEqualTo(200);
            assertThat(getJson("/api/services/" + service + "/resources").get("resources")).as(yes).isEmpty();
        }
    }

    @Test
    void badStatsBodiesAre400WithTheReasonAndChangeNothing() throws Exception {
        long bucket = bucketNow();
        G good = new G().service("cs-bad").resource("GET /good").ok(1_000_000, 2_000_000).error(9_000_000);
        byte[] body = TestPayloads.clientStats("java", bucket, List.of(good));
        assertThat(putStats(body).statusCode()).isEqualTo(200);
        String before = get("/api/services/cs-bad/resources").body();
        assertThat(before).contains("GET /good");

        byte[] sketch = TestPayloads.sketch(good.ok);
        G truncatedSketch = new G().service("cs-bad").resource("GET /good").ok(1_000_000);
        truncatedSketch.okSummaryBytes = Arrays.copyOf(sketch, sketch.length - 3);
        G badGamma = new G().service("cs-bad").resource("GET /good").ok(1_000_000);
        // IndexMapping { gamma = 0.5 }
        badGamma.okSummaryBytes = TestPayloads.hex("0a 09 09 000000000000e03f");
        G badInterpolation = new G().service("cs-bad").resource("GET /good").ok(1_000_000);
        // IndexMapping { gamma = 2, interpolation = 9 }
        badInterpolation.okSummaryBytes = TestPayloads.hex("0a 0b 09 0000000000000040 18 09");
        List<byte[]> bad = List.of(
                TestPayloads.clientStats("java", bucket, List.of(good, truncatedSketch)),
                TestPayloads.clientStats("java", bucket, List.of(good, badGamma)),
                TestPayloads.clientStats("java", bucket, List.of(good, badInterpolation)),
                TestPayloads.hex("81 a5" + "5374617473" + "a3" + "616263"), // {"Stats": "abc"}
                TestPayloads.hex("81 a5" + "5374617473" + "91 81 a5" + "5374617473" + "91 81 a4" + "48697473" + "a1 31"),
                "not msgpack at all".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        for (byte[] b : bad) {
            HttpResponse<String> r = putStats(b);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonNode e = JSON.readTree(r.body());
            assertThat(e.get("error").asString()).isEqualTo("bad_request");
            assertThat(e.get("detail").asString()).isNotBlank();
        }
        assertThat(JSON.readTree(putStats(bad.get(0)).body()).get("detail").asString()).contains("OkSummary");
        assertThat(JSON.readTree(putStats(bad.get(4)).body()).get("detail").asString()).contains("Hits");
        for (int len = 0; len < body.length; len++) {
            assertThat(putStats(Arrays.copyOf(body, len)).statusCode()).as("cut at %d", len).isEqualTo(400);
        }
        assertThat(get("/api/services/cs-bad/resources").body()).isEqualTo(before);
    }

    /**
     * The agent decodes the counts, times and durations of client stats as uint64: a negative one is refused with
     * the field's name, as is one over 2^63-1 (2^64-1 had been added as -1), and the stats stay as they were.
     */
    @Test
    void negativeOrOutOfRangeCountsAre400NamingTheFieldAndChangeNothing() throws Exception {
        long bucket = bucketNow();
        G good = new G().service("cs-counts").resource("GET /counts").ok(1_000_000, 2_000_000).error(3_000_000);
        assertThat(putStats(TestPayloads.clientStats("java", bucket, List.of(good))).statusCode()).isEqualTo(200);
        String before = get("/api/services/cs-counts/resources").body();
        assertThat(JSON.readTree(before).at("/resources/0/hits").asLong()).isEqualTo(3);

        BigInteger over = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        for (String field : List.of("Hits", "Errors", "TopLevelHits", "Duration", "HTTPStatusCode")) {
            assertRefused(statsWith(bucket, "", "", field, BigInteger.valueOf(-1000)), field + " must not be negative");
        }
        for (String field : List.of("Hits", "Errors", "TopLevelHits", "Duration")) {
            assertRefused(statsWith(bucket, "", "", field, over), field + " is out of range");
            assertRefused(statsWith(bucket, "", "", field, BigInteger.ONE.shiftLeft(63)), field + " is out of range");
        }
        // a uint32 to the agent: 2^32 + 200 is no status 200
        assertRefused(statsWith(bucket, "", "", "HTTPStatusCode", BigInteger.ONE.shiftLeft(32).add(BigInteger.valueOf(200))),
                "HTTPStatusCode is out of range: 4294967496 is over 4294967295");
        assertRefused(statsWith(bucket, "Start", "", "Hits", BigInteger.ONE), "Start must not be negative");
        assertRefused(statsWith(bucket, "Duration", "", "Hits", BigInteger.ONE), "Duration must not be negative");
        assertRefused(statsWith(bucket, "", "Sequence", "Hits", BigInteger.ONE), "Sequence must not be negative");
        assertThat(get("/api/services/cs-counts/resources").body()).isEqualTo(before);

        // 2^63-1 is taken, and what it is added to stays at most that, never negative
        HttpResponse<String> largest = putStats(statsWith(bucket, "", "", "Hits", BigInteger.valueOf(Long.MAX_VALUE)));
        assertThat(largest.statusCode()).as(largest.body()).isEqualTo(200);
        assertThat(resource("cs-counts", "GET /counts").get("hits").asLong()).isEqualTo(Long.MAX_VALUE);
    }

    private void assertRefused(byte[] body, String detail) throws Exception {
        HttpResponse<String> r = putStats(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("detail").asString()).startsWith(detail);
    }

    /**
     * {@code {"Sequence": s, "Stats": [{"Start": bucket, "Duration": d, "Stats": [{cs-counts GET /counts,
     * field: value}]}]}}, where the bucket's field {@code negativeInBucket} or the payload's {@code negativeInPayload}
     * (if named) is -1, the other values 1.
     */
    private static byte[] statsWith(long bucket, String negativeInBucket, String negativeInPayload, String field,
                                     BigInteger value) throws Exception {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(2);
            p.packString("Sequence").packLong(negativeInPayload.equals("Sequence") ? -1 : 1);
            p.packString("Stats").packArrayHeader(1).packMapHeader(3);
            p.packString("Start").packLong(negativeInBucket.equals("Start") ? -1 : bucket);
            p.packString("Duration").packLong(negativeInBucket.equals("Duration") ? -1 : BUCKET);
            p.packString("Stats").packArrayHeader(1).packMapHeader(4);
            p.packString("Service").packString("cs-counts");
            p.packString("Resource").packString("GET /counts");
            p.packString("IsTraceRoot").packInt(1);
            p.packString(field).packBigInteger(value);
            return p.toByteArray();
        }
    }

    @Test
    void otherMediaTypesAre415AndOversizedBodies413() throws Exception {
        HttpResponse<String> r = put("/v0.6/stats", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(r.body()).get("error").asString()).isEqualTo("unsupported_media_type");
        r = putStats(new byte[1048577]);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).get("error").asString()).isEqualTo("payload_too_large");
    }

    @Test
    void droppedP0CountsAreCountedAndMalformedOnesIgnored() throws Exception {
        long traces = counter("client_dropped_p0_traces");
        long spans = counter("client_dropped_p0_spans");
        long id1 = newId();
        assertThat(putTraces(List.of(new S(id1, 1, 0).service("cs-dropped")),
                "Datadog-Client-Dropped-P0-Traces", "7", "Datadog-Client-Dropped-P0-Spans", "21").statusCode())
                .isEqualTo(200);
        long id2 = newId();
        HttpResponse<String> r = putTraces(List.of(new S(id2, 1, 0).service("cs-dropped")),
                "Datadog-Client-Dropped-P0-Traces", "lots", "Datadog-Client-Dropped-P0-Spans", "-5");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).at("/rate_by_service/service:cs-dropped,env:").asDouble()).isEqualTo(1.0);
        assertThat(get("/api/traces/" + id1).statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + id2).statusCode()).isEqualTo(200);
        assertThat(counter("client_dropped_p0_traces")).isEqualTo(traces + 7);
        assertThat(counter("client_dropped_p0_spans")).isEqualTo(spans + 21);
    }
}
