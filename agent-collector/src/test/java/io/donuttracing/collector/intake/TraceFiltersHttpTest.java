package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * A collector started with the agent's trace filters, {@code DD_APM_IGNORE_RESOURCES} and
 * {@code DD_APM_FILTER_TAGS_*}: the filtered traces are counted as filtered and nowhere else (not listed, not
 * in the resource stats), the others are kept, and {@code /info} says what is filtered. And one started with
 * a rule that does not parse stops with a short report that names it. The shared test collector has no such
 * rule, so this one is a collector of its own.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "DD_APM_IGNORE_RESOURCES=\"GET /ping$\", ^OPTIONS ",
                "DD_APM_FILTER_TAGS_REJECT=http.route:/internal/health", // separated by spaces
                "DD_APM_FILTER_TAGS_REGEX_REJECT=[\"http.useragent:^kube-probe/\"]"}) // or a JSON array
class TraceFiltersHttpTest extends CollectorTestBase {

    /** {@code traces_filtered} and {@code spans_filtered}: the two tests share this collector, so each reads the change. */
    private long[] filtered() throws Exception {
        JsonNode intake = getJson("/api/stats").get("intake");
        return new long[] {intake.path("traces_filtered").asLong(), intake.path("spans_filtered").asLong()};
    }

    @Test
    void healthChecksAreDroppedOnArrivalAndTheRestIsKept() throws Exception {
        long[] before = filtered();
        S ping = new S(101, 1, 0).service("ignoring").name("servlet.request").resource("GET /ping")
                .metric("_sampling_priority_v1", 1);
        S options = new S(102, 2, 0).service("ignoring").name("servlet.request").resource("OPTIONS /beers")
                .metric("_sampling_priority_v1", 1);
        S pair = new S(103, 3, 0).service("ignoring").name("servlet.request").resource("GET /pair/beer")
                .metric("_sampling_priority_v1", 1);
        S query = new S(103, 4, 3).service("ignoring").name("h2.query").resource("GET /ping");
        assertThat(put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(ping), List.of(options), List.of(pair, query)))).statusCode())
                .isEqualTo(200);

        JsonNode traces = getJson("/api/traces?service=ignoring");
        assertThat(traces.findValuesAsString("trace_id")).isNotEmpty().containsOnly("103");
        JsonNode resources = getJson("/api/services/ignoring/resources");
        assertThat(resources.toString()).contains("GET /pair/beer").doesNotContain("OPTIONS /beers")
                .doesNotContain("\"GET /ping\"");
        assertThat(filtered()).as("traces and spans filtered").containsExactly(before[0] + 2, before[1] + 2);

        JsonNode info = getJson("/info");
        assertThat(info.get("ignore_resources").toString()).isEqualTo("[\"GET /ping$\",\"^OPTIONS \"]");
    }

    @Test
    void tracesWhoseRootHasARejectedTagAreDroppedOnArrival() throws Exception {
        long[] before = filtered();
        S health = new S(201, 1, 0).service("tagged").name("servlet.request").resource("GET /internal/health")
                .meta("http.route", "/internal/health").metric("_sampling_priority_v1", 1);
        S probe = new S(202, 2, 0).service("tagged").name("servlet.request").resource("GET /beers")
                .meta("http.useragent", "kube-probe/1.31").metric("_sampling_priority_v1", 1);
        S beers = new S(203, 3, 0).service("tagged").name("servlet.request").resource("GET /beers")
                .meta("http.useragent", "curl/8.5.0").metric("_sampling_priority_v1", 1);
        S child = new S(203, 4, 3).service("tagged").name("http.request").resource("GET /internal/health")
                .meta("http.route", "/internal/health");
        assertThat(put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(health), List.of(probe), List.of(beers, child)))).statusCode())
                .isEqualTo(200);

        assertThat(getJson("/api/traces?service=tagged").findValuesAsString("trace_id")).isNotEmpty()
                .containsOnly("203");
        assertThat(getJson("/api/services/tagged/resources").toString()).contains("GET /beers")
                .doesNotContain("GET /internal/health");
        assertThat(filtered()).as("traces and spans filtered").containsExactly(before[0] + 2, before[1] + 2);
        JsonNode info = getJson("/info");
        assertThat(info.get("filter_tags").toString()).isEqualTo("{\"reject\":[\"http.route:/internal/health\"]}");
        assertThat(info.get("filter_tags_regex").toString())
                .isEqualTo("{\"reject\":[\"http.useragent:^kube-probe/\"]}");
    }

    @Test
    void aRuleThatDoesNotParseStopsTheStartWithAReportThatNamesIt(CapturedOutput output) {
        assertStartFailsWith(output, "--DD_APM_IGNORE_RESOURCES=GET /ping$,GET /(",
                "DD_APM_IGNORE_RESOURCES: \"GET /(\" is not a regular expression: Unclosed group",
                "Correct or unset DD_APM_IGNORE_RESOURCES");
        assertStartFailsWith(output, "--DD_APM_FILTER_TAGS_REQUIRE=[env:prod]",
                "DD_APM_FILTER_TAGS_REQUIRE: starts with [ but is not a JSON array of strings: [env:prod]",
                "Correct or unset DD_APM_FILTER_TAGS_REQUIRE");
    }
}
