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

/**
 * Redis stopped for a while, then started again on its port, as a learner does in the README's tour: the
 * pairings find it again within about a second, not after Lettuce's reconnect delay has grown towards 30 s.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RedisBackTest {

    static final int REDIS_PORT = TestRedis.freePort();
    static RedisServer redis = TestRedis.start(REDIS_PORT);

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + REDIS_PORT);
        registry.add("taster.url", () -> "http://127.0.0.1:" + TestRedis.freePort()); // no taster: a 503 naming it
        TestAgent.register(registry);
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void stopRedis() {
        if (redis.isActive()) {
            TestRedis.stop(redis);
        }
    }

    @Test
    void pairingsFindARedisStartedAgainWithinAboutASecond() {
        Http http = new Http(port);
        assertThat(http.get("/pair/beer?name=ipa").body()).doesNotContain("redis unavailable");
        TestRedis.stop(redis);

        // Ten seconds without Redis: the default reconnect delay, doubling from 1 ms, has reached about 8 s.
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                .until(() -> http.get("/pair/beer?name=ipa").body().contains("redis unavailable"));
        redis = TestRedis.start(REDIS_PORT);

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> !http.get("/pair/beer?name=ipa").body().contains("redis unavailable"));
    }
}
