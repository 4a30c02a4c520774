package io.donuttracing.collector.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Kept traces reach a real Zipkin server and are read back from Zipkin's API. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class ZipkinExportTest {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static ZipkinServer zipkin;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void zipkin(DynamicPropertyRegistry registry) throws Exception {
        zipkin = ZipkinServer.start(ZipkinServer.jar(), "256m", ZipkinServer.logFile("zipkin-export-test.log").toPath());
        registry.add("collector.export.zipkin-url", () -> zipkin.url("/api/v2/spans"));
        registry.add("collector.export.batch-spans", () -> "100");
    }

    @AfterAll
    static void stopZipkin() {
        if (zipkin != null) {
            zipkin.close();
        }
    }

    private HttpResponse<String> send(String url, String method, byte[] body, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (body != null) {
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", type);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void keptTracesAreReadBackFromZipkinAndDroppedOnesAreNot() throws Exception {
        long traceId = 0xC0FFEE0000000000L | (System.nanoTime() & 0xffffffL); // >= 2^63
        long dropped = 0x1234000000000000L | (System.nanoTime() & 0xffffffL);
        long now = System.currentTimeMillis() * 1_000_000L;
        S root = new S(traceId, 0xABCDEF0123456789L, 0).service("export-web").name("servlet.request")
                .resource("GET /pair/beer").start(now - 50_000_000L).duration(42_000_000L)
                .meta("span.kind", "server").meta("http.status_code", "200").metric("_sampling_priority_v1", 1);
        S child = new S(traceId, 7, 0xABCDEF0123456789L).service("export-taster").name("http.request")
                .resource("GET /taste").start(now - 40_000_000L).duration(10_000_000L).error(1)
                .meta("span.kind", "client").meta("error.msg", "too sweet");
        S rejected = new S(dropped, 1, 0).service("export-web").metric("_sampling_priority_v1", -1);
        HttpResponse<String> r = send("http://127.0.0.1:" + port + "/v0.4/traces", "PUT",
                TestPayloads.v04(List.of(List.of(root, child), List.of(rejected))), "application/msgpack");
        assertThat(r.statusCode()).isEqualTo(200);

        String hex = String.format("%016x", traceId);
        JsonNode spans = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            HttpResponse<String> z = send(zipkin.url("/api/v2/trace/" + hex), "GET", null, null);
            return z.statusCode() == 200 ? JSON.readTree(z.body()) : null;
        }, n -> n != null && n.size() == 2);
        Map<String, JsonNode> byId = new java.util.HashMap<>();
        StreamSupport.stream(spans.spliterator(), false).forEach(s -> byId.put(s.get("id").asString(), s));
        JsonNode zRoot = byId.get("abcdef0123456789");
        assertThat(zRoot.get("traceId").asString()).isEqualTo(hex);
        assertThat(zRoot.has("parentId")).isFalse();
        assertThat(zRoot.get("kind").asString()).isEqualTo("SERVER");
        assertThat(zRoot.get("name").asString()).isEqualTo("get /pair/beer");
        assertThat(zRoot.at("/localEndpoint/serviceName").asString()).isEqualTo("export-web");
        assertThat(zRoot.get("duration").asLong()).isEqualTo(42_000);
        assertThat(zRoot.get("timestamp").asLong()).isEqualTo((now - 50_000_000L) / 1000);
        assertThat(zRoot.at("/tags/http.status_code").asString()).isEqualTo("200");
        assertThat(zRoot.at("/tags/dd.name").asString()).isEqualTo("servlet.request");
        JsonNode zChild = byId.get("0000000000000007");
        assertThat(zChild.get("parentId").asString()).isEqualTo("abcdef0123456789");
        assertThat(zChild.get("kind").asString()).isEqualTo("CLIENT");
        assertThat(zChild.at("/tags/error").asString()).isEqualTo("too sweet");

        HttpResponse<String> none = send(zipkin.url("/api/v2/trace/" + String.format("%016x", dropped)), "GET", null, null);
        assertThat(none.statusCode()).as("a priority-rejected trace is not exported").isEqualTo(404);

        JsonNode stats = JSON.readTree(send("http://127.0.0.1:" + port + "/api/stats", "GET", null, null).body());
        assertThat(stats.at("/export/spans_exported").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(stats.at("/export/spans_dropped_queue_full").asLong()).isZero();
        assertThat(stats.at("/intake/sampling.dropped_priority_reject").asLong()).isEqualTo(1);
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        int nobody = ZipkinServer.freePort(); // nothing listens there: every export fails
        ZipkinExporter tiny = new ZipkinExporter("http://127.0.0.1:" + nobody + "/api/v2/spans", 3, 10, Duration.ofMillis(200));
        try {
            io.donuttracing.collector.model.Span[] t = new io.donuttracing.collector.model.Span[10];
            for (int i = 0; i < t.length; i++) {
                t[i] = new io.donuttracing.collector.model.Span();
                t[i].traceId = 1;
                t[i].spanId = i + 1;
            }
            tiny.offer(List.<io.donuttracing.collector.model.Span[]>of(t)); // returns at once: 10 spans, room for 3
            // The sender may drain the queue while offer() fills it, so how many were dropped varies; every span
            // is accounted for, though: queued (then failed, port 9 refuses) or dropped.
            Map<String, Long> afterOffer = tiny.counters();
            assertThat(afterOffer.get("spans_dropped_queue_full")).isPositive();
            assertThat(afterOffer.get("spans_queued") + afterOffer.get("spans_dropped_queue_full")).isEqualTo(10);
            await().atMost(Duration.ofSeconds(10)).until(() -> tiny.counters().get("spans_failed")
                    + tiny.counters().get("spans_dropped_queue_full") == 10);
        } finally {
            tiny.close();
        }
    }
}
