package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Step 10's stand-in taster, run as its text runs it: {@code java steps/10-distributed/PrintRequests.java <port>}. */
class PrintRequestsIT {

    @Test
    void printsEachRequestWithItsHeadersByNameAndAnswersWithAScore() throws Exception {
        int port = Repo.freePort();
        Path output = Files.createTempFile("print-requests", ".out");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process standIn = new ProcessBuilder(java.toString(), "steps/10-distributed/PrintRequests.java", Integer.toString(port))
                .directory(Repo.ROOT.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(1)).until(() -> !standIn.isAlive()
                    || Files.readString(output).contains("Printing the requests sent to 127.0.0.1:" + port));
            assertThat(standIn.isAlive()).as(Files.readString(output)).isTrue();

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + port + "/taste?beer=ipa&donut=jelly"))
                    .header("x-datadog-trace-id", "42").header("traceparent", "00-0000000000000000000000000000002a-0000000000000007-01")
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"score\":5}");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(output))
                    .contains("GET /taste?beer=ipa&donut=jelly\n")
                    .containsSubsequence("Traceparent: 00-0000000000000000000000000000002a-0000000000000007-01\n",
                            "X-datadog-trace-id: 42\n"));
        } finally {
            standIn.destroy();
            Files.deleteIfExists(output);
        }
    }
}
