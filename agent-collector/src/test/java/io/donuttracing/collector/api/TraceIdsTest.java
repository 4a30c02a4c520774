package io.donuttracing.collector.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TraceIdsTest {
    private static final long LOW = 0x68b3edfd18e8d251L;

    @Test
    void decimalAnd32HexDigitsInEitherCase() {
        assertThat(TraceIds.parse("12345")).isEqualTo(12345L);
        assertThat(TraceIds.parse("18446744073709551615")).isEqualTo(-1L);
        assertThat(TraceIds.parse("6b05bf8b0000000068b3edfd18e8d251")).isEqualTo(LOW);
        assertThat(TraceIds.parse("6B05BF8B0000000068B3EDFD18E8D251")).isEqualTo(LOW);
    }

    @Test
    void aTraceresponseValueInEitherCase() {
        assertThat(TraceIds.parse("00-6b05bf8b0000000068b3edfd18e8d251-68b3edfd18e8d251-01")).isEqualTo(LOW);
        assertThat(TraceIds.parse("00-6B05BF8B0000000068B3EDFD18E8D251-68B3EDFD18E8D251-01")).isEqualTo(LOW);
    }

    @Test
    void theWholeHeaderLineAsCurlPrintsIt() {
        assertThat(TraceIds.parse("traceresponse: 00-6b05bf8b0000000068b3edfd18e8d251-68b3edfd18e8d251-01\r"))
                .isEqualTo(LOW);
        assertThat(TraceIds.parse("  Traceresponse:00-6b05bf8b0000000068b3edfd18e8d251-68b3edfd18e8d251-01 \r\n"))
                .isEqualTo(LOW);
        assertThat(TraceIds.parse("traceparent: 00-6b05bf8b0000000068b3edfd18e8d251-68b3edfd18e8d251-01"))
                .isEqualTo(LOW);
    }

    @Test
    void anythingElseIsRefusedWithAReason() {
        for (String bad : new String[] {"%ZZ", "", "traceresponse:", "x-trace: 00-6b05bf8b0000000068b3edfd18e8d251-68b3edfd18e8d251-01",
                "6b05bf8b0000000068b3edfd18e8d25", "18446744073709551616"}) {
            assertThatThrownBy(() -> TraceIds.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("trace id");
        }
    }
}
