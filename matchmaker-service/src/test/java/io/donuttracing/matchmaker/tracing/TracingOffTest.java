package io.donuttracing.matchmaker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.donuttracing.matchmaker.Http;
import io.donuttracing.matchmaker.TestRedis;
import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;

/** dd.trace.enabled=false, the benchmark's switch: no filter, no wrapper, no interceptor, nothing sent. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "dd.trace.enabled=false")
class TracingOffTest {

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        TestRedis.register(registry);
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
        assertThat(context.getBeansOfType(ClientResourcesBuilderCustomizer.class)).isEmpty();
        assertThat(context.getBeansOfType(RestClientCustomizer.class).keySet()).doesNotContain("tracingRestClient");
        assertThat(new Http(port).get("/beers").headers().firstValue("traceresponse")).isEmpty();
    }

    @Test
    void pairingStillWorksWithItsSpansAsNoOps() {
        // the taster is not running here: the pairing reaches the manual spans and answers 503
        assertThat(new Http(port).get("/pair/beer?name=ipa").statusCode()).isIn(200, 503);
    }
}
