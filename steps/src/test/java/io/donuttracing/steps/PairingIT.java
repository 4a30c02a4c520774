package io.donuttracing.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import redis.embedded.RedisServer;

/**
 * The taster and the matchmaker from their packaged jars, each its own JVM on a free port, with a
 * real redis-server, talking real HTTP. The taster is seeded, so the best match is known.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PairingIT {

    static final int REDIS_PORT = Repo.freePort();
    static final int TASTER_PORT = Repo.freePort();
    static final int MATCHMAKER_PORT = Repo.freePort();
    static final int SLOW_TASTER_PORT = Repo.freePort();
    static final int IMPATIENT_MATCHMAKER_PORT = Repo.freePort();

    static RedisServer redis;
    static Process taster;
    static Process matchmaker;
    /** Takes a second to score a pair... */
    static Process slowTaster;
    /** ...while this matchmaker gives it 100 ms. */
    static Process impatientMatchmaker;

    @BeforeAll
    static void start() throws IOException {
        redis = RedisServer.newRedisServer().port(REDIS_PORT).bind("127.0.0.1").setting("save \"\"").build();
        redis.start();
        taster = java("taster-service", Map.of(
                "TASTER_PORT", Integer.toString(TASTER_PORT),
                "TASTER_SEED", "42",
                "TASTER_DELAY_MS", "40"));
        matchmaker = java("matchmaker-service", Map.of(
                "MATCHMAKER_PORT", Integer.toString(MATCHMAKER_PORT),
                "TASTER_URL", "http://127.0.0.1:" + TASTER_PORT,
                "REDIS_URL", "redis://127.0.0.1:" + REDIS_PORT));
        slowTaster = java("taster-service", Map.of(
                "TASTER_PORT", Integer.toString(SLOW_TASTER_PORT),
                "TASTER_DELAY_MS", "1000"));
        impatientMatchmaker = java("matchmaker-service", Map.of(
                "MATCHMAKER_PORT", Integer.toString(IMPATIENT_MATCHMAKER_PORT),
                "TASTER_URL", "http://127.0.0.1:" + SLOW_TASTER_PORT,
                "TASTER_TIMEOUT", "100ms",
                "REDIS_URL", "redis://127.0.0.1:" + REDIS_PORT));
        awaitHealthy(taster, TASTER_PORT);
        awaitHealthy(matchmaker, MATCHMAKER_PORT);
        awaitHealthy(slowTaster, SLOW_TASTER_PORT);
        awaitHealthy(impatientMatchmaker, IMPATIENT_MATCHMAKER_PORT);
    }

    @AfterAll
    static void stop() throws IOException, InterruptedException {
        for (Process process : new Process[] {impatientMatchmaker, slowTaster, matchmaker, taster}) {
            if (process != null) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    @Order(1)
    void pairsAnIpaWithTheDonutTheSeededTasterLikesBest() {
        // Candidates chocolate, bavarian, jelly, glazed score 6, 6, 2, 3: the tie goes to the earlier one.
        HttpResponse<String> response = Repo.get(MATCHMAKER_PORT, "/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"match\":\"chocolate\"}");
        assertThat(Repo.get(MATCHMAKER_PORT, "/pair/beer?name=IPA").body()).isEqualTo("{\"match\":\"chocolate\"}");
    }

    @Test
    @Order(2)
    void pairsEveryBeer() {
        assertThat(Repo.get(MATCHMAKER_PORT, "/pair/beer?name=stout").body()).isEqualTo("{\"match\":\"chocolate\"}");
        assertThat(Repo.get(MATCHMAKER_PORT, "/pair/beer?name=lager").body()).isEqualTo("{\"match\":\"chocolate\"}");
        assertThat(Repo.get(MATCHMAKER_PORT, "/pair/beer?name=pilsner").body()).isEqualTo("{\"match\":\"bacon\"}");
    }

    @Test
    @Order(3)
    void aMissingNameIs400WithAReason() {
        HttpResponse<String> response = Repo.get(MATCHMAKER_PORT, "/pair/beer");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error\":\"bad request\","
                + "\"detail\":\"query parameter 'name' is required, e.g. /pair/beer?name=ipa\"}");
    }

    @Test
    @Order(4)
    void candidatesWhoseTastingTimesOutAreSkipped() {
        HttpResponse<String> response = Repo.get(IMPATIENT_MATCHMAKER_PORT, "/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("{\"error\":\"taster unavailable\",\"detail\":\"no taster call succeeded "
                + "(4 tried at http://127.0.0.1:" + SLOW_TASTER_PORT + "): ").contains("Read timed out");
    }

    @Test
    @Order(5)
    void aStoppedTasterIs503() throws InterruptedException {
        taster.destroy();
        assertThat(taster.waitFor(20, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> response = Repo.get(MATCHMAKER_PORT, "/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("{\"error\":\"taster unavailable\",\"detail\":\"no taster call succeeded "
                + "(4 tried at http://127.0.0.1:" + TASTER_PORT + "): ");
    }

    private static Process java(String module, Map<String, String> env) throws IOException {
        Path log = Files.createTempFile(Repo.ROOT.resolve("steps/target"), "pairing-it-" + module + "-", ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", Repo.jar(module).toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("DD_"));
        builder.environment().put("DD_TRACE_ENABLED", "false"); // the pairing alone; TracingIT checks the traces
        builder.environment().putAll(env);
        return builder.start();
    }

    private static void awaitHealthy(Process process, int port) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("exited during start-up; see steps/target/pairing-it-*.log");
            }
            return Repo.answers(port, "/ping");
        });
    }
}
