package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.collector.CollectorApplication;
import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * A collector started with {@code DD_APM_IGNORE_RESOURCES}: the health check's traces are counted as filtered
 * and nowhere else (not listed, not in the resource stats), the others are kept, and {@code /info} says what
 * is ignored. And one started with an expression that is not one stops with a short report that names it.
 * The shared test collector has no such rule, so this one is a collector of its own.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "DD_APM_IGNORE_RESOURCES=\"GET /ping$\", ^OPTIONS "})
class IgnoredResourcesHttpTest extends CollectorTestBase {

    @Test
    void healthChecksAreDroppedOnArrivalAndTheRestIsKept() throws Exception {
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
        JsonNode intake = getJson("/api/stats").get("intake");
        assertThat(intake.get("traces_filtered").asLong()).isEqualTo(2);
        assertThat(intake.get("spans_filtered").asLong()).isEqualTo(2);

        JsonNode info = getJson("/info");
        assertThat(info.get("ignore_resources").toString()).isEqualTo("[\"GET /ping$\",\"^OPTIONS \"]");
    }

    @Test
    void anInvalidExpressionStopsTheStartWithAReportThatNamesIt(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(CollectorApplication.class, "--server.port=0",
                "--server.address=127.0.0.1", "--DD_APM_IGNORE_RESOURCES=GET /ping$,GET /(")).isNotNull();
        assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
                .contains("DD_APM_IGNORE_RESOURCES: \"GET /(\" is not a regular expression: Unclosed group")
                .contains("Correct or unset DD_APM_IGNORE_RESOURCES")
                .doesNotContain("\tat io.donuttracing");
    }
}
