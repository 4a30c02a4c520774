package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * A collector with small limits, of its own (the shared one has the defaults): a single decoder
 * ({@code collector.decoders=1}) that may decode a body into 2 MB of heap at most, and a 1 MB memory budget
 * for the store.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "collector.decoders=1", "collector.decode-budget=2MB", "collector.receiver-timeout=60s",
                "collector.memory-budget=1MB"})
class LimitsHttpTest extends CollectorTestBase {

    /**
     * While a tracer's body is still arriving the decoder is taken, so another payload waits a second and is
     * refused with 429 and a reason; it is not decoded, and nothing stored is lost. Once the slow body has
     * arrived, it is stored, and the next payload is taken again. A body declared too large is refused at once.
     */
    @Test
    void aPayloadThatFindsEveryDecoderBusyIsRefusedWith429AndNothingIsLost() throws Exception {
        long storedId = newId();
        assertThat(send(storedId, "decoders-stored").statusCode()).isEqualTo(200);

        long slowId = newId();
        byte[] slowBody = TestPayloads.v04(List.of(List.of(new S(slowId, 1, 0).service("decoders-slow"))));
        try (Socket slow = new Socket("127.0.0.1", port)) {
            OutputStream out = slow.getOutputStream();
            out.write(("PUT /v0.4/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/msgpack\r\n"
                    + "Content-Length: " + slowBody.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(slowBody, 0, 4); // the rest later: the collector is reading this body, with its only decoder
            out.flush();

            // Until the slow request has reached its decoder, a payload may still get it, and is stored as usual.
            HttpResponse<String>[] refused = new HttpResponse[1];
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                HttpResponse<String> r = send(newId(), "decoders-meanwhile");
                refused[0] = r;
                return r.statusCode() == 429;
            });
            JsonNode error = JSON.readTree(refused[0].body());
            assertThat(error.path("error").asString()).isEqualTo("too_many_requests");
            assertThat(error.path("detail").asString()).contains("every decoder was busy");
            assertThat(getJson("/api/stats").path("intake").path("payloads_rejected.too_many_requests").asLong())
                    .isPositive();

            // a body declared too large needs no decoder to be refused: 413 at once, not 429
            try (Socket big = new Socket("127.0.0.1", port)) {
                big.getOutputStream().write(("PUT /v0.4/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/msgpack\r\nContent-Length: " + (26L << 20) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String head = new String(big.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(head).isEqualTo("HTTP/1.1 413");
            }

            out.write(slowBody, 4, slowBody.length - 4);
            out.flush();
            String answer = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 200").contains("rate_by_service");
        }

        long afterId = newId();
        assertThat(send(afterId, "decoders-after").statusCode()).isEqualTo(200);
        for (long id : new long[] {storedId, slowId, afterId}) {
            assertThat(get("/api/traces/" + id).statusCode()).as("trace %d", id).isEqualTo(200);
        }
    }

    /**
     * A body's size does not bound what it decodes into: a span of a few dozen bytes becomes an object of about
     * a hundred. A body that would decode into more than its decoder's share of the decode budget is refused
     * with 413 and the setting to look at, in each format and for client stats; nothing of it is kept, nothing
     * stored is lost, and a body within the share is taken as usual.
     */
    @Test
    void aBodyThatWouldDecodeIntoMoreThanItsDecodersShareIsRefusedWith413() throws Exception {
        long storedId = newId();
        assertThat(send(storedId, "decode-stored").statusCode()).isEqualTo(200);

        long tooMany = newId();
        List<S> spans = new java.util.ArrayList<>(); // about 150 bytes each as decoded: 4.5 MB in all
        for (int i = 1; i <= 30_000; i++) {
            spans.add(new S(tooMany, i, i - 1).service("decode-too-many"));
        }
        List<TestPayloads.G> groups = new java.util.ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            groups.add(new TestPayloads.G().service("decode-too-many").resource("GET /" + i));
        }
        List<HttpResponse<String>> refused = List.of(
                put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(spans))),
                put("/v0.5/traces", "application/msgpack", TestPayloads.v05(List.of(spans))),
                put("/v0.4/traces", "application/json", TestPayloads.json(List.of(spans))),
                put("/v0.6/stats", "application/msgpack", TestPayloads.clientStats("java", 0, groups)));
        for (HttpResponse<String> r : refused) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
            JsonNode error = JSON.readTree(r.body());
            assertThat(error.path("error").asString()).isEqualTo("payload_too_large");
            assertThat(error.path("detail").asString()).contains("more than 2097152 bytes", "collector.decode-budget");
        }
        assertThat(getJson("/api/stats").path("intake").path("payloads_rejected.too_large").asLong())
                .isGreaterThanOrEqualTo(4);
        assertThat(get("/api/traces/" + tooMany).statusCode()).isEqualTo(404);
        assertThat(getJson("/api/services").toString()).doesNotContain("decode-too-many");
        assertThat(get("/api/traces/" + storedId).statusCode()).isEqualTo(200);

        long within = newId();
        List<S> fewer = new java.util.ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            fewer.add(new S(within, i, i - 1).service("decode-within"));
        }
        assertThat(put("/v0.5/traces", "application/msgpack", TestPayloads.v05(List.of(fewer))).statusCode())
                .isEqualTo(200);
        assertThat(getJson("/api/traces/" + within).path("spans")).hasSize(1000);
    }

    /** Spans with tags as large as the agent allows fill the memory budget, not the heap: the oldest traces go. */
    @Test
    void largeTagsAreBoundedByTheMemoryBudget() throws Exception {
        JsonNode store = getJson("/api/stats").path("store");
        assertThat(store.path("memory_budget").asLong()).isEqualTo(1024 * 1024);
        long first = newId();
        long last = 0;
        for (int payload = 0; payload < 10; payload++) { // 10 payloads of 10 spans with a 25,000-character tag
            last = payload == 0 ? first : newId();
            List<S> spans = new java.util.ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                spans.add(new S(last, i, i - 1).service("limits-heavy").meta("error.stack", "x".repeat(25_000)));
            }
            assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(spans))).statusCode())
                    .isEqualTo(200);
        }
        store = getJson("/api/stats").path("store");
        assertThat(store.path("bytes").asLong()).isPositive().isLessThanOrEqualTo(1024 * 1024);
        assertThat(store.path("traces_evicted").asLong()).isPositive();
        assertThat(get("/api/traces/" + first).statusCode()).isEqualTo(404);
        JsonNode newest = getJson("/api/traces/" + last);
        assertThat(newest.path("spans")).hasSize(10);
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aBudgetBelowOneStopsTheStartWithAReportThatNamesIt(CapturedOutput output) {
        assertStartFailsWith(output, "--collector.memory-budget=0B", "COLLECTOR_MEMORY_BUDGET: must be at least 1B, not 0B");
        assertStartFailsWith(output, "--collector.span-budget=0", "COLLECTOR_SPAN_BUDGET: must be at least 1, not 0");
        assertStartFailsWith(output, "--collector.decode-budget=0B", "COLLECTOR_DECODE_BUDGET: must be at least 1B, not 0B");
    }

    private HttpResponse<String> send(long traceId, String service) throws Exception {
        return put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(new S(traceId, 1, 0).service(service)))));
    }
}
