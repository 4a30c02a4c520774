package io.donuttracing.collector.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code DELETE /api/traces} empties the collector without a restart: its traces and the services' statistics; what
 * arrives after is stored and counted as before. A collector of its own (another span budget: another Spring
 * context), so that it removes no other test's traces.
 */
@TestPropertySource(properties = "collector.span-budget=77777")
class RemoveAllHttpTest extends CollectorTestBase {

    @Test
    void removesEveryTraceAndTheStatisticsAndKeepsWhatArrivesAfter() throws Exception {
        delete("/api/traces"); // what the other test left
        long removedBefore = getJson("/api/stats").at("/store/traces_removed").asLong();
        send(pairing(newId()), pairing(newId()));
        assertThat(getJson("/api/traces").get("traces")).hasSize(2);
        assertThat(getJson("/api/services").get("services")).extracting(s -> s.get("name").asString())
                .containsExactly("remove-matchmaker", "remove-taster");

        HttpResponse<String> removed = delete("/api/traces");
        assertThat(removed.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(removed.body());
        assertThat(body.get("traces_removed").asLong()).isEqualTo(2);
        assertThat(body.get("spans_removed").asLong()).isEqualTo(8);

        assertThat(getJson("/api/traces").get("traces")).isEmpty();
        assertThat(getJson("/api/services").get("services")).isEmpty();
        assertThat(getJson("/api/services/remove-matchmaker/resources").get("resources")).isEmpty();
        JsonNode store = getJson("/api/stats").get("store");
        assertThat(store.get("traces").asLong()).isZero();
        assertThat(store.get("spans").asLong()).isZero();
        assertThat(store.get("traces_removed").asLong()).isEqualTo(removedBefore + 2);

        long after = newId();
        send(pairing(after));
        JsonNode traces = getJson("/api/traces").get("traces");
        assertThat(traces).hasSize(1);
        assertThat(traces.get(0).get("trace_id").asString()).isEqualTo(Long.toUnsignedString(after));
        assertThat(getJson("/api/services").at("/services/0/hits").asLong()).isEqualTo(1);

        assertThat(JSON.readTree(delete("/api/traces").body()).get("traces_removed").asLong()).isEqualTo(1);
        assertThat(JSON.readTree(delete("/api/traces").body()).get("traces_removed").asLong()).isZero();
    }

    /** A form's POST, which another site's page could send, removes nothing. */
    @Test
    void aPostRemovesNothing() throws Exception {
        long id = newId();
        send(pairing(id));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/api/traces")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(get("/api/traces/" + Long.toUnsignedString(id)).statusCode()).isEqualTo(200);
    }

    private static List<S> pairing(long traceId) {
        long now = System.currentTimeMillis() * 1_000_000L;
        return List.of(
                new S(traceId, 1, 0).service("remove-matchmaker").resource("GET /pair/beer").start(now - 9_000_000)
                        .duration(8_000_000),
                new S(traceId, 2, 1).service("remove-matchmaker").name("http.request").resource("GET /taste")
                        .start(now - 8_000_000).duration(2_000_000),
                new S(traceId, 3, 2).service("remove-taster").resource("GET /taste").start(now - 7_500_000)
                        .duration(1_000_000),
                new S(traceId, 4, 1).service("remove-matchmaker").name("h2.query").resource("SELECT 1")
                        .start(now - 5_000_000).duration(1_000_000));
    }

    @SafeVarargs
    private void send(List<S>... traces) throws Exception {
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(traces))).statusCode())
                .isEqualTo(200);
    }

    private HttpResponse<String> delete(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
