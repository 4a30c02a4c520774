package io.donuttracing.matchmaker.donutdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;
import io.lettuce.core.ClientOptions;

/**
 * RedisClientConfig adds to the client options Spring Boot builds from {@code spring.data.redis.*}; it does not
 * replace them: {@code spring.data.redis.connect-timeout=1s} bounds every connection attempt, Lettuce's background
 * reconnections included, and Boot's {@code TimeoutOptions} stay on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RedisClientConfigTest {

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        TestAgent.register(registry);
    }

    @Autowired
    LettuceConnectionFactory factory;

    @Test
    void keepsSpringBootsOptionsAndRejectsCommandsWhileDisconnected() {
        ClientOptions options = factory.getClientConfiguration().getClientOptions().orElseThrow();

        assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
        assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.getTimeoutOptions().isTimeoutCommands()).isTrue();
    }
}
