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
 * A service's resources come busiest first, at most {@code limit} of them (50 by default), with how many there are:
 * ids in resources ({@code GET /users/123}) make thousands, which the page would draw as as many rows.
 */
class ResourcesLimitHttpTest extends CollectorTestBase {

    @Test
    void theBusiestFiftyByDefaultAndHowManyThereAre() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        List<List<S>> traces = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            int hits = i == 77 ? 3 : i == 5 ? 2 : 1; // GET /users/77 the busiest, then GET /users/5
            for (int h = 0; h < hits; h++) {
                traces.add(List.of(new S(newId(), 1, 0).service("many-resources").resource("GET /users/" + i)
                        .start(now - 1_000_000).duration(1_000_000)));
            }
        }
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(traces)).statusCode()).isEqualTo(200);

        JsonNode page = getJson("/api/services/many-resources/resources");
        assertThat(page.get("total").asInt()).isEqualTo(120);
        assertThat(page.get("resources")).hasSize(50);
        assertThat(page.at("/resources/0/resource").asString()).isEqualTo("GET /users/77");
        assertThat(page.at("/resources/0/hits").asLong()).isEqualTo(3);
        assertThat(page.at("/resources/1/resource").asString()).isEqualTo("GET /users/5");

        JsonNode all = getJson("/api/services/many-resources/resources?limit=1000");
        assertThat(all.get("resources")).hasSize(120);
        assertThat(all.get("total").asInt()).isEqualTo(120);

        for (String bad : List.of("0", "1001", "many")) {
            HttpResponse<String> r = get("/api/services/many-resources/resources?limit=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("detail").asString()).as(bad).contains("limit");
        }
    }
}
