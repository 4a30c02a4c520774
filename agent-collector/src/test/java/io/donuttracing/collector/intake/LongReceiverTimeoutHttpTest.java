package io.donuttracing.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.donuttracing.collector.CollectorTestBase;
import io.donuttracing.collector.TestPayloads;
import io.donuttracing.collector.TestPayloads.S;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * A receiver timeout too long for a deadline in nanoseconds (9,999,999,999 s: 317 years) or for Tomcat's read
 * timeout in milliseconds (an int) is held to Tomcat's longest, about 24.8 days: before, every payload was answered
 * 500 (a long overflow computing its deadline), and Tomcat's read timeout silently stayed its own.
 */
@TestPropertySource(properties = "collector.receiver-timeout=9999999999s")
class LongReceiverTimeoutHttpTest extends CollectorTestBase {

    @Test
    void aTimeoutTooLongForTheClocksIsHeldToTheLongestAndPayloadsAreStillTaken() throws Exception {
        long id = newId();
        HttpResponse<String> r = put("/v0.4/traces", "application/msgpack",
                TestPayloads.v04(List.of(List.of(new S(id, 1, 0).service("timeout-long")))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(get("/api/traces/" + id).statusCode()).isEqualTo(200);
    }
}
