package io.donuttracing.matchmaker.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;

/** TracingConfig's pieces are in place and send (the spans themselves are checked end to end in the steps' TracingIT). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TracingOnTest {

    static final TestAgent AGENT = TestAgent.start();

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        AGENT.registerAsAgent(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    Tracer tracer;

    @Autowired
    DataSource dataSource;

    @Test
    void theTracerIsTheMatchmakersAndEveryResponseNamesItsTrace() {
        assertThat(tracer.config().service()).isEqualTo("matchmaker");
        assertThat(tracer.config().enabled()).isTrue();
        assertThat(new Http(port).get("/beers").headers().firstValue("traceresponse"))
                .hasValueSatisfying(value -> assertThat(value).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"));
    }

    @Test
    void theDataSourceIsWrappedAndARequestsSpansReachTheAgent() {
        assertThat(dataSource).isInstanceOf(TracingDataSource.class);
        assertThat(new Http(port).get("/beers").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(AGENT.received())
                .anySatisfy(request -> assertThat(request).startsWith("PUT /v0.4/traces ")
                        .contains("servlet.request", "GET /beers", "h2.query", "matchmaker")));
    }
}
