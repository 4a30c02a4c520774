package io.donuttracing.collector.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A trace's {@code limit}: its first spans in tree order, with the whole trace's counts, so that a page can draw a
 * trace of a hundred thousand spans in part and say so; without it, every span.
 */
class TraceSpansLimitHttpTest extends CollectorTestBase {

    @Test
    void theFirstSpansInTreeOrderWithTheWholeTracesCounts() throws Exception {
        long id = newId();
        long now = System.currentTimeMillis() * 1_000_000L;
        List<S> spans = new ArrayList<>();
        spans.add(new S(id, 1, 0).service("big-web").resource("GET /batch").start(now - 100_000_000).duration(90_000_000));
        for (int i = 0; i < 2_999; i++) { // one query a row, the last one failing, in the database's own service
            S q = new S(id, 2 + i, 1).service(i < 1_500 ? "big-web" : "big-db").name("h2.query").resource("SELECT ?")
                    .start(now - 99_000_000 + i * 20_000L).duration(10_000);
            spans.add(i == 2_998 ? q.error(1) : q);
        }
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(spans))).statusCode()).isEqualTo(200);
        String path = "/api/traces/" + Long.toUnsignedString(id);

        JsonNode some = getJson(path + "?limit=1000");
        assertThat(some.get("spans")).hasSize(1000);
        assertThat(some.at("/spans/0/span_id").asString()).isEqualTo("1");
        assertThat(some.at("/spans/999/span_id").asString()).isEqualTo("1000");
        assertThat(some.get("span_count").asInt()).isEqualTo(3000);
        assertThat(some.get("services")).extracting(JsonNode::asString).containsExactly("big-web", "big-db");
        assertThat(some.get("error_count").asInt()).isEqualTo(1);

        JsonNode all = getJson(path);
        assertThat(all.get("spans")).hasSize(3000);
        assertThat(all.get("span_count").asInt()).isEqualTo(3000);

        for (String bad : List.of("0", "-1", "many", "99999999999")) {
            HttpResponse<String> r = get(path + "?limit=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(bad).startsWith("limit must be an integer from 1 to");
        }
    }
}
