package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import io.donuttracing.collector.CollectorApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A collector started with {@code DD_APM_IGNORE_RESOURCES}: the health check's traces are counted as filtered
 * and nowhere else (not listed, not in the resource stats), the others are kept, and {@code /info} says what
 * is ignored. And one started with an expression that is not one stops with a short report that names it.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "DD_APM_IGNORE_RESOURCES=\"GET /ping$\", ^OPTIONS "})
class IgnoredResourcesHttpTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    int port;

    private String send(String method, String path, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/msgpack");
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    void healthChecksAreDroppedOnArrivalAndTheRestIsKept() throws Exception {
        S ping = new S(101, 1, 0).service("ignoring").name("servlet.request").resource("GET /ping")
                .metric("_sampling_priority_v1", 1);
        S options = new S(102, 2, 0).service("ignoring").name("servlet.request").resource("OPTIONS /beers")
                .metric("_sampling_priority_v1", 1);
        S pair = new S(103, 3, 0).service("ignoring").name("servlet.request").resource("GET /pair/beer")
                .metric("_sampling_priority_v1", 1);
        S query = new S(103, 4, 3).service("ignoring").name("h2.query").resource("GET /ping");
        send("PUT", "/v0.4/traces", TestPayloads.v04(List.of(List.of(ping), List.of(options), List.of(pair, query))));

        JsonMapper json = JsonMapper.builder().build();
        JsonNode traces = json.readTree(send("GET", "/api/traces?service=ignoring", null));
        assertThat(traces.findValuesAsString("trace_id")).isNotEmpty().containsOnly("103");
        JsonNode resources = json.readTree(send("GET", "/api/services/ignoring/resources", null));
        assertThat(resources.toString()).contains("GET /pair/beer").doesNotContain("OPTIONS /beers")
                .doesNotContain("\"GET /ping\"");
        JsonNode intake = json.readTree(send("GET", "/api/stats", null)).get("intake");
        assertThat(intake.get("traces_filtered").asLong()).isEqualTo(2);
        assertThat(intake.get("spans_filtered").asLong()).isEqualTo(2);

        JsonNode info = json.readTree(send("GET", "/info", null));
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
