package io.donuttracing.matchmaker.donutdb;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;

import io.donuttracing.matchmaker.web.ApiException;

public class DonutDbUnavailableException extends ApiException {

    DonutDbUnavailableException(StringRedisTemplate redis, RuntimeException cause) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "redis unavailable",
                "DonutDB (Redis at " + where(redis.getConnectionFactory()) + ") is unreachable: "
                        + NestedExceptionUtils.getMostSpecificCause(cause).getMessage(),
                cause);
    }

    private static String where(RedisConnectionFactory factory) {
        return factory instanceof LettuceConnectionFactory lettuce
                ? lettuce.getHostName() + ":" + lettuce.getPort() : "the configured address";
    }
}
