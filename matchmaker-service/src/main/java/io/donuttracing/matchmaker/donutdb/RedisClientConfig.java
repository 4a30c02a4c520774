package io.donuttracing.matchmaker.donutdb;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.resource.Delay;

@Configuration(proxyBeanMethods = false)
class RedisClientConfig {

    /**
     * While Redis is down, fail a command at once (a 503) instead of queueing it until the timeout. Added to the
     * options Spring Boot builds, not in their place: those hold {@code spring.data.redis.connect-timeout} and
     * Lettuce's own command timeout, which a new {@code ClientOptions} would have dropped (a 10 s connect timeout).
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer rejectCommandsWhileDisconnected() {
        return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    /**
     * Try to reconnect at least once a second: Lettuce's default doubles the wait up to 30 s, so a Redis started
     * again after a minute served nothing (503s) for up to half a minute more.
     */
    @Bean
    ClientResourcesBuilderCustomizer reconnectWithinASecond() {
        return builder -> builder.reconnectDelay(
                Delay.exponential(Duration.ofMillis(1), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
    }
}
