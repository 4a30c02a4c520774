package io.donuttracing.collector.intake;

import static io.donuttracing.collector.TestPayloads.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken bodies: each gets a 4xx with a reason, nothing from it is stored, the collector
 * keeps serving, and a trace stored before is served unchanged afterwards.
 */
class RobustnessTest extends CollectorTestBase {
    private long keptId;
    private String keptBefore;

    @BeforeEach
    void storeATrace() throws Exception {
        keptId = newId();
        S a = new S(keptId, 1, 0).service("robust-kept").resource("GET /kept").meta("k", "v");
        S b = new S(keptId, 2, 1).service("robust-kept").resource("SELECT ?").type("sql");
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(a, b)))).statusCode())
                .isEqualTo(200);
        keptBefore = get("/api/traces/" + keptId).body();
    }

    @AfterEach
    void theServiceIsUpAndTheStoredTraceUnchanged() throws Exception {
        assertThat(get("/info").statusCode()).isEqualTo(200);
        HttpResponse<String> after = get("/api/traces/" + keptId);
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo(keptBefore);
    }

    /** {@code prefix} (hex), then {@code times} times the byte {@code b}. */
    private static byte[] repeated(String prefix, int b, int times) {
        byte[] head = hex(prefix);
        byte[] out = Arrays.copyOf(head, head.length + times);
        Arrays.fill(out, head.length, out.length, (byte) b);
        return out;
    }

    private void assertRejected(String path, String type, byte[] body, int status) throws Exception {
        long storedBefore = getJson("/api/stats").at("/store/spans_stored").asLong();
        HttpResponse<String> r = put(path, type, body);
        assertThat(r.statusCode()).as("%s %s", path, r.body()).isEqualTo(status);
        var json = JSON.readTree(r.body());
        assertThat(json.get("error").asString()).isNotEmpty();
        assertThat(json.get("detail").asString()).isNotEmpty();
        assertThat(getJson("/api/stats").at("/store/spans_stored").asLong()).isEqualTo(storedBefore);
    }

    @Test
    void randomBytesNeverCrashAndNearlyAllAre400() throws Exception {
        Random rnd = new Random(42);
        int rejected = 0;
        for (int i = 0; i < 60; i++) {
            byte[] b = new byte[1 + rnd.nextInt(400)];
            rnd.nextBytes(b);
            if (b[0] == (byte) 0xc0 || (b[0] & 0xf0) == 0x90 && b.length == 1) {
                continue; // nil or an empty fixarray are valid
            }
            for (String path : List.of("/v0.4/traces", "/v0.5/traces")) {
                HttpResponse<String> r = put(path, "application/msgpack", b);
                assertThat(r.statusCode()).as("random body %d", i).isIn(200, 400);
                if (r.statusCode() == 400) {
                    rejected++;
                }
            }
            assertThat(put("/v0.4/traces", "application/json", b).statusCode()).isIn(200, 400);
        }
        assertThat(rejected).isGreaterThan(100);
    }

    @Test
    void everyTruncationOfAValidPayloadIs400AndStoresNothing() throws Exception {
        long id = newId();
        S a = new S(id, 1, 0).service("robust-truncated").meta("http.url", "/x").metric("m", 1);
        S b = new S(id, 2, 1).service("robust-truncated");
        byte[] full = TestPayloads.v04(List.of(List.of(a, b), List.of(new S(newId(), 5, 0))));
        for (int len = 1; len < full.length; len++) {
            HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", Arrays.copyOf(full, len));
            assertThat(r.statusCode()).as("prefix of %d bytes", len).isEqualTo(400);
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        byte[] v05 = TestPayloads.v05(List.of(List.of(a, b)));
        for (int len = 1; len < v05.length; len++) {
            assertThat(put("/v0.5/traces", "application/msgpack", Arrays.copyOf(v05, len)).statusCode()).isEqualTo(400);
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        byte[] json = TestPayloads.json(List.of(List.of(a, b)));
        for (int len = 1; len < json.length; len += 7) {
            assertThat(put("/v0.3/traces", "application/json", Arrays.copyOf(json, len)).statusCode()).isEqualTo(400);
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void aGoodTraceFollowedByABadOneStoresNothing() throws Exception {
        long good = newId();
        byte[] one = TestPayloads.v04(List.of(List.of(new S(good, 1, 0).service("robust-partial"))));
        // the same payload claiming two traces, the second being a string
        byte[] body = Arrays.copyOf(one, one.length + 2);
        body[0] = (byte) 0x92;
        body[one.length] = (byte) 0xa1;
        body[one.length + 1] = 'x';
        assertRejected("/v0.4/traces", "application/msgpack", body, 400);
        assertThat(get("/api/traces/" + good).statusCode()).isEqualTo(404);
    }

    @Test
    void aGoodPayloadFollowedByAnythingStoresNothing() throws Exception {
        long id = newId();
        List<List<S>> traces = List.of(List.of(new S(id, 1, 0).service("robust-trailing")));
        for (String path : List.of("/v0.4/traces", "/v0.5/traces")) {
            byte[] good = path.startsWith("/v0.4") ? TestPayloads.v04(traces) : TestPayloads.v05(traces);
            byte[] body = Arrays.copyOf(good, good.length + 1); // and a 0x00: a whole msgpack value of its own
            HttpResponse<String> r = put(path, "application/msgpack", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString())
                    .isEqualTo("msgpack: unexpected content after the payload, 1 byte (at byte " + good.length + ")");
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        byte[] stats = TestPayloads.clientStats("java", System.currentTimeMillis() * 1_000_000L,
                List.of(new TestPayloads.G().service("robust-trailing").ok(1_000_000)));
        HttpResponse<String> r = put("/v0.6/stats", "application/msgpack", Arrays.copyOf(stats, stats.length + 3));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("detail").asString()).startsWith("msgpack: unexpected content after the payload, 3 bytes");
        assertThat(getJson("/api/services/robust-trailing/resources").get("resources")).isEmpty();
    }

    @Test
    void wrongTypesAre400() throws Exception {
        // the body is a map
        assertRejected("/v0.4/traces", "application/msgpack", hex("81 a1 61 01"), 400);
        // a trace is a number
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 05"), 400);
        // a span is an array
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 90"), 400);
        // service is a number: [[{"service": 1}]]
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a7 73657276696365 01"), 400);
        // trace_id is a string
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a8 74726163655f6964 a1 31"), 400);
        // meta is an array
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a4 6d657461 90"), 400);
        // a metric is a string
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a7 6d657472696373 81 a1 61 a1 62"), 400);
        // v0.5 span with 11 elements
        assertRejected("/v0.5/traces", "application/msgpack", hex("92 91 a0 91 91 9b 00 00 00 01 01 00 00 00 00 80 80"), 400);
        // JSON: service is an object, trace_id a string, a float id, an id over 2^64
        assertRejected("/v0.3/traces", "application/json", "[[{\"service\":{}}]]".getBytes(), 400);
        assertRejected("/v0.3/traces", "application/json", "[[{\"trace_id\":\"1\"}]]".getBytes(), 400);
        assertRejected("/v0.3/traces", "application/json", "[[{\"trace_id\":1.5}]]".getBytes(), 400);
        assertRejected("/v0.3/traces", "application/json", "[[{\"trace_id\":18446744073709551616}]]".getBytes(), 400);
        assertRejected("/v0.3/traces", "application/json", "{\"traces\":[]}".getBytes(), 400);
    }

    @Test
    void lengthsThatClaimMoreThanIsSentAre400() throws Exception {
        // array32 claiming 2^31-1 traces
        assertRejected("/v0.4/traces", "application/msgpack", hex("dd 7fffffff 90"), 400);
        // array32 claiming 4 billion (beyond int)
        assertRejected("/v0.4/traces", "application/msgpack", hex("dd ffffffff 90"), 400);
        // a span map32 claiming 2^31-1 entries
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 df 7fffffff a1 61"), 400);
        // a str32 service claiming 2 GiB
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a7 73657276696365 db 7fffffff 61"), 400);
        // a bin32 claiming 4 GiB
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a7 73657276696365 c6 ffffffff 61"), 400);
        // meta map32 claiming 2^30 entries
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a4 6d657461 df 40000000 a1 61 a1 62"), 400);
        // an unknown key whose value claims a 1 GiB string
        assertRejected("/v0.4/traces", "application/msgpack", hex("91 91 81 a1 7a db 40000000 61"), 400);
        // v0.5 dictionary claiming 2^31-1 strings
        assertRejected("/v0.5/traces", "application/msgpack", hex("92 dd 7fffffff a1 61"), 400);
    }

    @Test
    void listsOfEmptySpansOrGroupsAre400NotTenTimesTheirSizeInMemory() throws Exception {
        // 100,000 empty span maps (1 byte each): no span that means anything is that small
        assertRejected("/v0.4/traces", "application/msgpack", repeated("91 dd 000186a0", 0x80, 100_000), 400);
        // {"Stats": [{"Stats": [{}, {}, ...]}]}: 100,000 empty stats groups
        HttpResponse<String> r = put("/v0.6/stats", "application/msgpack",
                repeated("81 a5 5374617473 91 81 a5 5374617473 dd 000186a0", 0x80, 100_000));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("claims 100000 elements");
    }

    @Test
    void aTagKeySentTwiceKeepsItsLastValueAndTheWholePayloadIsTaken() throws Exception {
        long id = newId();
        // a span whose meta repeats http.status_code: once a valid code, then not a number (written as another key
        // of the same length, renamed in the bytes: the test payloads keep meta in a map)
        S twice = new S(id, 1, 0).service("robust-twice").resource("GET /twice").meta("http.status_code", "200")
                .meta("http.status_codX", "abc").metric("_sampling_priority_v1", 1);
        long other = newId();
        S next = new S(other, 1, 0).service("robust-twice").resource("GET /next").metric("_sampling_priority_v1", 1);
        byte[] body = TestPayloads.v04(List.of(List.of(twice), List.of(next)));
        String latin1 = new String(body, StandardCharsets.ISO_8859_1).replace("http.status_codX", "http.status_code");
        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", latin1.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(get("/api/traces/" + id).body()).doesNotContain("\"abc\"").doesNotContain("\"200\"");
        assertThat(get("/api/traces/" + other).statusCode()).isEqualTo(200);
    }

    @Test
    void deepNestingIs400OrSkippedWithoutCrashing() throws Exception {
        // an unknown key holding 200,000 nested arrays, left unterminated: skipped iteratively, then truncated
        byte[] nested = repeated("91 91 81 a1 7a", 0x91, 200_000);
        assertRejected("/v0.4/traces", "application/msgpack", nested, 400);
        // closed by a value: a valid (if silly) span, which is then dropped for its zero ids
        byte[] closed = Arrays.copyOf(nested, nested.length + 1);
        closed[nested.length] = (byte) 0xc0;
        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", closed);
        assertThat(r.statusCode()).isEqualTo(200);
        // JSON nested 100,000 deep in an unknown field
        String deep = "[[{\"z\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}]]";
        assertRejected("/v0.3/traces", "application/json", deep.getBytes(StandardCharsets.UTF_8), 400);
    }

    @Test
    void anOversizedBodyIs413WithOrWithoutContentLength() throws Exception {
        byte[] big = new byte[1048577 + 1000];
        Arrays.fill(big, (byte) 0x90);
        big[0] = (byte) 0xdc; // array16, then fill
        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(r.body()).get("error").asString()).isEqualTo("payload_too_large");
        HttpRequest chunked = HttpRequest.newBuilder(uri("/v0.4/traces")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/msgpack")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> (InputStream) new java.io.ByteArrayInputStream(big)))
                .build();
        HttpResponse<String> rc = HTTP.send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(rc.statusCode()).isEqualTo(413);
        assertThat(getJson("/api/stats").at("/intake/payloads_rejected.too_large").asLong()).isGreaterThanOrEqualTo(2);
    }
}
