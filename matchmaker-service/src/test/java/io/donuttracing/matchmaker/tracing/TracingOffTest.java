package io.donuttracing.matchmaker.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestAgent;
import io.donuttracing.matchmaker.TestRedis;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.lettuce.core.resource.ClientResources;

/** dd.trace.enabled=false, the benchmark's switch: no filter, no wrapper, no interceptor, nothing sent. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "dd.trace.enabled=false")
class TracingOffTest {

    static final TestAgent AGENT = TestAgent.start();
    static final int STOPPED_TASTER_PORT = TestRedis.freePort();

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
        AGENT.registerAsAgent(registry);
        registry.add("taster.url", () -> "http://127.0.0.1:" + STOPPED_TASTER_PORT);
    }

    @LocalServerPort
    int port;

    @Autowired
    Tracer tracer;

    @Autowired
    DataSource dataSource;

    @Autowired
    ApplicationContext context;

    @Test
    void nothingIsTraced() {
        assertThat(tracer.config().enabled()).isFalse();
        assertThat(dataSource).isNotInstanceOf(TracingDataSource.class);
        assertThat(context.getBean(ClientResources.class).tracing().isEnabled()).isFalse(); // Lettuce untraced
        assertThat(context.getBeansOfType(RestClientCustomizer.class).keySet()).doesNotContain("tracingRestClient");
        assertThat(new Http(port).get("/beers").headers().firstValue("traceresponse")).isEmpty();
    }

    @Test
    void thePairingRunsThroughItsManualSpansAndNothingIsSent() {
        // the taster is not running: the pairing gets past the beer and Redis, through the manual spans, to the taster calls
        HttpResponse<String> pairing = new Http(port).get("/pair/beer?name=ipa");
        assertThat(pairing.statusCode()).isEqualTo(503);
        assertThat(pairing.body()).startsWith("{\"error\":\"taster unavailable\",\"detail\":\"no taster call succeeded");
        assertThat(pairing.headers().firstValue("traceresponse")).isEmpty();
        // a traced matchmaker sends within a second (dd.trace.flush.interval)
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> AGENT.received().isEmpty());
    }
}
