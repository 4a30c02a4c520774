package io.donuttracing.matchmaker.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

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

/** The matchmaker starts with its own Redis, which the test then stops. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RedisStoppedTest {

    static final int REDIS_PORT = TestRedis.freePort();
    static final RedisServer REDIS = TestRedis.start(REDIS_PORT);

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", () -> "redis://127.0.0.1:" + REDIS_PORT);
        TestAgent.register(registry);
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void stopRedis() {
        if (REDIS.isActive()) {
            TestRedis.stop(REDIS);
        }
    }

    @Test
    void pairingAnswers503NamingRedisWhileTheMenuStillWorks() {
        Http http = new Http(port);
        TestRedis.stop(REDIS);

        HttpResponse<String> response = http.get("/pair/beer?name=ipa");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("{\"error\":\"redis unavailable\",\"detail\":\"DonutDB (Redis at 127.0.0.1:"
                + REDIS_PORT + ") is unreachable: ");
        assertThat(http.get("/beers/ipa").statusCode()).isEqualTo(200);
    }
}
