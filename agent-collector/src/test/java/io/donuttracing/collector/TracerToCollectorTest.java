package io.donuttracing.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.donuttracing.tracing.Span;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.writer.WriterCounters;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Our tracer against the real collector under load: the collector's rates make the tracer drop most traces
 * on its side, and the collector's numbers still count every request (the stats of the dropped ones arrive
 * on {@code /v0.6/stats}).
 */
@TestPropertySource(properties = "collector.target-tps=5")
class TracerToCollectorTest extends CollectorTestBase {

    @Test
    void underLoadTheTracerDropsMostTracesAndTheCollectorStillCountsEveryRequest() throws Exception {
        long requests = 0;
        WriterCounters counters;
        try (Tracer tracer = Tracer.create(TracerConfig.builder().service("loadtest").env("ci")
                .agentUrl("http://127.0.0.1:" + port).logsInjection(false).build())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // Batches of 100 requests, each flushed, so the writer's queue never overflows (which would lose
            // traces for real), until the tracer, on the collector's word, has dropped twice as many traces as
            // it sent (it sends everything for the first second or so, until the collector sees the load).
            do {
                assertThat(System.nanoTime()).as("the tracer drops sampled-out traces within a minute").isLessThan(deadline);
                for (int i = 0; i < 100; i++, requests++) {
                    try (Span server = tracer.trace("servlet.request")) {
                        server.setResource("GET /load").setType("web").setTag("span.kind", "server")
                                .setTag("http.status_code", "200");
                        try (Span query = tracer.trace("h2.query", "db")) {
                            query.setResource("SELECT * FROM beers WHERE name = 'ipa'").setType("sql");
                        }
                    }
                }
                assertThat(tracer.flush(Duration.ofSeconds(10))).isTrue();
            } while (tracer.writer().counters().tracesDroppedP0() < 2 * tracer.writer().counters().tracesSent());
            counters = tracer.writer().counters();
        }
        long total = requests;
        assertThat(counters.tracesDroppedQueueFull() + counters.tracesDroppedSendFailed()).isZero();
        assertThat(counters.tracesSent() + counters.tracesDroppedP0()).isEqualTo(total);

        JsonNode intake = getJson("/api/stats").get("intake");
        assertThat(intake.get("client_dropped_p0_traces").asLong()).isGreaterThanOrEqualTo(counters.tracesDroppedP0());
        // Every request, sent or not, in the service's hits and in each resource's (the SQL obfuscated in both).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(hits("/api/services", "services", "name", "loadtest")).isEqualTo(total);
            assertThat(hits("/api/services/loadtest/resources", "resources", "resource", "GET /load")).isEqualTo(total);
            assertThat(hits("/api/services/db/resources", "resources", "resource", "SELECT * FROM beers WHERE name = ?"))
                    .isEqualTo(total);
        });
    }

    private long hits(String path, String list, String field, String value) throws Exception {
        for (JsonNode row : getJson(path).get(list)) {
            if (row.get(field).asString().equals(value)) {
                return row.get("hits").asLong();
            }
        }
        return 0;
    }
}
