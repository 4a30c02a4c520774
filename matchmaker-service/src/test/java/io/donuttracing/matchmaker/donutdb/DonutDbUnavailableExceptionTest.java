package io.donuttracing.matchmaker.donutdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.ClosedChannelException;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.RedisConnectionFailureException;

import io.lettuce.core.RedisConnectionException;

class DonutDbUnavailableExceptionTest {

    @Test
    void theReasonIsTheMostSpecificCausesMessage() {
        assertThat(DonutDbUnavailableException.reason(new RedisConnectionFailureException("Unable to connect to Redis",
                new RedisConnectionException("Connection refused")))).isEqualTo("Connection refused");
    }

    @Test
    void aCauseWithoutAMessageIsNamedAfterTheLastMessageBeforeIt() {
        assertThat(DonutDbUnavailableException.reason(new RedisConnectionFailureException("Unable to connect to Redis",
                new RedisConnectionException("Unable to connect to 127.0.0.1/<unresolved>:6379",
                        new ClosedChannelException()))))
                .isEqualTo("Unable to connect to 127.0.0.1/<unresolved>:6379: ClosedChannelException");
        assertThat(DonutDbUnavailableException.reason(new ClosedChannelException())).isEqualTo("ClosedChannelException");
    }
}
