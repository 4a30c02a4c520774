package io.donuttracing.collector.intake;

import static io.donuttracing.collector.TestPayloads.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/** Every intake format over real HTTP, with the answers and headers a tracer reads. */
class IntakeHttpTest extends CollectorTestBase {

    @Test
    void infoListsTheEndpointsAndItsHashIsTheAgentState() throws Exception {
        HttpResponse<String> info = get("/info");
        assertThat(info.statusCode()).isEqualTo(200);
        JsonNode n = JSON.readTree(info.body());
        assertThat(n.get("version").asString()).isEqualTo("7.65.0");
        assertThat(n.get("endpoints").toString()).contains("/v0.3/traces", "/v0.4/traces", "/v0.5/traces",
                "/v0.6/stats", "/info");
        assertThat(n.get("client_drop_p0s").asBoolean()).isTrue();
        assertThat(n.at("/config/receiver_port").asInt()).isEqualTo(port);
        assertThat(n.at("/config/max_request_bytes").asLong()).isEqualTo(1048576);
        assertThat(n.at("/config/target_tps").asDouble()).isEqualTo(10.0);
        assertThat(info.headers().firstValue("Datadog-Agent-State")).isEmpty();

        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", hex("9290 90"));
        assertThat(r.statusCode()).isEqualTo(200);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(info.body().getBytes(StandardCharsets.UTF_8)));
        assertThat(r.headers().firstValue("Datadog-Agent-State")).hasValue(sha);
        assertThat(r.headers().firstValue("Datadog-Agent-Version")).hasValue("7.65.0");
    }

    @Test
    void v04MsgpackWithUint64IdsNilStringsAndUnknownKeys() throws Exception {
        long traceId = 0xF000_0000_0000_0000L | newId(); // >= 2^63
        long root = 0x8000_0000_0000_0001L;
        S a = new S(traceId, root, 0).service("intake-v04").name("servlet.request").resource("GET /pair/beer")
                .meta("http.status_code", "200").meta("nil.value", null).metric("_sampling_priority_v1", 1);
        S b = new S(traceId, 42, root).service("intake-v04").name("h2.query").resource(null).type(null);
        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(a, b))));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode rates = JSON.readTree(r.body()).get("rate_by_service");
        assertThat(rates.get("service:,env:").asDouble()).isEqualTo(1.0);
        assertThat(rates.get("service:intake-v04,env:").asDouble()).isEqualTo(1.0);

        JsonNode t = getJson("/api/traces/" + Long.toUnsignedString(traceId));
        assertThat(t.get("trace_id").asString()).isEqualTo(Long.toUnsignedString(traceId));
        JsonNode s0 = t.get("spans").get(0);
        assertThat(s0.get("span_id").asString()).isEqualTo("9223372036854775809");
        assertThat(s0.get("parent_id").asString()).isEqualTo("0");
        assertThat(s0.get("resource").asString()).isEqualTo("GET /pair/beer");
        assertThat(s0.at("/meta/http.status_code").asString()).isEqualTo("200");
        assertThat(s0.at("/meta/nil.value").asString()).isEqualTo("");
        assertThat(s0.at("/metrics/_sampling_priority_v1").asDouble()).isEqualTo(1.0);
        JsonNode s1 = t.get("spans").get(1);
        assertThat(s1.get("parent_id").asString()).isEqualTo(Long.toUnsignedString(root));
        assertThat(s1.get("resource").asString()).as("nil resource becomes the name").isEqualTo("h2.query");
        assertThat(s1.get("type").asString()).isEqualTo("");
        assertThat(s1.get("depth").asInt()).isEqualTo(1);
    }

    @Test
    void handBuiltMsgpackWithEveryCompactIntegerFormAndBinStrings() throws Exception {
        long start = System.currentTimeMillis() * 1_000_000L;
        String body = "91 91 8c"
                + "a8" + ascii("trace_id") + "cf ffffffffffffff" + String.format("%02x", (int) (newId() & 0x7f))
                + "a7" + ascii("span_id") + "cc ff"
                + "a9" + ascii("parent_id") + "00"
                + "a7" + ascii("service") + "c4 05" + ascii("hands")
                + "a4" + ascii("name") + "d9 05" + ascii("h.op1")
                + "a8" + ascii("resource") + "c0"
                + "a4" + ascii("type") + "c0"
                + "a5" + ascii("start") + "d3" + String.format("%016x", start)
                + "a8" + ascii("duration") + "cd 0400"
                + "a5" + ascii("error") + "d0 01"
                + "a3" + ascii("zzz") + "82 a1 78 93 01 02 92 c0 c0 a1 79 c7 02 05 abcd" // unknown: nested and ext
                + "a7" + ascii("metrics") + "88"
                + "a1 61 cc 05" + "a1 62 d1 fffe" + "a1 63 ce 00010000" + "a1 64 cb 3ff8000000000000"
                + "a1 65 ca 3f000000" + "a1 66 e0" + "a1 67 d2 ffffff00" + "a1 68 c0";
        byte[] bytes = hex(body);
        long traceId = Long.parseUnsignedLong(body.substring(body.indexOf("cf ") + 3, body.indexOf("cf ") + 3 + 16), 16);
        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack", bytes);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode s = getJson("/api/traces/" + Long.toUnsignedString(traceId)).get("spans").get(0);
        assertThat(s.get("span_id").asString()).isEqualTo("255");
        assertThat(s.get("service").asString()).isEqualTo("hands");
        assertThat(s.get("name").asString()).isEqualTo("h.op1");
        assertThat(s.get("resource").asString()).isEqualTo("h.op1");
        assertThat(s.get("start").asLong()).isEqualTo(start);
        assertThat(s.get("duration").asLong()).isEqualTo(1024);
        assertThat(s.get("error").asInt()).isEqualTo(1);
        JsonNode m = s.get("metrics");
        assertThat(m.get("a").asDouble()).isEqualTo(5);
        assertThat(m.get("b").asDouble()).isEqualTo(-2);
        assertThat(m.get("c").asDouble()).isEqualTo(65536);
        assertThat(m.get("d").asDouble()).isEqualTo(1.5);
        assertThat(m.get("e").asDouble()).isEqualTo(0.5);
        assertThat(m.get("f").asDouble()).isEqualTo(-32);
        assertThat(m.get("g").asDouble()).isEqualTo(-256);
        assertThat(m.get("h").asDouble()).isEqualTo(0);
    }

    private static String ascii(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void chunkedBodiesAreReadFullyAndTheConnectionStaysUsable() throws Exception {
        long traceId = newId();
        List<S> spans = new java.util.ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            spans.add(new S(traceId, i, i == 1 ? 0 : 1).service("intake-chunked").resource("r" + i)
                    .meta("padding", "x".repeat(200)));
        }
        byte[] body = TestPayloads.v04(List.of(spans));
        HttpRequest req = HttpRequest.newBuilder(uri("/v0.4/traces")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/msgpack")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        assertThat(req.bodyPublisher().orElseThrow().contentLength()).as("sent chunked").isEqualTo(-1);
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(getJson("/api/traces/" + traceId).get("spans")).hasSize(300);
        // the same keep-alive connection serves the next request
        assertThat(put("/v0.4/traces", "application/msgpack", hex("90")).statusCode()).isEqualTo(200);
    }

    @Test
    void v03JsonAnswersOkAndTakesIdsUpTo2To64() throws Exception {
        long traceId = -1L; // 18446744073709551615
        S a = new S(traceId, -2L, 0).service("intake-json").name("web.request").resource("GET /json")
                .meta("k", "v").metric("m", 2.5);
        HttpResponse<String> r = put("/v0.3/traces", "application/json", TestPayloads.json(List.of(List.of(a))));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("OK\n");
        assertThat(r.headers().firstValue("Datadog-Agent-State")).isPresent();
        JsonNode s = getJson("/api/traces/18446744073709551615").get("spans").get(0);
        assertThat(s.get("span_id").asString()).isEqualTo("18446744073709551614");
        assertThat(s.at("/meta/k").asString()).isEqualTo("v");
        assertThat(s.at("/metrics/m").asDouble()).isEqualTo(2.5);
        // the W3C form, as in a traceresponse header: matched on the low 64 bits
        assertThat(getJson("/api/traces/0af7651916cd43dd" + "ffffffffffffffff").get("trace_id").asString())
                .isEqualTo("18446744073709551615");
        assertThat(getJson("/api/traces/00-0af7651916cd43ddffffffffffffffff-b7ad6b7169203331-01").get("trace_id")
                .asString()).isEqualTo("18446744073709551615");
    }

    @Test
    void jsonWithoutContentTypeAndTextJsonAreAccepted() throws Exception {
        long id1 = newId();
        long id2 = newId();
        assertThat(put("/v0.4/traces", null, TestPayloads.json(List.of(List.of(new S(id1, 1, 0))))).statusCode())
                .isEqualTo(200);
        assertThat(put("/v0.4/traces", "text/json; charset=utf-8", TestPayloads.json(List.of(List.of(new S(id2, 1, 0)))))
                .statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + id1).statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + id2).statusCode()).isEqualTo(200);
    }

    /** As the agent's JSON decoder (Go's encoding/json): a byte that is not UTF-8 becomes U+FFFD, the body is taken. */
    @Test
    void jsonWithBytesThatAreNotUtf8IsTakenWithThemReplaced() throws Exception {
        long id = newId();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("[[{\"trace_id\":" + id + ",\"span_id\":1,\"service\":\"latin1\",\"name\":\"n\","
                + "\"meta\":{\"dish\":\"cr").getBytes(StandardCharsets.UTF_8));
        body.write(0xE8); // è in Latin-1
        body.writeBytes("me br\u00fbl\u00e9e\"}}]]".getBytes(StandardCharsets.UTF_8)); // and the escapes stay escapes
        HttpResponse<String> r = put("/v0.3/traces", "application/json", body.toByteArray());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(getJson("/api/traces/" + id).at("/spans/0/meta/dish").asString()).isEqualTo("cr\uFFFDme brûlée");

        // still refused when what is broken is the JSON itself, saying where in characters
        byte[] broken = "[[{\"trace_id\":1,\"service\":\"\u00ff\"},]]".getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> bad = put("/v0.3/traces", "application/json", broken);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("detail").asString()).startsWith("json: ").contains("(at character ");
    }

    @Test
    void anEmptyBodyIs400SayingSo() throws Exception {
        for (String path : List.of("/v0.3/traces", "/v0.4/traces")) {
            HttpResponse<String> r = put(path, "application/json", new byte[0]);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(path)
                    .isEqualTo("json: the body is empty; send an array of traces ([] for none)");
        }
        assertThat(JSON.readTree(put("/v0.4/traces", "application/json", "  \n".getBytes()).body()).get("detail")
                .asString()).startsWith("json: the body is empty");
        for (String path : List.of("/v0.4/traces", "/v0.5/traces", "/v0.6/stats")) {
            HttpResponse<String> r = put(path, "application/msgpack", new byte[0]);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(path).isEqualTo("msgpack: the body is empty");
        }
    }

    @Test
    void msgpackWithoutContentTypeIs400WithAHint() throws Exception {
        long id = newId();
        HttpResponse<String> r = put("/v0.4/traces", null, TestPayloads.v04(List.of(List.of(new S(id, 1, 0)))));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("detail").asString()).startsWith("json: ")
                .endsWith("; a body without Content-Type is read as JSON, send msgpack as application/msgpack");
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        // with a Content-Type, no hint: the client said what it sent
        assertThat(put("/v0.4/traces", "application/json", hex("91 90")).body()).doesNotContain("Content-Type");
    }

    @Test
    void v05DictionaryPayload() throws Exception {
        long traceId = 0x9000_0000_0000_0000L | newId();
        S a = new S(traceId, 1, 0).service("intake-v05").name("servlet.request").resource("GET /v05")
                .meta("http.method", "GET").metric("_sampling_priority_v1", 2);
        S b = new S(traceId, 2, 1).service("intake-v05").name("redis.command").resource("get k").type("redis")
                .meta("redis.raw_command", "SET k secret");
        HttpResponse<String> r = put("/v0.5/traces", "application/msgpack", TestPayloads.v05(List.of(List.of(a, b))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("rate_by_service").has("service:intake-v05,env:")).isTrue();
        JsonNode spans = getJson("/api/traces/" + Long.toUnsignedString(traceId)).get("spans");
        assertThat(spans.get(0).at("/meta/http.method").asString()).isEqualTo("GET");
        assertThat(spans.get(0).at("/metrics/_sampling_priority_v1").asDouble()).isEqualTo(2);
        assertThat(spans.get(1).get("resource").asString()).isEqualTo("GET");
        assertThat(spans.get(1).at("/meta/redis.raw_command").asString()).isEqualTo("SET k ?");
    }

    @Test
    void v05RejectsABadDictionaryIndex() throws Exception {
        // [["a"], [[[99, 0, 0, 1, 1, 0, 0, 0, 0, {}, {}, 0]]]]
        byte[] body = hex("92 91 a1 61 91 91 9c 63 00 00 01 01 00 00 00 00 80 80 00");
        HttpResponse<String> r = put("/v0.5/traces", "application/msgpack", body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("detail").asString()).contains("dictionary");
    }

    /**
     * A span's {@code error} is an int32 to the agent, whose decoders refuse a value outside it (msgp's
     * {@code ReadInt32Bytes}; "found uint32, overflows int32"; Go's JSON). Cut to an int, 2^32 would be stored as
     * 0: an error span shown, counted and sampled as a success.
     */
    @Test
    void anErrorOutsideInt32Is400AndNothingIsKept() throws Exception {
        for (long error : new long[] {1L << 32, 1L << 31, -(1L << 31) - 1, Long.MIN_VALUE}) {
            for (String format : List.of("v0.4 msgpack", "v0.5", "json")) {
                long id = newId();
                HttpResponse<String> r = switch (format) {
                    case "v0.4 msgpack" -> put("/v0.4/traces", "application/msgpack", v04WithError(id, error));
                    case "v0.5" -> put("/v0.5/traces", "application/msgpack", v05WithError(id, error));
                    default -> put("/v0.4/traces", "application/json",
                            ("[[{\"trace_id\":" + id + ",\"span_id\":1,\"error\":" + error + "}]]").getBytes(StandardCharsets.UTF_8));
                };
                assertThat(r.statusCode()).as(format + " error=" + error + ": " + r.body()).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).get("detail").asString()).as(format).contains("error", "32-bit");
                assertThat(get("/api/traces/" + id).statusCode()).as(format + " error=" + error).isEqualTo(404);
            }
        }
        // 2^64-1, which a cast to a long would read as -1
        long id = newId();
        byte[] json = ("[[{\"trace_id\":" + id + ",\"span_id\":1,\"error\":18446744073709551615}]]").getBytes(StandardCharsets.UTF_8);
        assertThat(put("/v0.4/traces", "application/json", json).statusCode()).isEqualTo(400);
        try (org.msgpack.core.MessageBufferPacker p = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(1).packArrayHeader(1).packMapHeader(3);
            p.packString("trace_id").packLong(id).packString("span_id").packLong(1);
            p.packString("error").packBigInteger(java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE));
            assertThat(put("/v0.4/traces", "application/msgpack", p.toByteArray()).statusCode()).isEqualTo(400);
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        // the ends of the range are taken as they are
        for (long error : new long[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1}) {
            id = newId();
            assertThat(put("/v0.4/traces", "application/msgpack", v04WithError(id, error)).statusCode()).isEqualTo(200);
            assertThat(getJson("/api/traces/" + id).at("/spans/0/error").asLong()).isEqualTo(error);
        }
    }

    /**
     * In JSON, the ids are uint64 and start and duration int64 to the agent, whose decoder (Go's encoding/json) refuses
     * a number outside them: -1 as a trace id is not 2^64-1, and 2^63 as a start is not a time before 1970.
     */
    @Test
    void aJsonNumberOutsideItsFieldsRangeIs400AndNothingIsKept() throws Exception {
        String[][] fieldAndValue = {{"trace_id", "-1"}, {"trace_id", "-18446744073709551615"}, {"span_id", "-5"},
                {"parent_id", "-1"}, {"start", "9223372036854775808"}, {"duration", "-9223372036854775809"}};
        for (String[] fv : fieldAndValue) {
            long id = newId();
            String traceId = fv[0].equals("trace_id") ? "" : "\"trace_id\":" + id + ",";
            String spanId = fv[0].equals("span_id") ? "" : "\"span_id\":1,";
            String body = "[[{" + traceId + spanId + "\"" + fv[0] + "\":" + fv[1] + "}]]";
            HttpResponse<String> r = put("/v0.4/traces", "application/json", body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(body + ": " + r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(body).contains(fv[0]);
            assertThat(get("/api/traces/" + id).statusCode()).as(body).isEqualTo(404);
        }
        // the end of the ids' range is taken as it is
        long id = newId();
        String body = "[[{\"trace_id\":" + id + ",\"span_id\":18446744073709551615}]]";
        assertThat(put("/v0.4/traces", "application/json", body.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        assertThat(getJson("/api/traces/" + id).at("/spans/0/span_id").asString()).isEqualTo("18446744073709551615");
    }

    /** {@code [[{trace_id, span_id: 1, error}]]}, the error in the smallest msgpack form that holds it. */
    private static byte[] v04WithError(long traceId, long error) throws java.io.IOException {
        try (org.msgpack.core.MessageBufferPacker p = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(1).packArrayHeader(1).packMapHeader(3);
            p.packString("trace_id").packLong(traceId).packString("span_id").packLong(1);
            p.packString("error").packLong(error);
            return p.toByteArray();
        }
    }

    /** {@code [["", "svc"], [[[1, 1, 1, trace_id, 1, 0, start, 0, error, {}, {}, 0]]]]}. */
    private static byte[] v05WithError(long traceId, long error) throws java.io.IOException {
        try (org.msgpack.core.MessageBufferPacker p = org.msgpack.core.MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(2).packArrayHeader(2).packString("").packString("svc");
            p.packArrayHeader(1).packArrayHeader(1).packArrayHeader(12);
            p.packInt(1).packInt(1).packInt(1).packLong(traceId).packLong(1).packLong(0);
            p.packLong(System.currentTimeMillis() * 1_000_000L).packLong(0).packLong(error);
            p.packMapHeader(0).packMapHeader(0).packInt(0);
            return p.toByteArray();
        }
    }

    /**
     * JSON the parser cannot read (a body cut short, a stray comma) is 400 saying what and where, as the decoder's own
     * errors do, without the parser's internals: a cut body read "(start marker at [Source: REDACTED
     * (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); byte offset: #UNKNOWN])".
     */
    @Test
    void malformedJsonIs400SayingWhatAndWhere() throws Exception {
        for (String body : List.of("[[{\"trace_id\":1", "[[{\"meta\":{\"a\":\"b\"", "[[{\"trace_id\":1,,}]]", "[[{\"trace_id\":1}]]x")) {
            HttpResponse<String> r = put("/v0.4/traces", "application/json", body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(body).startsWith("json: ")
                    .contains("(at byte ").doesNotContain("REDACTED", "UNKNOWN", "Source:", "StreamReadFeature");
        }
        HttpResponse<String> cut = put("/v0.4/traces", "application/json", "[[{\"trace_id\":1".getBytes(StandardCharsets.UTF_8));
        assertThat(JSON.readTree(cut.body()).get("detail").asString())
                .isEqualTo("json: Unexpected end-of-input: expected close marker for Object (at byte 15)");
    }

    @Test
    void errorsTheControllersDoNotAnswerAreJsonToo() throws Exception {
        HttpResponse<String> wrongMethod = HTTP.send(HttpRequest.newBuilder(uri("/v0.4/traces")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.body()).startsWith("{\"error\":\"method_not_allowed\"");
        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(uri("/v9/nothing")).header("Accept", "text/html")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"not_found\",\"detail\":\"no route for GET /v9/nothing\"}");
        assertThat(get("/api/services/").body()).isEqualTo(
                "{\"error\":\"not_found\",\"detail\":\"no route for GET /api/services/ (the routes have no trailing slash)\"}");
        HttpResponse<String> trace = HTTP.send(HttpRequest.newBuilder(uri("/info"))
                .method("TRACE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(trace.statusCode()).isEqualTo(405);
        assertThat(trace.body()).startsWith("{\"error\":\"method_not_allowed\"");
        for (String notUtf8 : List.of("/api/traces?service=%E9", "/api/services/matchmaker/timeseries?resource=%E9")) {
            HttpResponse<String> malformed = get(notUtf8);
            assertThat(malformed.statusCode()).as(notUtf8).isEqualTo(400);
            assertThat(JSON.readTree(malformed.body()).path("detail").asString()).as(notUtf8)
                    .startsWith("the query string is malformed: Character decoding failed");
        }
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) { // refused by Tomcat before any servlet
            socket.getOutputStream().write("GET /api/traces/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400").contains("Content-Type: application/json")
                    .endsWith("{\"error\":\"bad_request\",\"detail\":\"Invalid URI (GET /api/traces/%00)\"}");
        }
    }

    /**
     * A web page may POST a body without Content-Type to any address, 127.0.0.1 included, without asking first:
     * the browser marks it {@code Sec-Fetch-Site: cross-site}, and the agent refuses it with 403
     * ({@code handleWithVersion} in datadog-agent {@code pkg/trace/api/api.go}). Tracers send no such header.
     */
    @Test
    void aCrossSiteRequestFromABrowserIs403AndNothingIsKept() throws Exception {
        long id = newId();
        byte[] json = TestPayloads.json(List.of(List.of(new S(id, 1, 0))));
        for (String path : List.of("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).header("Sec-Fetch-Site", "cross-site")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).get("error").asString()).isEqualTo("forbidden");
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        for (String site : List.of("same-origin", "same-site", "none")) { // the collector's page, a click, a bookmark
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/v0.4/traces")).header("Sec-Fetch-Site", site)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(site).isEqualTo(200);
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(200);
    }

    @Test
    void wrongMediaTypeIs415() throws Exception {
        HttpResponse<String> r = put("/v0.4/traces", "text/plain", "[]".getBytes());
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(r.body()).get("error").asString()).isEqualTo("unsupported_media_type");
        assertThat(put("/v0.5/traces", "application/json", "[]".getBytes()).statusCode()).isEqualTo(415);
    }

    /** The collector takes no forms: a multipart body, with or without a boundary, is a media type like another. */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void multipartIs415AtTheIntakeAndIgnoredByTheOtherRoutes(CapturedOutput output) throws Exception {
        byte[] form = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n[]\r\n--b--\r\n".getBytes();
        for (String type : List.of("multipart/form-data", "multipart/form-data; boundary=b")) {
            for (String path : List.of("/v0.3/traces", "/v0.4/traces", "/v0.5/traces", "/v0.6/stats")) {
                HttpResponse<String> r = put(path, type, form);
                assertThat(r.statusCode()).as("%s %s", path, type).isEqualTo(415);
                assertThat(JSON.readTree(r.body()).get("detail").asString()).as("%s %s", path, type)
                        .startsWith(path + " takes application/msgpack").endsWith(", not multipart/form-data");
            }
            for (String path : List.of("/info", "/api/traces", "/api/services")) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", type).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as("%s %s", path, type).isEqualTo(200);
            }
        }
        assertThat(output.getAll()).doesNotContain("MultipartException").doesNotContain("unexpected error");
    }

    @Test
    void aRequestLineOver8KbIs400AndSaysSo() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET /api/traces?service=" + "a".repeat(9000)
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400").contains("Content-Type: application/json")
                    .endsWith("{\"error\":\"bad_request\",\"detail\":\"the request line is too long or malformed\"}");
        }
    }

    /**
     * Tomcat refuses headers past its 8 KB; the answer says that, where it said only "Bad Request". Tomcat closes the
     * connection with the rest of the header unread, and the reset that follows may reach the client before the
     * answer is read: asked again then.
     */
    @Test
    void headersOver8KbAre400AndSaySo() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("PUT /v0.4/traces HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000)
                        + "\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .startsWith("HTTP/1.1 400").contains("Content-Type: application/json").endsWith(
                                "{\"error\":\"bad_request\",\"detail\":\"Request header is too large (PUT /v0.4/traces)\"}");
            }
        });
    }

    /** The agent reads bodies as sent; a gzip body is named as such, not "expected an array", and nothing is kept. */
    @Test
    void aCompressedBodyIs415SayingSendItUncompressed() throws Exception {
        long id = newId();
        byte[] plain = TestPayloads.v04(List.of(List.of(new S(id, 1, 0))));
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(plain);
        }
        for (String path : List.of("/v0.4/traces", "/v0.5/traces", "/v0.6/stats")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).header("Content-Encoding", "gzip")
                    .header("Content-Type", "application/msgpack").PUT(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(415);
            assertThat(r.headers().firstValue("Accept-Encoding")).as(path).hasValue("identity");
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(path).isEqualTo(
                    "Content-Encoding gzip is not read here: send the body uncompressed, as Datadog's tracers send it to their agent");
        }
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(404);
        HttpResponse<String> identity = HTTP.send(HttpRequest.newBuilder(uri("/v0.4/traces")).header("Content-Encoding", "identity")
                .header("Content-Type", "application/msgpack").PUT(HttpRequest.BodyPublishers.ofByteArray(plain)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(identity.statusCode()).isEqualTo(200);
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(200);
    }

    @Test
    void clientStatsAreAccepted() throws Exception {
        HttpResponse<String> r = put("/v0.6/stats", "application/msgpack", hex("80"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Datadog-Agent-State")).isPresent();
    }

    @Test
    void piecesOfOneTraceFromSeveralPayloadsAndFormatsAreJoined() throws Exception {
        long traceId = newId();
        S root = new S(traceId, 10, 0).service("join-web").resource("GET /pair/beer");
        S child = new S(traceId, 11, 10).service("join-taster").resource("GET /taste");
        S grandchild = new S(traceId, 12, 11).service("join-taster").resource("score");
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(child)))).statusCode())
                .isEqualTo(200);
        assertThat(put("/v0.5/traces", "application/msgpack", TestPayloads.v05(List.of(List.of(grandchild))))
                .statusCode()).isEqualTo(200);
        assertThat(put("/v0.3/traces", "application/json", TestPayloads.json(List.of(List.of(root)))).statusCode())
                .isEqualTo(200);
        JsonNode t = getJson("/api/traces/" + traceId);
        assertThat(t.get("spans")).hasSize(3);
        assertThat(t.get("spans").get(0).get("service").asString()).isEqualTo("join-web");
        assertThat(t.get("spans").get(2).get("depth").asInt()).isEqualTo(2);
        JsonNode list = getJson("/api/traces?service=join-taster");
        assertThat(list.get("traces").get(0).get("trace_id").asString()).isEqualTo(Long.toString(traceId));
        assertThat(list.get("traces").get(0).get("span_count").asInt()).isEqualTo(3);
        assertThat(list.get("traces").get(0).get("services").toString()).contains("join-web", "join-taster");
        assertThat(getJson("/api/stats").at("/store/pieces_joined").asLong()).isGreaterThanOrEqualTo(2);
    }

    /** The agent keeps a {@code /} in a service name; its resources, timeseries and traces are served under {@code %2F}. */
    @Test
    void aServiceNameWithASlashHasItsOwnPages() throws Exception {
        long traceId = newId();
        S root = new S(traceId, 1, 0).service("team/orders").name("servlet.request").resource("GET /orders");
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(root)))).statusCode())
                .isEqualTo(200);
        assertThat(getJson("/api/services").toString()).contains("\"team/orders\"");
        assertThat(getJson("/api/services/team%2Forders/resources").toString()).contains("GET /orders");
        assertThat(get("/api/services/team%2Forders/timeseries").statusCode()).isEqualTo(200);
        assertThat(getJson("/api/traces?service=team%2Forders").findValuesAsString("trace_id"))
                .contains(Long.toString(traceId));
    }
}
