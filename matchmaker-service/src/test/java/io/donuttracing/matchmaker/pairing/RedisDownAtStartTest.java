package io.donuttracing.matchmaker.pairing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;
import redis.embedded.RedisServer;

/** The matchmaker starts while its Redis is down, answers 503 for it, and pairs once it is up. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RedisDownAtStartTest {

    static final int REDIS_PORT = TestRedis.freePort();
    static final int STOPPED_TASTER_PORT = TestRedis.freePort();
    static RedisServer redis;

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + REDIS_PORT); // nothing there yet
        registry.add("taster.url", () -> "http://127.0.0.1:" + STOPPED_TASTER_PORT);
        TestAgent.register(registry);
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            TestRedis.stop(redis);
        }
    }

    @Test
    void startsWithoutRedisAnswers503ThenPairsOnceRedisIsUp() {
        Http http = new Http(port);
        assertThat(http.get("/beers/ipa").statusCode()).isEqualTo(200);
        assertThat(http.get("/pair/beer?name=ipa").body()).startsWith("{\"error\":\"redis unavailable\"");

        redis = TestRedis.start(REDIS_PORT); // empty: DonutDB's fallbacks stand in for the seeded keys
        // past DonutDB now, the pairing fails on the taster, which this test does not run
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(http.get("/pair/beer?name=ipa").body()).startsWith("{\"error\":\"taster unavailable\""));
    }
}
