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
                "DonutDB (Redis at " + where(redis.getConnectionFactory()) + ") is unreachable: " + reason(cause),
                cause);
    }

    private static String where(RedisConnectionFactory factory) {
        return factory instanceof LettuceConnectionFactory lettuce
                ? lettuce.getHostName() + ":" + lettuce.getPort() : "the configured address";
    }

    /**
     * The most specific cause's message ({@code Currently not connected. Commands are rejected.}); when it has none
     * (a connection that could not be made ends in a {@code ClosedChannelException} without one), the last message
     * before it and its type: {@code Unable to connect to 127.0.0.1/<unresolved>:6379: ClosedChannelException}.
     */
    static String reason(Throwable failure) {
        Throwable specific = NestedExceptionUtils.getMostSpecificCause(failure);
        if (hasMessage(specific)) {
            return specific.getMessage();
        }
        String message = null;
        Throwable cause = failure;
        for (int depth = 0; cause != null && cause != specific && depth < 20; depth++, cause = cause.getCause()) {
            if (hasMessage(cause)) {
                message = cause.getMessage();
            }
        }
        return (message == null ? "" : message + ": ") + specific.getClass().getSimpleName();
    }

    private static boolean hasMessage(Throwable t) {
        return t.getMessage() != null && !t.getMessage().isBlank();
    }
}
