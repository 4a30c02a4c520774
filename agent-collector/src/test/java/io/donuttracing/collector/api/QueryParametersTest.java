package io.donuttracing.collector.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The query API's parameters: each takes what it says, and a value outside that, or a parameter given twice, is
 * 400 with a detail that names it and what it takes, never silently read as something else.
 */
class QueryParametersTest extends CollectorTestBase {

    @Test
    void theTraceListFiltersAsAsked() throws Exception {
        long slow = newId();
        long failed = newId();
        long fast = newId();
        List<List<S>> traces = List.of(
                List.of(new S(slow, 1, 0).service("query-params").duration(300_000_000)),
                List.of(new S(failed, 1, 0).service("query-params").duration(2_000_000).error(1)),
                List.of(new S(fast, 1, 0).service("query-params").duration(1_000_000)));
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(traces)).statusCode()).isEqualTo(200);

        assertThat(ids("service=query-params")).containsExactlyInAnyOrder(slow, failed, fast);
        assertThat(ids("service=query-params&limit=2")).hasSize(2);
        assertThat(ids("service=query-params&limit=1000")).hasSize(3);
        assertThat(ids("service=query-params&minDurationMs=1.5")).containsExactlyInAnyOrder(slow, failed);
        assertThat(ids("service=query-params&minDurationMs=0")).hasSize(3);
        assertThat(ids("service=query-params&error=true")).containsExactly(failed);
        assertThat(ids("service=query-params&error=no&limit=")).containsExactlyInAnyOrder(slow, fast);
    }

    private List<Long> ids(String query) throws Exception {
        List<Long> ids = new java.util.ArrayList<>();
        for (JsonNode t : getJson("/api/traces?" + query).get("traces")) {
            ids.add(Long.parseLong(t.get("trace_id").asString()));
        }
        return ids;
    }

    @Test
    void valuesOutsideWhatAParameterTakesAre400NamingIt() throws Exception {
        String limit = "limit must be an integer from 1 to 1000, got ";
        String minDuration = "minDurationMs must be a number of milliseconds, 0 or more, got ";
        Map<String, String> details = Map.ofEntries(
                Map.entry("limit=0", limit + "0"),
                Map.entry("limit=-1", limit + "-1"),
                Map.entry("limit=-2147483648", limit + "-2147483648"),
                Map.entry("limit=1001", limit + "1001"),
                Map.entry("limit=5000", limit + "5000"),
                Map.entry("limit=99999999999", limit + "99999999999"),
                Map.entry("limit=ten", limit + "ten"),
                Map.entry("minDurationMs=NaN", minDuration + "NaN"),
                Map.entry("minDurationMs=Infinity", minDuration + "Infinity"),
                Map.entry("minDurationMs=-5", minDuration + "-5"),
                Map.entry("minDurationMs=slow", minDuration + "slow"),
                Map.entry("error=maybe", "error must be true or false (1 or 0, yes or no), got maybe"));
        for (Map.Entry<String, String> e : details.entrySet()) {
            assertBadRequest("/api/traces?" + e.getKey(), e.getValue());
        }
    }

    @Test
    void aParameterGivenTwiceIs400SayingSo() throws Exception {
        assertBadRequest("/api/traces?limit=1&limit=2", "limit is given 2 times; give it once");
        assertBadRequest("/api/traces?service=a&service=a&service=b", "service is given 3 times; give it once");
        assertBadRequest("/api/traces?minDurationMs=1&minDurationMs=", "minDurationMs is given 2 times; give it once");
        assertBadRequest("/api/services/query-params/timeseries?resource=a&resource=b",
                "resource is given 2 times; give it once");
        assertBadRequest("/api/traces/1?format=text&format=text", "format is given 2 times; give it once");
    }

    @Test
    void aTraceIsJsonOrText() throws Exception {
        long id = newId();
        S span = new S(id, 1, 0).service("query-format");
        assertThat(put("/v0.4/traces", "application/msgpack", TestPayloads.v04(List.of(List.of(span)))).statusCode())
                .isEqualTo(200);
        assertThat(getJson("/api/traces/" + id + "?format=").get("trace_id").asString()).isEqualTo(Long.toString(id));
        assertThat(get("/api/traces/" + id + "?format=text").body()).contains("query-format");
        assertBadRequest("/api/traces/" + id + "?format=xml", "format must be text, or absent for JSON, got xml");
    }

    private void assertBadRequest(String path, String detail) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asString()).as(path).isEqualTo("bad_request");
        assertThat(body.get("detail").asString()).as(path).isEqualTo(detail);
    }
}
