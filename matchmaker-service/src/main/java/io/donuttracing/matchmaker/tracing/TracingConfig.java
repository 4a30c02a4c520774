package io.donuttracing.matchmaker.tracing;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import io.donuttracing.tracing.Tracer;
import io.donuttracing.tracing.TracerConfig;
import io.donuttracing.tracing.contrib.http.TracingClientHttpRequestInterceptor;
import io.donuttracing.tracing.contrib.jdbc.TracingDataSource;
import io.donuttracing.tracing.contrib.redis.LettuceTracing;
import io.donuttracing.tracing.contrib.servlet.TracingFilter;

/**
 * Every piece of the matchmaker's tracing, wired by hand, one bean each:
 *
 * <ul>
 * <li>the {@link Tracer}, from the {@code dd.*} properties ({@code dd.service=matchmaker} in
 * application.properties) or their {@code DD_*} environment variables ({@code DD_AGENT_HOST},
 * {@code DD_TRACE_AGENT_PORT}, {@code DD_ENV}...);</li>
 * <li>the servlet filter: a {@code servlet.request} span per request, and its {@code traceresponse} header;</li>
 * <li>the JDBC wrapper: an {@code h2.query} span (service {@code db}) per statement;</li>
 * <li>the Lettuce hook: a {@code redis.command} span (service {@code redis}) per Redis command;</li>
 * <li>the RestClient interceptor: an {@code http.request} span per taster call, whose headers carry the
 * trace to the taster.</li>
 * </ul>
 *
 * The manual spans ({@code beer.query}, {@code match}) are in
 * {@code PairingService}. {@code dd.trace.enabled=false} ({@code DD_TRACE_ENABLED=false}) switches
 * tracing off: none of the integrations is installed and the tracer sends nothing, so the manual
 * spans cost next to nothing.
 */
@Configuration(proxyBeanMethods = false)
public class TracingConfig {

    static final String ENABLED = "dd.trace.enabled";

    @Bean(destroyMethod = "close")
    Tracer tracer(Environment environment) {
        Tracer tracer = Tracer.create(TracerConfig.from(environment::getProperty));
        Tracer.setGlobal(tracer);
        return tracer;
    }

    /** First in the chain, so that its span covers everything the request does. */
    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    FilterRegistrationBean<TracingFilter> tracingFilter(Tracer tracer) {
        FilterRegistrationBean<TracingFilter> filter = new FilterRegistrationBean<>(new TracingFilter(tracer));
        filter.addUrlPatterns("/*");
        filter.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return filter;
    }

    /** Wraps the DataSource that JPA and the SQL initialiser use: no repository changes. */
    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    static BeanPostProcessor tracingDataSource(ObjectProvider<Tracer> tracer) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof DataSource dataSource && !(bean instanceof TracingDataSource)
                        ? new TracingDataSource(dataSource, tracer.getObject(), "db")
                        : bean;
            }
        };
    }

    /** Lettuce's own tracing hook, in the client resources Spring Boot builds: no DonutDb changes. */
    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    ClientResourcesBuilderCustomizer tracingRedis(Tracer tracer) {
        return resources -> resources.tracing(new LettuceTracing(tracer, "redis"));
    }

    /** Added to the RestClient.Builder that TasterClient is given: each taster call carries the trace. */
    @Bean
    @ConditionalOnBooleanProperty(name = ENABLED, matchIfMissing = true)
    RestClientCustomizer tracingRestClient(Tracer tracer) {
        return builder -> builder.requestInterceptor(new TracingClientHttpRequestInterceptor(tracer));
    }
}
