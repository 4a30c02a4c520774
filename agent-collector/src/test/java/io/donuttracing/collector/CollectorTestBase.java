package io.donuttracing.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The collector on a free port of 127.0.0.1, spoken to over real HTTP. Test classes extending this share
 * one running collector (and its store), so each test uses its own trace ids and service names.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "collector.max-request-bytes=1048576"})
public abstract class CollectorTestBase {
    protected static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final AtomicLong IDS = new AtomicLong(System.nanoTime() & 0xffffffffL);
    protected static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    protected int port;

    /** A trace id no other test uses. */
    protected static long newId() {
        return IDS.incrementAndGet() * 7919 + 1_000_000;
    }

    protected URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    protected HttpResponse<String> put(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    protected HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A collector started with {@code setting} stops with Spring Boot's short report, holding {@code report}, and no stack trace. */
    protected static void assertStartFailsWith(CapturedOutput output, String setting, String... report) {
        int from = output.getAll().length(); // this start's report only
        assertThatThrownBy(() -> SpringApplication.run(CollectorApplication.class, "--server.port=0",
                "--server.address=127.0.0.1", setting)).isNotNull();
        assertThat(output.getAll().substring(from)).contains("APPLICATION FAILED TO START")
                .contains(report).doesNotContain("\tat io.donuttracing");
    }

    protected JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
